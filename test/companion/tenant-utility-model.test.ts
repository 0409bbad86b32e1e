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

const proposal = { instructions: 'Speak plainly.', reason: 'The user writes plainly.', confidence: 0.5 };

/**
 * The tenant's utility model (docs/companion.md): set by the tenant's admins (and platform admins), and
 * used by every companion job after the agent's own utility model and before the agent's model.
 */
describe('tenant utility model', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let platformAdmin: SignedInUser;
  let admin: SignedInUser;
  let member: SignedInUser;
  let otherAdmin: SignedInUser;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer({ replyTokens: [JSON.stringify(proposal)] });
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-utility-test' });
    platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin);
    member = await createUser(t.app, admin);
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other tenant');
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await openai.close();
  }, 120_000);

  const settingsOf = (user: SignedInUser, tenantId = admin.tenantId) =>
    t.app.inject({ method: 'GET', url: `/v1/tenants/${tenantId}/settings`, headers: user.headers });
  const setUtilityModel = (user: SignedInUser, utilityModel: string | null, tenantId = admin.tenantId) =>
    t.app.inject({
      method: 'PATCH',
      url: `/v1/tenants/${tenantId}/settings`,
      headers: user.headers,
      payload: { utilityModel },
    });

  it("is the tenant's admins' to set (and platform admins'), checked against the tenant's providers", async () => {
    expect((await settingsOf(admin)).json()).toMatchObject({ tenantId: admin.tenantId, utilityModel: null });
    const set = await setUtilityModel(admin, 'openai:gpt-4o-mini');
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ tenantId: admin.tenantId, utilityModel: 'openai:gpt-4o-mini' });
    expect((await settingsOf(admin)).json().utilityModel).toBe('openai:gpt-4o-mini');

    const unknown = await setUtilityModel(admin, 'nowhere:some-model');
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('nowhere');
    expect((await setUtilityModel(admin, 'not a model')).statusCode).toBe(400);
    expect(
      (
        await t.app.inject({
          method: 'PATCH',
          url: `/v1/tenants/${admin.tenantId}/settings`,
          headers: admin.headers,
          payload: {},
        })
      ).statusCode,
    ).toBe(400);

    expect((await settingsOf(member)).statusCode).toBe(403);
    expect((await setUtilityModel(member, 'offline')).statusCode).toBe(403);
    // Another tenant's admin: as if the tenant did not exist.
    expect((await settingsOf(otherAdmin)).statusCode).toBe(404);
    expect((await setUtilityModel(otherAdmin, 'offline')).statusCode).toBe(404);
    expect((await settingsOf(otherAdmin, otherAdmin.tenantId)).json().utilityModel).toBeNull();

    // The platform admin reaches every tenant's.
    expect((await setUtilityModel(platformAdmin, null)).json().utilityModel).toBeNull();
    expect((await settingsOf(platformAdmin)).json().utilityModel).toBeNull();
  });

  it("comes after the agent's own utility model and before the agent's model, for summaries and suggestions", async () => {
    const agent = await createAgent(t.app, admin, {
      name: 'Precedence',
      model: 'offline',
      companion: { personalitySuggestions: true, suggestionAfterTurns: 2, summaryEveryTurns: 2 },
    });
    const conversation = await createConversation(t.app, member, agent.id);
    const suggestOn = async (day: string) => {
      await t.app.personalitySuggestions.suggest(
        { tenantId: admin.tenantId, conversationId: conversation.id, day },
        { signal: new AbortController().signal },
      );
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/conversations/${conversation.id}/personality-suggestions`,
        headers: member.headers,
      });
      return response.json<{ items: { model: string }[] }>().items[0]?.model;
    };
    const send = async (content: string) => {
      const response = await t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: { ...member.headers, accept: 'application/json' },
        payload: { content },
      });
      expect(response.statusCode).toBe(201);
    };
    await send('hey lol');
    await send('ok cool thx');

    // Neither the agent nor the tenant names one: the agent's model.
    expect(await suggestOn('2032-01-01')).toBe('offline');
    // The tenant's, for an agent that names none.
    expect((await setUtilityModel(admin, 'openai:gpt-4o-mini')).statusCode).toBe(200);
    const requestsBefore = openai.requests.length;
    expect(await suggestOn('2032-01-02')).toBe('openai:gpt-4o-mini');
    expect(openai.requests.length).toBeGreaterThan(requestsBefore);
    // Summaries call it too (this agent summarises every 2 turns).
    await send('yeah gonna try');
    await send('haha nice');
    const summary = await eventually(async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/conversations/${conversation.id}/summaries`,
        headers: member.headers,
      });
      return response.json<{ items: { model: string }[] }>().items.find((item) => item.model !== 'offline');
    }, 30_000);
    expect(summary.model).toBe('openai:gpt-4o-mini');
    // The agent's own comes first.
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/agents/${agent.id}`,
      headers: admin.headers,
      payload: { companion: { utilityModel: 'offline' } },
    });
    expect(patched.statusCode).toBe(200);
    // A PATCH of one setting keeps the others.
    expect(patched.json().companion).toMatchObject({ personalitySuggestions: true, suggestionAfterTurns: 2 });
    expect(await suggestOn('2032-01-03')).toBe('offline');
    await setUtilityModel(admin, null);
  });
});
