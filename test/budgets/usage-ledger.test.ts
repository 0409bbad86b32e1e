import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { startFakeEmbeddingsServer, type FakeEmbeddingsServer } from '../knowledge/fake-embeddings-server.js';
import { createSource, query, uploadAccepted, waitForDocument } from '../knowledge/knowledge-setup.js';
import { createInbox, sendAsVisitor, startConversation, startVisitor } from '../widget/widget-setup.js';
import { readBudget } from './budget-setup.js';

interface LedgerTotals {
  path: string;
  calls: number;
  input_tokens: number;
  output_tokens: number;
  cost_micros: number | null;
  subjects: number;
}

interface Overview {
  totals: {
    modelCalls: number;
    tokens: { input: number; output: number };
    costUsd: number;
    spendByPath: { path: string; calls: number; inputTokens: number; outputTokens: number; costUsd: number }[];
  };
}

/**
 * One ledger for every model call: a mixed workload of one tenant (a person's chat and its title, the
 * summary and memory jobs, the OpenAI-compatible API, a widget contact's support turn, an operator's
 * reply suggestion) against the fake OpenAI server, priced by the price table. The ledger holds a row per
 * call with its path and subject; the budget's month and the analytics overview both equal its sums, the
 * cost to the cent and finer.
 */
describe('the usage ledger', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let embeddings: FakeEmbeddingsServer;
  let admin: SignedInUser;
  let platformAdmin: SignedInUser;

  const ledger = async (tenantId: string): Promise<LedgerTotals[]> => {
    const { rows } = await t.database.executeSql(
      `select path, count(*)::int as calls, sum(input_tokens)::int as input_tokens,
              sum(output_tokens)::int as output_tokens, sum(cost_micros)::float8 as cost_micros,
              count(*) filter (where coalesce(user_id, contact_id) is not null or path = 'summary')::int as subjects
         from usage_ledger where tenant_id = $1 group by path order by path`,
      [tenantId],
    );
    return rows as LedgerTotals[];
  };

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    embeddings = await startFakeEmbeddingsServer(384);
    t = await buildTestApp({
      OPENAI_BASE_URL: openai.baseUrl,
      OPENAI_API_KEY: 'sk-ledger-test',
      OPENAI_COMPATIBLE_BASE_URL: embeddings.baseUrl,
    });
    platformAdmin = await registerPlatformAdmin(t.app);
    const price = await t.app.inject({
      method: 'PUT',
      url: '/v1/model-prices',
      headers: platformAdmin.headers,
      payload: { providerKind: 'openai', model: 'gpt-4o-mini', inputUsdPerMillion: 0.15, outputUsdPerMillion: 0.6 },
    });
    expect(price.statusCode, price.body).toBeLessThan(300);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Ledger Ltd');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await openai?.close();
    await embeddings?.close();
  }, 120_000);

  it('records every path of a mixed workload, and budgets and analytics read the same sums', async () => {
    const agent = await createAgent(t.app, admin, {
      model: 'openai:gpt-4o-mini',
      visibility: 'tenant',
      companion: { summaryEveryTurns: 2, memory: true },
    });
    // A person's chat: two turns, a title, then the summary and memory jobs on the utility model.
    const conversation = await createConversation(t.app, admin, agent.id);
    for (const content of ['My name is Ada and I live in Oslo.', 'What should I see there?']) {
      const sent = await t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: { ...admin.headers, accept: 'application/json' },
        payload: { content },
      });
      expect(sent.statusCode, sent.body).toBe(201);
    }
    // The OpenAI-compatible API, with an API key.
    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: admin.headers,
      payload: { name: 'Ledger client' },
    });
    const completion = await t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${key.json<{ key: string }>().key}` },
      payload: { model: agent.id, messages: [{ role: 'user', content: 'Hi there' }] },
    });
    expect(completion.statusCode, completion.body).toBe(200);
    // A widget contact's message, answered by the inbox's agent; then an operator's reply suggestion.
    const inbox = await createInbox(t.app, admin, { name: 'Website', agentId: agent.id });
    const visitor = await startVisitor(t.app, inbox.id);
    const support = await startConversation(t.app, visitor);
    expect((await sendAsVisitor(t.app, visitor, support.id, 'Do you ship to Norway?')).statusCode).toBe(200);
    const operator = await createUser(t.app, admin, 'operator');
    await eventually(async () => {
      const rows = await ledger(admin.tenantId);
      return rows.some((row) => row.path === 'support') || undefined;
    }, 20_000);
    const suggestion = await t.app.inject({
      method: 'POST',
      url: `/v1/support-conversations/${support.id}/reply-suggestion`,
      headers: operator.headers,
    });
    expect(suggestion.statusCode, suggestion.body).toBe(200);

    const paths = ['chat', 'memory', 'openai_api', 'reply_suggestion', 'summary', 'support', 'title'];
    const rows = await eventually(async () => {
      const found = await ledger(admin.tenantId);
      return paths.every((path) => found.some((row) => row.path === path)) ? found : undefined;
    }, 30_000);
    for (const row of rows) {
      expect(row.input_tokens, row.path).toBeGreaterThan(0);
      expect(row.cost_micros, row.path).toBeGreaterThan(0);
    }
    // Each call names whom it was for: the person chatting, the contact, the owner whose memory it is.
    for (const path of ['chat', 'memory', 'openai_api', 'reply_suggestion', 'title']) {
      const row = rows.find((candidate) => candidate.path === path)!;
      expect(row.subjects, path).toBe(row.calls);
    }
    const support_ = await t.database.executeSql(
      `select count(*)::int as n from usage_ledger l join support_conversations s on s.conversation_id = l.conversation_id
        where l.tenant_id = $1 and l.path = 'support' and s.contact_id = $2`,
      [admin.tenantId, visitor.contactId],
    );
    expect((support_.rows[0] as { n: number }).n).toBe(rows.find((row) => row.path === 'support')!.calls);

    // Jobs may still be finishing: wait for the ledger to stop growing, then compare all three.
    const settled = await eventually(async () => {
      const before = await ledger(admin.tenantId);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const after = await ledger(admin.tenantId);
      return JSON.stringify(before) === JSON.stringify(after) ? after : undefined;
    }, 20_000);
    const sum = (pick: (row: LedgerTotals) => number) => settled.reduce((total, row) => total + pick(row), 0);
    const { usage } = await readBudget(t.app, admin);
    expect(usage.modelCalls).toBe(sum((row) => row.calls));
    expect(usage.inputTokens).toBe(sum((row) => row.input_tokens));
    expect(usage.outputTokens).toBe(sum((row) => row.output_tokens));
    const ledgerCostUsd = sum((row) => row.cost_micros ?? 0) / 1e6;
    expect(usage.cost).toBeCloseTo(ledgerCostUsd, 6);

    const today = new Date().toISOString().slice(0, 10);
    const overview = await t.app.inject({
      method: 'GET',
      url: `/v1/analytics/overview?from=${today}&to=${today}`,
      headers: admin.headers,
    });
    expect(overview.statusCode, overview.body).toBe(200);
    const { totals } = overview.json<Overview>();
    expect(totals.modelCalls).toBe(usage.modelCalls);
    expect(totals.tokens).toEqual({ input: usage.inputTokens, output: usage.outputTokens });
    expect(totals.costUsd).toBeCloseTo(ledgerCostUsd, 6);
    for (const row of settled) {
      const shown = totals.spendByPath.find((spend) => spend.path === row.path);
      expect(shown, row.path).toMatchObject({
        calls: row.calls,
        inputTokens: row.input_tokens,
        outputTokens: row.output_tokens,
      });
      expect(shown!.costUsd).toBeCloseTo((row.cost_micros ?? 0) / 1e6, 6);
    }
  });

  it('records how each call ended: finished, stopped by its reader, failed at the provider', async () => {
    const tenant = await createTenantWithAdmin(t.app, platformAdmin, 'Outcomes Ltd');
    const agent = await createAgent(t.app, tenant, { model: 'openai:gpt-4o-mini' });
    const conversation = await createConversation(t.app, tenant, agent.id, { title: 'Set' });
    const send = (content: string) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: { ...tenant.headers, accept: 'application/json' },
        payload: { content },
      });
    const outcomes = async () => {
      const { rows } = await t.database.executeSql(
        `select outcome, output_tokens, latency_ms from usage_ledger where tenant_id = $1 order by created_at`,
        [tenant.tenantId],
      );
      return rows as { outcome: string; output_tokens: number; latency_ms: number }[];
    };
    try {
      openai.respondWith({ replyTokens: ['Fine', ' thanks'] });
      expect((await send('How are you?')).statusCode).toBe(201);
      openai.respondWith({ replyTokens: ['Once', ' upon', ' a', ' time'], stallAfterTokens: 2 });
      const turn = send('Tell me a long story');
      const replyId = await eventually(async () => {
        const response = await t.app.inject({
          method: 'GET',
          url: `/v1/conversations/${conversation.id}/messages`,
          headers: tenant.headers,
        });
        const items = response.json<{ items: { id: string; status: string }[] }>().items;
        return items.find((message) => message.status === 'streaming')?.id;
      });
      await eventually(async () => openai.openExchangeCount() === 1 || undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages/${replyId}/stop`,
        headers: tenant.headers,
      });
      await turn;
      openai.respondWith({ error: { status: 400, message: 'This model does not exist' } });
      await send('Are you there?');
      const rows = await eventually(async () => {
        const found = await outcomes();
        return found.length >= 3 ? found : undefined;
      }, 20_000);
      // A stopped call is charged without holding up the stop, so rows may land in any order.
      const byOutcome = new Map(rows.map((row) => [row.outcome, row]));
      expect([...byOutcome.keys()].sort()).toEqual(['failed', 'finished', 'stopped']);
      expect(byOutcome.get('stopped')!.output_tokens).toBeGreaterThan(0);
      expect(byOutcome.get('failed')!.output_tokens).toBe(0);
      for (const row of rows) expect(row.latency_ms).toBeGreaterThanOrEqual(0);
    } finally {
      openai.respondWith({});
    }
  });
  it("records embeddings: the size probe, a document indexed and a search query, with the provider's token counts", async () => {
    const tenant = await createTenantWithAdmin(t.app, platformAdmin, 'Indexing Ltd');
    const requestsBefore = embeddings.callCount();
    const source = await createSource(t.app, tenant, {
      embeddingModel: 'compatible:fake-embedder',
      chunkTokens: 64,
      chunkOverlapTokens: 0,
    });
    const text = Array.from(
      { length: 40 },
      (_, index) => `Rule ${index + 1}: desk ${index % 7} opens at ${index % 12}.`,
    );
    const uploaded = await uploadAccepted(t.app, tenant, source.id, Buffer.from(text.join(' ')), {
      filename: 'rota.txt',
    });
    const ready = await waitForDocument(t.app, tenant, source.id, uploaded.id);
    expect(ready.status).toBe('ready');
    await query(t.app, tenant, source.id, { query: 'When does desk 3 open?', mode: 'vector' });
    const rows = await eventually(async () => {
      const { rows: found } = await t.database.executeSql(
        `select path, count(*)::int as calls, sum(input_tokens)::int as tokens, min(outcome) as outcome
           from usage_ledger where tenant_id = $1 group by path order by path`,
        [tenant.tenantId],
      );
      const byPath = found as { path: string; calls: number; tokens: number; outcome: string }[];
      return byPath.some((row) => row.path === 'query_embedding') ? byPath : undefined;
    }, 20_000);
    // The fake reports one token per text it embeds: the probe that measured the model's vector size
    // when the source was made (one text), the document's chunks, then the query.
    const indexed = rows.find((row) => row.path === 'embedding')!;
    expect(indexed.outcome).toBe('finished');
    expect(ready.chunkCount).toBeGreaterThan(1);
    expect(indexed.tokens).toBe(ready.chunkCount + 1);
    expect(rows.find((row) => row.path === 'query_embedding')).toMatchObject({ calls: 1, tokens: 1 });
    // Every request the provider answered has its row.
    expect(indexed.calls + 1).toBe(embeddings.callCount() - requestsBefore);
    const { usage } = await readBudget(t.app, tenant);
    expect(usage.modelCalls).toBe(indexed.calls + 1);
  });
});
