import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { readBudget, waitForModelCalls } from './budget-setup.js';

/**
 * A finished call is priced from caches (the price table and the tenant's provider kinds, kept a few
 * seconds): a change must still reach the very next call, since the caches are told of it at once.
 */
describe('the cost of a call after a price or a provider changed', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let platformAdmin: SignedInUser;
  let admin: SignedInUser;
  let conversationId: string;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp({ OUTBOUND_ALLOW: '127.0.0.1' });
    platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Repriced Ltd');
    await addProvider('openai');
    const agent = await createAgent(t.app, admin, { model: 'house:gpt-4o-mini' });
    conversationId = (await createConversation(t.app, admin, agent.id)).id;
    // The first reply and its title, unpriced: both caches are now warm for the test's calls.
    const first = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...admin.headers, accept: 'application/json' },
      payload: { content: 'Hello' },
    });
    expect(first.statusCode, first.body).toBe(201);
    expect((await waitForModelCalls(t.app, admin, 2)).usage.cost).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await openai?.close();
  }, 120_000);

  async function addProvider(kind: string): Promise<string> {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/providers',
      headers: admin.headers,
      payload: { name: 'house', kind, baseUrl: openai.baseUrl, apiKey: 'sk-house-test' },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ id: string }>().id;
  }

  async function putPrice(providerKind: string, outputUsdPerMillion: number): Promise<string> {
    const response = await t.app.inject({
      method: 'PUT',
      url: '/v1/model-prices',
      headers: platformAdmin.headers,
      payload: { providerKind, model: 'gpt-4o-mini', inputUsdPerMillion: 0, outputUsdPerMillion },
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ id: string }>().id;
  }

  /** What one more reply (one call: the title was written after the first) added to the month's cost. */
  async function costOfNextReply(): Promise<number> {
    const before = (await readBudget(t.app, admin)).usage;
    const sent = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...admin.headers, accept: 'application/json' },
      payload: { content: 'Price this reply' },
    });
    expect(sent.statusCode, sent.body).toBe(201);
    const after = await waitForModelCalls(t.app, admin, before.modelCalls + 1);
    return Number((after.usage.cost - before.cost).toFixed(6));
  }

  it('prices the next call at a price put or deleted just before, and by the kind of a provider just replaced', async () => {
    // Input is free, output $0.01 a token: a reply of the fake server's 5 tokens costs $0.05.
    const priceId = await putPrice('openai', 10_000);
    expect(await costOfNextReply()).toBe(0.05);

    // Priced a moment ago (the cache is warm): the new price counts from the next call.
    await putPrice('openai', 5_000);
    expect(await costOfNextReply()).toBe(0.025);

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/model-prices/${priceId}`,
      headers: platformAdmin.headers,
    });
    expect(deleted.statusCode).toBe(204);
    expect(await costOfNextReply()).toBe(0);

    // The same name, now an OpenAI-compatible server: its price, not OpenAI's, counts at once.
    await putPrice('openai', 10_000);
    await putPrice('openai-compatible', 2_000);
    const providers = await t.app.inject({ method: 'GET', url: '/v1/providers', headers: admin.headers });
    const house = providers.json<{ items: { id: string; name: string }[] }>().items.find((p) => p.name === 'house')!;
    const removed = await t.app.inject({ method: 'DELETE', url: `/v1/providers/${house.id}`, headers: admin.headers });
    expect(removed.statusCode, removed.body).toBe(204);
    await addProvider('openai-compatible');
    expect(await costOfNextReply()).toBe(0.01);
  });
});
