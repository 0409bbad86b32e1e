import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { createInbox, sendAsVisitor, startConversation, startVisitor } from '../widget/widget-setup.js';

interface LedgerRow {
  path: string;
  user_id: string | null;
  contact_id: string | null;
  cost_micros: number | null;
  input_tokens: number;
  output_tokens: number;
}

/**
 * What each usage-ledger row says it was for (issue 64): a support conversation's calls (the turn, its
 * summary, its personality analysis) name the contact, never the desk user the widget acts as; a
 * person's conversation names the person; a model nobody priced has no cost (null, not 0), so the
 * analytics overview shows its tokens as unpriced.
 */
describe('the usage ledger names the subject and the price it knows', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let admin: SignedInUser;

  const rowsOf = async (conversationId: string): Promise<LedgerRow[]> => {
    const { rows } = await t.database.executeSql(
      `select path, user_id::text, contact_id::text, cost_micros::float8 as cost_micros, input_tokens, output_tokens
         from usage_ledger where tenant_id = $1 and conversation_id = $2 order by created_at`,
      [admin.tenantId, conversationId],
    );
    return rows as LedgerRow[];
  };

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-subjects-test' });
    const platformAdmin = await registerPlatformAdmin(t.app);
    const price = await t.app.inject({
      method: 'PUT',
      url: '/v1/model-prices',
      headers: platformAdmin.headers,
      payload: { providerKind: 'openai', model: 'gpt-4o-mini', inputUsdPerMillion: 0.15, outputUsdPerMillion: 0.6 },
    });
    expect(price.statusCode, price.body).toBeLessThan(300);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Subjects Ltd');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await openai?.close();
  }, 120_000);

  it("names the contact on a support conversation's turn, summary and personality rows", async () => {
    const agent = await createAgent(t.app, admin, {
      model: 'openai:gpt-4o-mini',
      visibility: 'tenant',
      companion: { summaryEveryTurns: 2, personalitySuggestions: true, suggestionAfterTurns: 2 },
    });
    const inbox = await createInbox(t.app, admin, { name: 'Website', agentId: agent.id });
    const visitor = await startVisitor(t.app, inbox.id);
    const support = await startConversation(t.app, visitor);
    for (const content of ['Do you ship to Norway?', 'And to Sweden, by boat?']) {
      const sent = await sendAsVisitor(t.app, visitor, support.id, content);
      expect(sent.statusCode, sent.body).toBe(200);
      await eventually(async () => {
        const { rows } = await t.database.executeSql(
          `select count(*)::int as n from messages m join support_conversations s on s.conversation_id = m.conversation_id
            where s.id = $1 and m.role = 'assistant' and m.status = 'complete'`,
          [support.id],
        );
        return (rows[0] as { n: number }).n >= (content.startsWith('Do') ? 1 : 2) || undefined;
      }, 20_000);
    }
    const { rows: linked } = await t.database.executeSql(
      `select conversation_id::text as id from support_conversations where id = $1`,
      [support.id],
    );
    const conversationId = (linked[0] as { id: string }).id;
    await eventually(
      async () => (await rowsOf(conversationId)).some((row) => row.path === 'summary') || undefined,
      20_000,
    );
    await t.app.personalitySuggestions.scan();
    const rows = await eventually(async () => {
      const found = await rowsOf(conversationId);
      return found.some((row) => row.path === 'personality') ? found : undefined;
    }, 20_000);
    const paths = new Set(rows.map((row) => row.path));
    expect([...paths].sort()).toEqual(expect.arrayContaining(['personality', 'summary', 'support']));
    for (const row of rows) {
      expect({ path: row.path, user: row.user_id, contact: row.contact_id }).toEqual({
        path: row.path,
        user: null,
        contact: visitor.contactId,
      });
    }
  });

  it("names the owner on a person's summary row", async () => {
    const agent = await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini', companion: { summaryEveryTurns: 2 } });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Set' });
    for (const content of ['My name is Ada.', 'I live in Oslo.']) {
      const sent = await t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: { ...admin.headers, accept: 'application/json' },
        payload: { content },
      });
      expect(sent.statusCode, sent.body).toBe(201);
    }
    const rows = await eventually(async () => {
      const found = await rowsOf(conversation.id);
      return found.some((row) => row.path === 'summary') ? found : undefined;
    }, 20_000);
    for (const row of rows)
      expect({ path: row.path, user: row.user_id }).toEqual({ path: row.path, user: admin.userId });
  });

  it('stores no cost for a model nobody priced, and the overview counts its tokens as unpriced', async () => {
    const agent = await createAgent(t.app, admin, { model: 'openai:gpt-4o' });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Set' });
    const sent = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: { ...admin.headers, accept: 'application/json' },
      payload: { content: 'Hello there' },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const [row] = await eventually(async () => {
      const found = await rowsOf(conversation.id);
      return found.length > 0 ? found : undefined;
    });
    expect(row).toMatchObject({ path: 'chat', cost_micros: null });
    const today = new Date().toISOString().slice(0, 10);
    const overview = await t.app.inject({
      method: 'GET',
      url: `/v1/analytics/overview?from=${today}&to=${today}`,
      headers: admin.headers,
    });
    expect(overview.statusCode, overview.body).toBe(200);
    const { totals } = overview.json<{ totals: { unpricedTokens: number } }>();
    expect(totals.unpricedTokens).toBeGreaterThanOrEqual(row!.input_tokens + row!.output_tokens);
    expect(totals.unpricedTokens).toBeGreaterThan(0);
  });
});
