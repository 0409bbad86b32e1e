import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

/**
 * Memory extraction asks the model once per user message (issue 64: 20 messages had cost 34 calls, a job
 * re-reading messages whose own turns queued a job of their own). Counted at the fake provider, whose
 * requests carry the extraction's instructions, and in the usage ledger.
 */
describe('memory extraction', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let admin: SignedInUser;

  beforeAll(async () => {
    // Slow enough that jobs run while later turns are being answered, as with a real model.
    openai = await startFakeOpenAIServer({ replyTokens: ['Noted', ', thanks', '.'], tokenDelayMs: 15 });
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-memory-once-test' });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await openai?.close();
  }, 120_000);

  const isExtraction = (body: unknown) => JSON.stringify(body).includes('You keep short facts about a user');

  it('asks the model once per user message through 20 quick turns', async () => {
    const agent = await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini', companion: { memory: true } });
    const conversation = await createConversation(t.app, admin, agent.id, { title: 'Set' });
    const extractionsBefore = openai.requests.filter((request) => isExtraction(request.body)).length;
    for (let turn = 0; turn < 20; turn += 1) {
      const sent = await t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: { ...admin.headers, accept: 'application/json' },
        payload: { content: `My pet number ${turn} is called Pet${turn}` },
      });
      expect(sent.statusCode, sent.body).toBe(201);
    }
    const ledgerRows = async () => {
      const { rows } = await t.database.executeSql(
        `select count(*)::int as n from usage_ledger where conversation_id = $1 and path = 'memory'`,
        [conversation.id],
      );
      return (rows[0] as { n: number }).n;
    };
    // Until every message was read, then a while longer: a second look at a message would come late.
    await eventually(async () => (await ledgerRows()) >= 20 || undefined, 30_000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const extractions = openai.requests.filter((request) => isExtraction(request.body)).length - extractionsBefore;
    expect(extractions).toBe(20);
    expect(await ledgerRows()).toBe(20);
  });
});
