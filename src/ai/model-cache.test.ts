import { createOpenAI } from '@ai-sdk/openai';
import type * as OpenAIModule from '@ai-sdk/openai';
import { describe, expect, it, vi } from 'vitest';
import { createModelRegistry } from './model-registry.js';
import { createProviderCache } from './provider-cache.js';
import type { ChatModelFactory } from './providers/chat-model-factory.js';

vi.mock('@ai-sdk/openai', async (importOriginal) => {
  const actual = await importOriginal<typeof OpenAIModule>();
  return { ...actual, createOpenAI: vi.fn(actual.createOpenAI) };
});

const unusedFactory: ChatModelFactory = () => {
  throw new Error('not called in this test');
};

describe('provider cache', () => {
  it('builds a provider once per key', () => {
    const cache = createProviderCache(10);
    const create = vi.fn(() => unusedFactory);

    cache.getOrCreate('a', create);
    cache.getOrCreate('a', create);

    expect(create).toHaveBeenCalledTimes(1);
  });

  it('evicts the least recently used provider when full', () => {
    const cache = createProviderCache(2);
    const create = vi.fn(() => unusedFactory);
    cache.getOrCreate('a', create);
    cache.getOrCreate('b', create);
    cache.getOrCreate('a', create);
    cache.getOrCreate('c', create);
    expect(cache.size).toBe(2);

    cache.getOrCreate('a', create);
    expect(create).toHaveBeenCalledTimes(3);
    cache.getOrCreate('b', create);
    expect(create).toHaveBeenCalledTimes(4);
  });
});

describe('model registry provider reuse', () => {
  it('reuses one provider instance across calls and rebuilds it when a tenant key changes', () => {
    const registry = createModelRegistry({
      config: { providers: { openai: { apiKey: 'sk-server' } }, defaultModel: undefined },
    });
    const built = vi.mocked(createOpenAI);
    built.mockClear();

    registry.resolve('openai:gpt-4o-mini', []);
    registry.resolve('openai:gpt-4o', []);
    expect(built).toHaveBeenCalledTimes(1);

    const tenant = { name: 'acme', kind: 'openai' as const, apiKey: 'sk-one', settings: {} };
    registry.resolve('acme:gpt-4o', [tenant]);
    registry.resolve('acme:gpt-4o', [{ ...tenant, models: ['gpt-4o'] }]);
    expect(built).toHaveBeenCalledTimes(2);

    registry.resolve('acme:gpt-4o', [{ ...tenant, apiKey: 'sk-two' }]);
    expect(built).toHaveBeenCalledTimes(3);
    expect(built.mock.calls[2]?.[0]).toMatchObject({ apiKey: 'sk-two' });
  });
});
