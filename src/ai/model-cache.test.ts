import { createOpenAI } from '@ai-sdk/openai';
import type * as OpenAIModule from '@ai-sdk/openai';
import { describe, expect, it, vi } from 'vitest';
import { createLruCache } from '../platform/lru-cache.js';
import { createModelRegistry } from './model-registry.js';

vi.mock('@ai-sdk/openai', async (importOriginal) => {
  const actual = await importOriginal<typeof OpenAIModule>();
  return { ...actual, createOpenAI: vi.fn(actual.createOpenAI) };
});

describe('LRU cache', () => {
  it('creates a value once per key', () => {
    const cache = createLruCache<string>(10);
    const create = vi.fn(() => 'value');

    cache.getOrCreate('a', create);
    cache.getOrCreate('a', create);

    expect(create).toHaveBeenCalledTimes(1);
  });

  it('evicts the least recently used entry when full', () => {
    const cache = createLruCache<string>(2);
    const create = vi.fn(() => 'value');
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

  it('forgets a deleted entry', () => {
    const cache = createLruCache<string>(2);
    cache.set('a', 'one');
    cache.delete('a');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});

describe('model registry provider and model reuse', () => {
  it('reuses one provider instance across calls and rebuilds it when a tenant key changes', async () => {
    const registry = createModelRegistry({
      config: { providers: { openai: { apiKey: 'sk-server' } }, defaultModel: undefined },
    });
    const built = vi.mocked(createOpenAI);
    built.mockClear();

    await registry.resolve('openai:gpt-4o-mini', []);
    await registry.resolve('openai:gpt-4o', []);
    expect(built).toHaveBeenCalledTimes(1);

    const tenant = { name: 'acme', kind: 'openai' as const, apiKey: 'sk-one', settings: {} };
    await registry.resolve('acme:gpt-4o', [tenant]);
    await registry.resolve('acme:gpt-4o', [{ ...tenant, models: ['gpt-4o'] }]);
    expect(built).toHaveBeenCalledTimes(2);

    await registry.resolve('acme:gpt-4o', [{ ...tenant, apiKey: 'sk-two' }]);
    expect(built).toHaveBeenCalledTimes(3);
    expect(built.mock.calls[2]?.[0]).toMatchObject({ apiKey: 'sk-two' });
  });

  it('builds a provider once for turns that ask for it while its SDK package is still loading', async () => {
    const registry = createModelRegistry({
      config: { providers: { openai: { apiKey: 'sk-server' } }, defaultModel: undefined },
    });
    const built = vi.mocked(createOpenAI);
    built.mockClear();

    const [first, second] = await Promise.all([
      registry.resolve('openai:gpt-4o', []),
      registry.resolve('openai:gpt-4o', []),
    ]);

    expect(built).toHaveBeenCalledTimes(1);
    expect(first).toBe(second);
  });

  it('hands out the same model object for the same configuration and model, and a new one otherwise', async () => {
    const registry = createModelRegistry({
      config: { providers: { openai: { apiKey: 'sk-server' } }, defaultModel: undefined },
    });
    const tenant = { name: 'acme', kind: 'openai' as const, apiKey: 'sk-one', settings: {} };

    expect(await registry.resolve('openai:gpt-4o', [])).toBe(await registry.resolve('openai:gpt-4o', []));
    expect(await registry.resolve('openai:gpt-4o', [])).not.toBe(await registry.resolve('openai:gpt-4o-mini', []));
    expect(await registry.resolve('acme:gpt-4o', [tenant])).toBe(
      await registry.resolve('acme:gpt-4o', [{ ...tenant }]),
    );
    expect(await registry.resolve('acme:gpt-4o', [tenant])).not.toBe(
      await registry.resolve('acme:gpt-4o', [{ ...tenant, apiKey: 'sk-two' }]),
    );
    expect(await registry.resolve('acme:gpt-4o', [tenant])).not.toBe(await registry.resolve('openai:gpt-4o', []));
  });
});
