import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createModelRegistry } from '../../src/ai/model-registry.js';
import type { TenantProviderConfig } from '../../src/ai/model-types.js';
import { createRerankerRegistry } from '../../src/ai/reranking/reranker-registry.js';
import { createSearchReranking } from '../../src/modules/knowledge/retrieval/search-reranking.js';
import { createLogger } from '../../src/platform/logger.js';
import { appErrorOf } from '../harness/app-errors.js';
import { startFakeRerankServer, type FakeRerankServer } from '../fakes/fake-rerank-server.js';

let server: FakeRerankServer;
const serverKey = 'co-server-secret-0123456789';

const documents = [
  'Bananas are rich in potassium.',
  'The heart pumps blood through the body.',
  'Potassium helps the heart keep its rhythm.',
];

beforeAll(async () => {
  server = await startFakeRerankServer();
});
beforeEach(() => {
  server.failWith = undefined;
  server.delayMs = 0;
  server.clearRequests();
});
afterAll(async () => {
  await server.close();
});

describe('reranker registry', () => {
  it("reranks with a tenant's Cohere provider over Cohere's wire format, best first", async () => {
    const registry = createRerankerRegistry({ config: { providers: {} } });
    const cohere: TenantProviderConfig = {
      name: 'co',
      kind: 'cohere',
      apiKey: 'co-tenant-key',
      baseUrl: server.baseUrl,
      settings: {},
    };
    const reranker = await registry.resolve('co:rerank-v3.5', [cohere]);
    const ranked = await reranker.rerank('potassium heart', documents, 2);

    expect(ranked.map((document) => document.index)).toEqual([2, 0]);
    expect(ranked[0]!.score).toBe(1);
    expect(ranked[1]!.score).toBe(0.5);
    const [request] = server.requests;
    expect(request?.path).toBe('/v2/rerank');
    expect(request?.headers.authorization).toBe('Bearer co-tenant-key');
    expect(request?.body).toMatchObject({ model: 'rerank-v3.5', query: 'potassium heart', documents, top_n: 2 });
  });

  it("reranks through an OpenAI-compatible server's /v1/rerank, never sending the server-wide Cohere key", async () => {
    const registry = createRerankerRegistry({
      config: { providers: { cohere: { apiKey: serverKey, baseUrl: server.baseUrl } } },
    });
    const local: TenantProviderConfig = {
      name: 'vllm',
      kind: 'openai-compatible',
      baseUrl: `${server.url}/v1`,
      settings: {},
    };
    const ranked = await (await registry.resolve('vllm:bge-reranker-v2-m3', [local])).rerank('blood', documents, 3);

    expect(ranked[0]!.index).toBe(1);
    const [request] = server.requests;
    expect(request?.path).toBe('/v1/rerank');
    expect(JSON.stringify(request?.headers)).not.toContain(serverKey);
  });

  it('uses the server-wide Cohere provider configured by COHERE_API_KEY', async () => {
    const registry = createRerankerRegistry({
      config: { providers: { cohere: { apiKey: serverKey, baseUrl: server.baseUrl } } },
    });
    await (await registry.resolve('cohere:rerank-v3.5', [])).rerank('heart', documents, 1);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${serverKey}`);
  });

  it('refuses what cannot rerank with a sentence naming the way out', async () => {
    const registry = createRerankerRegistry({ config: { providers: {} } });
    const anthropic: TenantProviderConfig = { name: 'claude', kind: 'anthropic', apiKey: 'sk-ant', settings: {} };
    const keyless: TenantProviderConfig = { name: 'co', kind: 'cohere', settings: {} };
    const refused = [
      await appErrorOf(registry.resolve('offline', [])),
      await appErrorOf(registry.resolve('claude:rerank', [anthropic])),
      await appErrorOf(registry.resolve('nowhere:rerank-v3.5', [])),
      await appErrorOf(registry.resolve('co:rerank-v3.5', [keyless])),
    ];
    for (const error of refused) expect(error.code).toBe('validation_failed');
    expect(refused[0]!.message).toContain('there is no built-in reranker');
    expect(refused[1]!.message).toContain("'claude' offers no reranking models");
    expect(refused[2]!.message).toContain("'nowhere', which is not configured");
    expect(refused[3]!.message).toContain('no API key configured');
    expect(server.requests).toHaveLength(0);
  });

  it('a Cohere provider named as a chat model is refused with a sentence, not a failed stream', async () => {
    const models = createModelRegistry({ config: { providers: {}, defaultModel: undefined } });
    const cohere: TenantProviderConfig = { name: 'co', kind: 'cohere', apiKey: 'k', settings: {} };
    const error = await appErrorOf(models.resolve('co:command-r', [cohere]));
    expect(error.message).toContain('uses for reranking knowledge search only');
  });

  it("passes a failing server's status on as the SDK's error", async () => {
    const registry = createRerankerRegistry({
      config: { providers: { cohere: { apiKey: serverKey, baseUrl: server.baseUrl } } },
    });
    server.failWith = 503;
    const reranker = await registry.resolve('cohere:rerank-v3.5', []);
    await expect(reranker.rerank('heart', documents, 2)).rejects.toThrow();
    // No retry: a search falls back to hybrid order at once rather than wait 2 s for the SDK's retry.
    expect(server.requests).toHaveLength(1);
  });
});

describe('reranking a search', () => {
  const pool = documents.map((content, index) => ({ id: index, score: 1 - index / 10, content }));
  const reranking = createSearchReranking({
    rerankers: createRerankerRegistry({ config: { providers: {} } }),
    loadTenantProviders: async () => [
      { name: 'co', kind: 'cohere', apiKey: 'co-tenant-key', baseUrl: server.baseUrl, settings: {} },
    ],
    logger: createLogger({ level: 'silent' }),
    rerankTimeoutMs: 300,
    rerankPauseMs: 400,
  });
  const rerankPool = () =>
    reranking.rerankPool({
      tenantId: 'tenant',
      query: 'potassium heart',
      modelRef: 'co:rerank-v3.5',
      topK: 2,
      pool,
      contentOf: (candidate) => candidate.content,
    });

  it('gives up on a server slower than its bound, leaves the model out for a pause, then tries again', async () => {
    server.delayMs = 2_000;
    const started = Date.now();
    const slow = await rerankPool();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(slow.report).toMatchObject({ status: 'failed' });
    expect(slow.report.message).toContain('did not answer within 0.3 s');
    expect(slow.ranked.map((candidate) => candidate.id)).toEqual([0, 1]);

    server.delayMs = 0;
    const paused = await rerankPool();
    expect(paused.report.message).toContain('tried again 1 s after a failure');
    expect(server.requests).toHaveLength(1);

    await new Promise((resolve) => setTimeout(resolve, 450));
    const recovered = await rerankPool();
    expect(recovered.report).toEqual({ model: 'co:rerank-v3.5', status: 'applied' });
    expect(recovered.ranked.map((candidate) => [candidate.id, candidate.rerankScore])).toEqual([
      [2, 1],
      [0, 0.5],
    ]);
    expect(server.requests).toHaveLength(2);
  });
});
