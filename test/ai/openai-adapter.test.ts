import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createModelRegistry } from '../../src/ai/model-registry.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { collectParts, reasoningDeltas, textDeltas } from './collect-parts.js';
import { directProviderFetch } from './direct-provider-fetch.js';

const providerFetch = directProviderFetch();

let fake: FakeOpenAIServer;
beforeAll(async () => {
  fake = await startFakeOpenAIServer();
});
afterAll(() => fake.close());
beforeEach(() => fake.respondWith({}));

function registry() {
  return createModelRegistry({
    providerFetch,
    config: {
      defaultModel: undefined,
      providers: {
        openai: { apiKey: 'sk-test-openai', baseUrl: fake.baseUrl },
        compatible: { name: 'deepseek', baseUrl: fake.baseUrl, apiKey: 'sk-test-deepseek' },
        ollama: { baseUrl: fake.url },
      },
    },
  });
}

describe('OpenAI adapter against the fake Chat Completions server', () => {
  it('streams the reply token by token and reports usage', async () => {
    const result = streamText({
      model: await registry().resolve('openai:gpt-4o-mini', []),
      system: 'You are terse.',
      prompt: 'Say hello',
      maxRetries: 0,
    });
    const parts = await collectParts(result.fullStream);

    expect(textDeltas(parts)).toEqual(['Hello', ' from', ' the', ' fake', ' model.']);
    expect(await result.text).toBe('Hello from the fake model.');
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(5);
    expect(usage.outputTokens).toBe(5);
    expect(await result.finishReason).toBe('stop');
  });

  it('sends the system prompt, the model and the API key on the Chat Completions path', async () => {
    await generateText({
      model: await registry().resolve('openai:gpt-4o-mini', []),
      system: 'You are terse.',
      prompt: 'Say hello',
      maxRetries: 0,
    });

    const sent = fake.lastRequest();
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers['authorization']).toBe('Bearer sk-test-openai');
    expect(sent.body).toMatchObject({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say hello' },
      ],
    });
  });

  it('asks for the usage chunk when streaming', async () => {
    const result = streamText({
      model: await registry().resolve('openai:gpt-4o-mini', []),
      prompt: 'Hi',
      maxRetries: 0,
    });
    await result.consumeStream();

    expect(fake.lastRequest().body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('returns the whole reply and usage without streaming', async () => {
    fake.respondWith({ replyTokens: ['One', ' answer.'] });
    const result = await generateText({
      model: await registry().resolve('openai:gpt-4o', []),
      prompt: 'Question?',
      maxRetries: 0,
    });

    expect(result.text).toBe('One answer.');
    expect(result.usage.inputTokens).toBe(1);
    expect(result.usage.outputTokens).toBe(2);
    expect(fake.lastRequest().body).not.toHaveProperty('stream', true);
  });
});

describe('OpenAI-compatible adapter against the fake server', () => {
  it('streams reasoning_content as reasoning before the reply', async () => {
    fake.respondWith({ reasoningTokens: ['The user', ' greets me.'], replyTokens: ['Hi', ' there.'] });
    const result = streamText({
      model: await registry().resolve('deepseek:deepseek-reasoner', []),
      prompt: 'Hello',
      maxRetries: 0,
    });
    const parts = await collectParts(result.fullStream);

    expect(reasoningDeltas(parts)).toEqual(['The user', ' greets me.']);
    expect(textDeltas(parts)).toEqual(['Hi', ' there.']);
    const kinds = parts.map((part) => part.type);
    expect(kinds.indexOf('reasoning-end')).toBeLessThan(kinds.indexOf('text-start'));
    expect(await result.reasoningText).toBe('The user greets me.');
    expect((await result.usage).outputTokenDetails.reasoningTokens).toBe(2);
    expect(fake.lastRequest().headers['authorization']).toBe('Bearer sk-test-deepseek');
    expect(fake.lastRequest().body).toMatchObject({ stream_options: { include_usage: true } });
  });

  it('returns reasoning_content as reasoning without streaming', async () => {
    fake.respondWith({ reasoningTokens: ['Short', ' thought.'], replyTokens: ['Done.'] });
    const result = await generateText({
      model: await registry().resolve('deepseek:deepseek-reasoner', []),
      prompt: 'Go',
      maxRetries: 0,
    });

    expect(result.reasoningText).toBe('Short thought.');
    expect(result.text).toBe('Done.');
  });

  it("reaches Ollama's /v1 endpoint from its bare address, keeping colons in the model tag, without a key", async () => {
    const result = streamText({
      model: await registry().resolve('ollama:llama3.1:8b', []),
      prompt: 'Hello',
      maxRetries: 0,
    });

    expect(await result.text).toBe('Hello from the fake model.');
    expect((await result.usage).outputTokens).toBe(5);
    const sent = fake.lastRequest();
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.body).toMatchObject({ model: 'llama3.1:8b' });
    expect(sent.headers['authorization']).toBeUndefined();
  });

  it("sends a tenant provider's requests to the tenant's server with the tenant's key", async () => {
    const tenantFake = await startFakeOpenAIServer({ replyTokens: ['Tenant', ' reply.'] });
    try {
      const model = await registry().resolve('openai:gpt-4o-mini', [
        { name: 'openai', kind: 'openai-compatible', baseUrl: tenantFake.baseUrl, apiKey: 'sk-tenant', settings: {} },
      ]);
      const result = await generateText({ model, prompt: 'Hi', maxRetries: 0 });

      expect(result.text).toBe('Tenant reply.');
      expect(tenantFake.lastRequest().headers['authorization']).toBe('Bearer sk-tenant');
      expect(fake.requests.some((request) => request.headers['authorization'] === 'Bearer sk-tenant')).toBe(false);
    } finally {
      await tenantFake.close();
    }
  });
});
