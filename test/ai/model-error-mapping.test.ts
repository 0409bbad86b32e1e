import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeModelError } from '../../src/ai/model-errors.js';
import { createModelRegistry } from '../../src/ai/model-registry.js';
import { startFakeAnthropicServer, type FakeAnthropicServer } from '../fakes/fake-anthropic-server.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { collectParts, errorOf } from './collect-parts.js';
import { directProviderFetch } from './direct-provider-fetch.js';

const providerFetch = directProviderFetch();

const openAIKey = 'sk-proj-TOPSECRET-openai-key';
const anthropicKey = 'sk-ant-TOPSECRET-anthropic-key';

let openAIFake: FakeOpenAIServer;
let anthropicFake: FakeAnthropicServer;
beforeAll(async () => {
  openAIFake = await startFakeOpenAIServer();
  anthropicFake = await startFakeAnthropicServer();
});
afterAll(async () => {
  await openAIFake.close();
  await anthropicFake.close();
});
beforeEach(() => {
  openAIFake.respondWith({});
  anthropicFake.respondWith({});
});

function resolve(ref: string) {
  const registry = createModelRegistry({
    providerFetch,
    config: {
      defaultModel: undefined,
      providers: {
        openai: { apiKey: openAIKey, baseUrl: openAIFake.baseUrl },
        anthropic: { apiKey: anthropicKey, baseUrl: anthropicFake.baseUrl },
      },
    },
  });
  return registry.resolve(ref, []);
}

describe('model errors from the wire', () => {
  it('maps a rejected OpenAI key to a message that names the problem and not the key', async () => {
    openAIFake.respondWith({ error: { status: 401, code: 'invalid_api_key' } });
    const error = await errorOf(async () =>
      generateText({ model: await resolve('openai:gpt-4o-mini'), prompt: 'Hi', maxRetries: 0 }),
    );

    const description = describeModelError(error, { providerName: 'openai' });
    expect(description).toEqual({
      code: 'model_error',
      message: "The model provider 'openai' rejected the API key (401) — check the provider's credentials",
    });
    expect(String(error)).toContain(openAIKey);
  });

  it('reports a streamed 500 as a provider error part, mapped without the provider text', async () => {
    openAIFake.respondWith({ error: { status: 500, message: 'internal stack trace at db-7' } });
    const parts = await collectParts(
      streamText({ model: await resolve('openai:gpt-4o-mini'), prompt: 'Hi', maxRetries: 0, onError: () => {} })
        .fullStream,
    );

    const errorPart = parts.find((part) => part.type === 'error');
    expect(errorPart).toBeDefined();
    const description = describeModelError(errorPart?.type === 'error' ? errorPart.error : undefined);
    expect(description.code).toBe('model_error');
    expect(description.message).toContain('(500)');
    expect(description.message).not.toContain('db-7');
  });

  it('reports an OpenAI 429 as rate limited with the retry-after wait', async () => {
    openAIFake.respondWith({ error: { status: 429, retryAfterSeconds: 7 } });
    const error = await errorOf(async () =>
      generateText({ model: await resolve('openai:gpt-4o-mini'), prompt: 'Hi', maxRetries: 0 }),
    );

    expect(describeModelError(error)).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 7 });
  });

  it('describes the last failure after the SDK has retried', async () => {
    openAIFake.respondWith({ error: { status: 503, retryAfterSeconds: 0 } });
    const requestsBefore = openAIFake.requests.length;
    const error = await errorOf(async () =>
      generateText({ model: await resolve('openai:gpt-4o-mini'), prompt: 'Hi', maxRetries: 1 }),
    );

    expect(openAIFake.requests.length - requestsBefore).toBe(2);
    expect(describeModelError(error).message).toContain('overloaded or unavailable (503)');
  });

  it('maps a rejected Anthropic key without repeating it', async () => {
    anthropicFake.respondWith({ error: { status: 401, message: `invalid x-api-key ${anthropicKey}` } });
    const error = await errorOf(async () =>
      generateText({ model: await resolve('anthropic:claude-sonnet-4-5'), prompt: 'Hi', maxRetries: 0 }),
    );

    const description = describeModelError(error);
    expect(description.message).toContain('rejected the API key (401)');
    expect(description.message).not.toContain(anthropicKey);
  });

  it('reports an Anthropic 429 as rate limited with the retry-after wait', async () => {
    anthropicFake.respondWith({ error: { status: 429, retryAfterSeconds: 30 } });
    const error = await errorOf(async () =>
      generateText({ model: await resolve('anthropic:claude-sonnet-4-5'), prompt: 'Hi', maxRetries: 0 }),
    );

    expect(describeModelError(error)).toEqual({
      code: 'rate_limited',
      message: 'The model provider is rate limiting requests (429) — try again in 30 seconds',
      retryAfterSeconds: 30,
    });
  });

  it('reports an overloaded Anthropic API (529) as temporarily unavailable', async () => {
    anthropicFake.respondWith({ error: { status: 529 } });
    const error = await errorOf(async () =>
      generateText({ model: await resolve('anthropic:claude-sonnet-4-5'), prompt: 'Hi', maxRetries: 0 }),
    );

    expect(describeModelError(error).message).toContain('overloaded or unavailable (529)');
  });

  it('explains a provider that cannot be reached', async () => {
    const closed = await startFakeOpenAIServer();
    const baseUrl = closed.baseUrl;
    await closed.close();
    const registry = createModelRegistry({
      providerFetch,
      config: { defaultModel: undefined, providers: { openai: { apiKey: openAIKey, baseUrl } } },
    });

    const error = await errorOf(async () =>
      generateText({ model: await registry.resolve('openai:gpt-4o-mini', []), prompt: 'Hi', maxRetries: 0 }),
    );
    expect(describeModelError(error).message).toContain('could not be reached');
  });
});
