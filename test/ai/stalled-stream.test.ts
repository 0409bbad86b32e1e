import { streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeModelError } from '../../src/ai/model-errors.js';
import { createModelRegistry } from '../../src/ai/model-registry.js';
import { startFakeAnthropicServer, type FakeAnthropicServer } from '../fakes/fake-anthropic-server.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { collectParts, textDeltas } from './collect-parts.js';
import { directProviderFetch } from './direct-provider-fetch.js';

const providerFetch = directProviderFetch();

let openAIFake: FakeOpenAIServer;
let anthropicFake: FakeAnthropicServer;
beforeAll(async () => {
  openAIFake = await startFakeOpenAIServer({ stallAfterTokens: 2 });
  anthropicFake = await startFakeAnthropicServer({ stallAfterTokens: 2 });
});
afterAll(async () => {
  await openAIFake.close();
  await anthropicFake.close();
});

function resolve(ref: string) {
  const registry = createModelRegistry({
    providerFetch,
    config: {
      defaultModel: undefined,
      providers: {
        openai: { apiKey: 'sk-test', baseUrl: openAIFake.baseUrl },
        anthropic: { apiKey: 'sk-ant-test', baseUrl: anthropicFake.baseUrl },
      },
    },
  });
  return registry.resolve(ref, []);
}

describe('a stream that stalls', () => {
  it.each(['openai:gpt-4o-mini', 'anthropic:claude-sonnet-4-5'])(
    'from %s ends with a timeout once no chunk arrives in time',
    async (ref) => {
      const model = await resolve(ref);
      const startedAt = Date.now();
      const parts = await collectParts(
        streamText({ model, prompt: 'Hi', maxRetries: 0, timeout: { chunkMs: 300 } }).fullStream,
      );

      expect(textDeltas(parts)).toHaveLength(2);
      const last = parts.at(-1);
      expect(last?.type).toBe('abort');
      expect(describeModelError(last?.type === 'abort' ? last.reason : undefined).code).toBe('model_timeout');
      expect(Date.now() - startedAt).toBeLessThan(3000);
    },
    5000,
  );

  it('ends when an AbortSignal.timeout of the caller fires, and the reason maps to a timeout', async () => {
    const model = await resolve('openai:gpt-4o-mini');
    const signal = AbortSignal.timeout(300);
    const parts = await collectParts(
      streamText({ model, prompt: 'Hi', maxRetries: 0, abortSignal: signal }).fullStream,
    );

    expect(textDeltas(parts)).toHaveLength(2);
    expect(parts.at(-1)?.type).toBe('abort');
    expect(describeModelError(signal.reason).code).toBe('model_timeout');
  }, 5000);
});
