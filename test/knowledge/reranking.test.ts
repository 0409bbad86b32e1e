import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeRerankServer, wordOverlap, type FakeRerankServer } from '../fakes/fake-rerank-server.js';
import { createAgent, createConversation, uiMessageParts } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { createSource, uploadAccepted, waitForDocument, type SearchHitView } from './knowledge-setup.js';

const serverKey = 'co-server-secret-0123456789';
const question = 'How many holiday days per year?';

const documents: Record<string, string> = {
  'holidays.txt': 'Every employee gets 25 holiday days per year. Holiday requests go to the team lead.',
  'expenses.txt': 'Travel expenses are refunded within 30 days. Holiday travel is not refunded.',
  'hangar.txt': 'The zeppelin hangar opens at dawn; pilots find their holiday roster on its door.',
};

interface QueryView {
  mode: string;
  reranking: { model: string; status: 'applied' | 'failed'; message?: string } | null;
  results: (SearchHitView & { score: number; rerankScore: number | null })[];
}

describe('reranking hybrid search with a configured model', () => {
  let reranker: FakeRerankServer;
  let t: TestApp;
  let admin: SignedInUser;
  let sourceId: string;

  beforeAll(async () => {
    reranker = await startFakeRerankServer();
    t = await buildTestApp({ COHERE_API_KEY: serverKey, COHERE_BASE_URL: reranker.baseUrl });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin);
    sourceId = (await createSource(t.app, admin, { name: 'Handbook', rerankModel: 'cohere:rerank-v3.5' })).id;
    for (const [filename, text] of Object.entries(documents)) {
      const uploaded = await uploadAccepted(t.app, admin, sourceId, Buffer.from(text), { filename });
      expect((await waitForDocument(t.app, admin, sourceId, uploaded.id)).status).toBe('ready');
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await reranker?.close();
  });
  beforeEach(() => {
    reranker.failWith = undefined;
    // The fake's judgement differs from BM25's on purpose, so the tests can tell whose order they see.
    reranker.score = (query, document) => (document.includes('zeppelin') ? 0.97 : wordOverlap(query, document) / 2);
    reranker.clearRequests();
  });

  const search = async (body: Record<string, unknown>): Promise<QueryView> => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/knowledge-sources/${sourceId}/query`,
      headers: admin.headers,
      payload: { query: question, topK: 3, ...body },
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  const titles = (view: QueryView) => view.results.map((hit) => hit.documentTitle);

  it("reorders hybrid results by the source's reranking model and says so", async () => {
    const plain = await search({ rerank: false });
    expect(plain.reranking).toBeNull();
    expect(titles(plain)[0]).toBe('holidays.txt');
    expect(plain.results.every((hit) => hit.rerankScore === null)).toBe(true);
    expect(reranker.rerankRequests()).toHaveLength(0);

    const reranked = await search({});
    expect(reranked.reranking).toEqual({ model: 'cohere:rerank-v3.5', status: 'applied' });
    expect(titles(reranked)).toEqual(['hangar.txt', 'holidays.txt', 'expenses.txt']);
    expect(reranked.results[0]).toMatchObject({ score: 0.97, rerankScore: 0.97 });
    const [sent] = reranker.rerankRequests();
    expect(sent).toMatchObject({ model: 'rerank-v3.5', query: question, top_n: 3 });
    expect(sent!.documents).toHaveLength(3);
    expect(reranker.requests[0]!.headers.authorization).toBe(`Bearer ${serverKey}`);
  });

  it('leaves lexical and vector modes as their own lists', async () => {
    for (const mode of ['lexical', 'vector']) {
      const view = await search({ mode });
      expect(view.reranking).toBeNull();
    }
    expect(reranker.rerankRequests()).toHaveLength(0);
  });

  it('gives a chat agent the reranked passages, the same as the query endpoint', async () => {
    const agent = await createAgent(t.app, admin, { model: 'offline', knowledgeSourceIds: [sourceId] });
    const conversation = await createConversation(t.app, admin, agent.id);
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: { ...admin.headers, accept: 'text/event-stream' },
      payload: { content: question },
    });
    expect(response.statusCode, response.body).toBe(200);
    const sources = uiMessageParts(response.body).parts.filter((part) => part.type === 'source-document');
    expect(sources[0]).toMatchObject({ title: 'hangar.txt' });
    expect(reranker.rerankRequests()).toHaveLength(1);
  });

  it('refuses a reranking model that cannot be used with 400, and clears one with null', async () => {
    const refused = await t.app.inject({
      method: 'PATCH',
      url: `/v1/knowledge-sources/${sourceId}`,
      headers: admin.headers,
      payload: { rerankModel: 'offline' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().detail).toContain('there is no built-in reranker');

    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/knowledge-sources',
      headers: admin.headers,
      payload: { name: 'Other', rerankModel: 'nowhere:rerank' },
    });
    expect(created.statusCode).toBe(400);
    expect(created.json().detail).toContain("'nowhere', which is not configured");

    const source = await createSource(t.app, admin, { name: 'Cleared', rerankModel: 'cohere:rerank-v3.5' });
    const cleared = await t.app.inject({
      method: 'PATCH',
      url: `/v1/knowledge-sources/${source.id}`,
      headers: admin.headers,
      payload: { rerankModel: null },
    });
    expect(cleared.statusCode, cleared.body).toBe(200);
    expect(cleared.json().rerankModel).toBeNull();
  });

  // Last: a failure pauses the model for this tenant (15 s by default), so later searches here skip it.
  it('answers in hybrid order when the reranker fails, says why without its reply, then pauses it', async () => {
    const plain = await search({ rerank: false });
    reranker.failWith = 500;
    const view = await search({});
    expect(titles(view)).toEqual(titles(plain));
    expect(view.reranking).toMatchObject({ model: 'cohere:rerank-v3.5', status: 'failed' });
    expect(view.reranking!.message).toContain('HTTP 500');
    expect(view.reranking!.message).not.toContain('unavailable');
    expect(reranker.rerankRequests()).toHaveLength(1);

    reranker.failWith = undefined;
    const paused = await search({});
    expect(titles(paused)).toEqual(titles(plain));
    expect(paused.reranking!.message).toContain('tried again 15 s after a failure');
    expect(reranker.rerankRequests()).toHaveLength(1);
    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/parley_knowledge_reranks_total\{outcome="failed"\} 1/);
    expect(metrics.body).toMatch(/parley_knowledge_reranks_total\{outcome="paused"\} 1/);
  });
});
