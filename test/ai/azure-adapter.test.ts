import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelRegistry } from '../../src/ai/model-registry.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { directProviderFetch } from './direct-provider-fetch.js';

const providerFetch = directProviderFetch();

let fake: FakeOpenAIServer;
beforeAll(async () => {
  fake = await startFakeOpenAIServer({ replyTokens: ['Azure', ' says', ' hi.'] });
});
afterAll(() => fake.close());

function azureModel(settings: { baseUrl: string; apiVersion?: string }, deployment = 'my-deployment') {
  const registry = createModelRegistry({
    providerFetch,
    config: { defaultModel: undefined, providers: { azure: { apiKey: 'azure-test-key', ...settings } } },
  });
  return registry.resolve(`azure:${deployment}`, []);
}

describe('Azure adapter against the fake Chat Completions server', () => {
  it('uses the per-deployment URL with the api-version when a dated version is configured', async () => {
    const result = streamText({
      model: await azureModel({ baseUrl: `${fake.url}/openai`, apiVersion: '2024-10-21' }),
      prompt: 'Hello',
      maxRetries: 0,
    });

    expect(await result.text).toBe('Azure says hi.');
    expect((await result.usage).outputTokens).toBe(3);
    const sent = fake.lastRequest();
    expect(sent.path).toBe('/openai/deployments/my-deployment/chat/completions');
    expect(sent.query).toEqual({ 'api-version': '2024-10-21' });
    expect(sent.headers['api-key']).toBe('azure-test-key');
    expect(sent.headers['authorization']).toBeUndefined();
  });

  it('uses the v1 URL, with the deployment as the model, when no dated version is configured', async () => {
    const result = await generateText({
      model: await azureModel({ baseUrl: `${fake.url}/openai/v1` }, 'gpt-4o-eu'),
      prompt: 'Hello',
      maxRetries: 0,
    });

    expect(result.text).toBe('Azure says hi.');
    const sent = fake.lastRequest();
    expect(sent.path).toBe('/openai/v1/chat/completions');
    expect(sent.body).toMatchObject({ model: 'gpt-4o-eu' });
    expect(sent.headers['api-key']).toBe('azure-test-key');
  });
});
