import { generateText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmbedderRegistry } from '../../src/ai/embeddings/embedder-registry.js';
import { describeModelError } from '../../src/ai/model-errors.js';
import { createModelRegistry } from '../../src/ai/model-registry.js';
import { createRerankerRegistry } from '../../src/ai/reranking/reranker-registry.js';
import { guardedProviderFetch } from '../../src/modules/providers/provider-fetch.js';
import { gatedCallHeaders } from '../../src/platform/outbound/gated-call-scope.js';
import { createOutboundHttp, type OutboundHttp } from '../../src/platform/outbound/index.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { tenantProviderAt } from './openai-compatible-fixtures.js';

/**
 * A tenant's provider is an address a tenant chose, so its SDK reaches it through the outbound guard:
 * the providers module sets `guardedProviderFetch` on every configuration it hands out. These run the
 * real SDKs against a fake on 127.0.0.1 with the real guard, once closed and once opened by the allow-list.
 */
let fake: FakeOpenAIServer;
const closed = createOutboundHttp({ allowList: [] });
const opened = createOutboundHttp({ allowList: ['127.0.0.1'] });

beforeAll(async () => {
  fake = await startFakeOpenAIServer();
});
afterAll(async () => {
  await Promise.all([fake.close(), closed.close(), opened.close()]);
});
beforeEach(() => fake.respondWith({}));

const tenantProvider = (outbound: OutboundHttp) => tenantProviderAt(fake.baseUrl, outbound);

const noServerProviders = { config: { providers: {}, defaultModel: undefined } };

describe("a tenant's provider on a loopback address", () => {
  it('is refused before anything is sent, with a sentence naming the address and OUTBOUND_ALLOW', async () => {
    const model = await createModelRegistry(noServerProviders).resolve('local:llama3.1', [tenantProvider(closed)]);
    const before = fake.requests.length;

    const failure = await generateText({ model, prompt: 'Hello', maxRetries: 0 }).then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(fake.requests.length).toBe(before);
    expect(describeModelError(failure, { providerName: 'local' })).toEqual({
      code: 'model_error',
      message:
        "The model provider 'local' is not reachable from this server: 127.0.0.1 is a loopback address; an administrator can allow it with OUTBOUND_ALLOW",
    });
  });

  it('is reached once the allow-list opens it', async () => {
    const model = await createModelRegistry(noServerProviders).resolve('local:llama3.1', [tenantProvider(opened)]);

    const { text } = await generateText({ model, prompt: 'Hello', maxRetries: 0 });

    expect(text).toBe('Hello from the fake model.');
    expect(fake.lastRequest().headers['authorization']).toBe('Bearer sk-tenant');
  });

  it("sends a gated call without the gate's mark, which never leaves the server", async () => {
    const providerFetch = guardedProviderFetch(opened, 60_000);

    await providerFetch(`${fake.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...gatedCallHeaders() },
      body: JSON.stringify({ model: 'llama3.1', messages: [{ role: 'user', content: 'Hello' }] }),
    });

    expect(fake.lastRequest().path).toMatch(/chat\/completions$/);
    expect(fake.lastRequest().headers['content-type']).toBe('application/json');
    expect(Object.keys(fake.lastRequest().headers)).not.toContain('x-parley-gated-call');
  });

  it('guards embedding and reranking calls too', async () => {
    const before = fake.requests.length;
    const embedders = createEmbedderRegistry(noServerProviders);
    // A model of unknown width is probed for it when a source names it; a known one is called on ingestion.
    const probed = embedders.resolve('local:house-embedder', [tenantProvider(closed)]);
    await expect(probed).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
    const known = await embedders.resolve('local:nomic-embed-text', [tenantProvider(closed)]);
    await expect(known.embed(['a passage'])).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);

    const reranker = await createRerankerRegistry(noServerProviders).resolve('local:bge-reranker', [
      tenantProvider(closed),
    ]);
    await expect(reranker.rerank('query', ['a passage'], 1)).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
    expect(fake.requests.length).toBe(before);
  });
});
