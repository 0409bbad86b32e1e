import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createModelRegistry } from '../../src/ai/model-registry.js';
import { startFakeAnthropicServer, type FakeAnthropicServer } from '../fakes/fake-anthropic-server.js';
import { collectParts, reasoningDeltas, textDeltas } from './collect-parts.js';
import { directProviderFetch } from './direct-provider-fetch.js';

const providerFetch = directProviderFetch();

let fake: FakeAnthropicServer;
beforeAll(async () => {
  fake = await startFakeAnthropicServer();
});
afterAll(() => fake.close());
beforeEach(() => fake.respondWith({}));

function claude() {
  const registry = createModelRegistry({
    providerFetch,
    config: { defaultModel: undefined, providers: { anthropic: { apiKey: 'sk-ant-test', baseUrl: fake.baseUrl } } },
  });
  return registry.resolve('anthropic:claude-sonnet-4-5', []);
}

describe('Anthropic adapter against the fake Messages server', () => {
  it('streams thinking as reasoning, then the reply, and reports usage', async () => {
    fake.respondWith({ thinkingTokens: ['Let me', ' think.'], replyTokens: ['Hello', ' there.'] });
    const result = streamText({ model: await claude(), system: 'Be kind.', prompt: 'Hi Claude', maxRetries: 0 });
    const parts = await collectParts(result.fullStream);

    expect(reasoningDeltas(parts)).toEqual(['Let me', ' think.']);
    expect(textDeltas(parts)).toEqual(['Hello', ' there.']);
    expect(await result.reasoningText).toBe('Let me think.');
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(4);
    expect(usage.outputTokens).toBe(4);
    expect(await result.finishReason).toBe('stop');
  });

  it('sends the key, the API version header and the system prompt', async () => {
    await streamText({ model: await claude(), system: 'Be kind.', prompt: 'Hi Claude', maxRetries: 0 }).consumeStream();

    const sent = fake.lastRequest();
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe('sk-ant-test');
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      stream: true,
      system: [{ type: 'text', text: 'Be kind.' }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi Claude' }] }],
    });
  });

  it('returns thinking and text without streaming', async () => {
    fake.respondWith({ thinkingTokens: ['Quick', ' check.'], replyTokens: ['Fine.'] });
    const result = await generateText({ model: await claude(), prompt: 'How are you?', maxRetries: 0 });

    expect(result.reasoningText).toBe('Quick check.');
    expect(result.text).toBe('Fine.');
    expect(result.usage.inputTokens).toBe(3);
    expect(result.usage.outputTokens).toBe(3);
  });
});
