import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  signIn,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { openSocket } from '../realtime/realtime-client.js';
import { minuteOfDayIn, clockOf } from '../../src/modules/companion/quiet-hours.js';
import { bringRetryForward } from '../harness/job-retries.js';

interface Message {
  id: string;
  role: string;
  content: string;
  proactive?: true;
}

const minutes = (count: number) => count * 60_000;
const decisionJson = (message: string) => JSON.stringify({ action: 'continue', message });

/**
 * Proactive messages (docs/companion.md) on the real app, its real job queue and a controllable clock:
 * the scheduler's `now` is set by the test instead of sleeping. Each guardrail is shown blocking a
 * message, then lifted to show the same conversation does get one (so the test can fail).
 */
describe('proactive messages', () => {
  let t: TestApp;
  let second: TestApp | undefined;
  let openai: FakeOpenAIServer;
  let platformAdmin: SignedInUser;
  let admin: SignedInUser;
  let member: SignedInUser;
  let offlineAgentId: string;
  let modelAgentId: string;
  let address: string;
  let now = new Date();
  /** The scheduler's clock this many minutes after the real time. */
  const at = (minutesAhead: number) => (now = new Date(Date.now() + minutes(minutesAhead)));

  beforeAll(async () => {
    openai = await startFakeOpenAIServer({ replyTokens: [decisionJson('How is the garden doing today?')] });
    t = await buildTestApp(
      { OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-proactive-test' },
      { clock: () => now },
    );
    platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin);
    member = await createUser(t.app, admin);
    const companion = { proactive: true, proactiveIdleMinutes: 60, proactiveMaxUnanswered: 2 };
    offlineAgentId = (await createAgent(t.app, admin, { name: 'Offline friend', model: 'offline', companion })).id;
    modelAgentId = (
      await createAgent(t.app, admin, {
        name: 'Model friend',
        model: 'offline',
        companion: { ...companion, utilityModel: 'openai:gpt-4o-mini' },
      })
    ).id;
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  }, 120_000);
  afterAll(async () => {
    await second?.close();
    await t.close();
    await openai.close();
  }, 120_000);

  const call = (
    user: SignedInUser,
    method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
  ) => t.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });
  const send = async (user: SignedInUser, conversationId: string, content: string) => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...user.headers, accept: 'application/json' },
      payload: { content },
    });
    expect(response.statusCode).toBe(201);
    return response.json<{ assistantMessage: Message }>();
  };
  const history = async (user: SignedInUser, conversationId: string): Promise<Message[]> =>
    (await call(user, 'GET', `/v1/conversations/${conversationId}/messages?limit=100`)).json<{ items: Message[] }>()
      .items;
  const readAll = async (user: SignedInUser, conversationId: string) => {
    const last = (await history(user, conversationId)).filter((message) => message.role === 'assistant').at(-1);
    expect(
      (await call(user, 'POST', `/v1/conversations/${conversationId}/read`, { upToMessageId: last!.id })).statusCode,
    ).toBe(200);
  };
  /** A conversation whose owner asked one thing and read the answer: quiet from now on. */
  const quietConversation = async (user = member, agentId = offlineAgentId) => {
    const conversation = await createConversation(t.app, user, agentId);
    await send(user, conversation.id, 'My tomatoes are wilting in the heat. What should I do?');
    await readAll(user, conversation.id);
    return conversation.id;
  };
  const proactiveIn = async (conversationId: string, user = member) =>
    (await history(user, conversationId)).filter((message) => message.proactive);
  const proactiveCount = (conversationId: string, count: number, user = member) =>
    eventually(async () => {
      const found = await proactiveIn(conversationId, user);
      return found.length >= count ? found : undefined;
    }, 60_000);
  const claimOf = async (conversationId: string) => {
    const { rows } = await t.database.executeSql('select proactive_claim from conversations where id = $1', [
      conversationId,
    ]);
    return (rows[0] as { proactive_claim: string | null } | undefined)?.proactive_claim;
  };
  /** Runs a pass and waits until its decision for the conversation (if it made one) has ended. */
  const passAndSettle = async (conversationId: string) => {
    await t.app.runProactivePass();
    await eventually(async () => ((await claimOf(conversationId)) ? undefined : true), 60_000, 50);
  };

  it('checks in on the last topic once the conversation is quiet past the idle time, live and marked', async () => {
    const conversationId = await quietConversation();
    at(30);
    await passAndSettle(conversationId);
    expect(await proactiveIn(conversationId)).toHaveLength(0);

    const socket = await openSocket(address, { headers: member.headers });
    try {
      at(61);
      await t.app.runProactivePass();
      const [message] = await proactiveCount(conversationId, 1);
      expect(message).toMatchObject({ role: 'assistant', proactive: true });
      expect(message!.content).toContain('My tomatoes are wilting in the heat');
      const frame = await socket.next(
        (candidate) => candidate.type === 'proactive-message' && candidate.conversationId === conversationId,
      );
      expect(frame.message).toMatchObject({ id: message!.id, proactive: true });
    } finally {
      await socket.close();
    }
    // Ordinary replies carry no marker.
    expect(
      (await history(member, conversationId)).filter((message) => !message.proactive).every((m) => !('proactive' in m)),
    ).toBe(true);
  });

  it('never writes while the owner has an unread message from the agent', async () => {
    const conversation = await createConversation(t.app, member, offlineAgentId);
    await send(member, conversation.id, 'Which fertiliser suits tomatoes?');
    at(61);
    await passAndSettle(conversation.id);
    expect(await proactiveIn(conversation.id)).toHaveLength(0);
    await readAll(member, conversation.id);
    await t.app.runProactivePass();
    await proactiveCount(conversation.id, 1);
  });

  it('sends at most proactiveMaxUnanswered in a row, each after twice the wait before, and counts again after an answer', async () => {
    const conversationId = await quietConversation();
    const first = at(61);
    await t.app.runProactivePass();
    await proactiveCount(conversationId, 1);
    await readAll(member, conversationId);
    // The second waits idle × 2 = 120 minutes after the first.
    now = new Date(first.getTime() + minutes(61));
    await passAndSettle(conversationId);
    expect(await proactiveIn(conversationId)).toHaveLength(1);
    now = new Date(first.getTime() + minutes(121));
    await t.app.runProactivePass();
    const [, second] = await proactiveCount(conversationId, 2);
    expect(second!.content).toContain('anything new');
    await readAll(member, conversationId);
    // The cap (2) is reached: never a third, however long the silence.
    now = new Date(first.getTime() + minutes(60 * 24 * 30));
    await passAndSettle(conversationId);
    expect(await proactiveIn(conversationId)).toHaveLength(2);
    // The owner answers: the count starts again.
    await send(member, conversationId, 'They recovered, thanks!');
    await readAll(member, conversationId);
    at(61);
    await t.app.runProactivePass();
    await proactiveCount(conversationId, 3);
  });

  it("keeps quiet during the owner's quiet hours, in their time zone", async () => {
    const sleeper = await createUser(t.app, admin);
    const conversationId = await quietConversation(sleeper);
    at(61);
    const tokyoMinute = minuteOfDayIn('Asia/Tokyo', now);
    const around = (from: number, to: number) => ({
      start: clockOf((tokyoMinute + from + 1440) % 1440),
      end: clockOf((tokyoMinute + to + 1440) % 1440),
    });
    const quiet = await call(sleeper, 'PUT', '/v1/auth/me/quiet-hours', {
      timeZone: 'Asia/Tokyo',
      quietHours: around(-60, 60),
    });
    expect(quiet.statusCode).toBe(200);
    expect(quiet.json()).toEqual({ timeZone: 'Asia/Tokyo', quietHours: around(-60, 60) });
    await passAndSettle(conversationId);
    expect(await proactiveIn(conversationId, sleeper)).toHaveLength(0);
    // The same hours in another zone (nine hours behind) do not cover now.
    await call(sleeper, 'PUT', '/v1/auth/me/quiet-hours', { timeZone: 'Europe/London', quietHours: around(-60, 60) });
    expect((await call(sleeper, 'GET', '/v1/auth/me/quiet-hours')).json().timeZone).toBe('Europe/London');
    await t.app.runProactivePass();
    await proactiveCount(conversationId, 1, sleeper);
  });

  it('refuses a time zone or a time of day it does not know, saying what it wants', async () => {
    const zone = await call(member, 'PUT', '/v1/auth/me/quiet-hours', { timeZone: 'Mars/Olympus', quietHours: null });
    expect(zone.statusCode).toBe(400);
    expect(zone.body).toContain('IANA time zone');
    const time = await call(member, 'PUT', '/v1/auth/me/quiet-hours', {
      timeZone: 'UTC',
      quietHours: { start: '25:00', end: '07:00' },
    });
    expect(time.statusCode).toBe(400);
    expect(time.body).toContain('HH:MM');
  });

  it('lets the owner turn them off in one conversation, and for an agent', async () => {
    const conversationId = await quietConversation();
    const off = await call(member, 'PUT', `/v1/conversations/${conversationId}/proactive`, { enabled: false });
    expect(off.json()).toMatchObject({ conversationId, enabled: false, agentEnabled: true, unanswered: 0 });
    // Only the owner decides, even for an admin who can see the conversation.
    expect(
      (await call(admin, 'PUT', `/v1/conversations/${conversationId}/proactive`, { enabled: true })).statusCode,
    ).toBe(403);
    at(61);
    await passAndSettle(conversationId);
    expect(await proactiveIn(conversationId)).toHaveLength(0);
    await call(member, 'PUT', `/v1/conversations/${conversationId}/proactive`, { enabled: true });

    const agentOff = await call(member, 'PUT', `/v1/agents/${offlineAgentId}/proactive`, { enabled: false });
    expect(agentOff.json()).toEqual({ agentId: offlineAgentId, enabled: false });
    expect((await call(member, 'GET', `/v1/conversations/${conversationId}/proactive`)).json()).toMatchObject({
      enabled: true,
      agentEnabled: false,
    });
    await passAndSettle(conversationId);
    expect(await proactiveIn(conversationId)).toHaveLength(0);
    await call(member, 'PUT', `/v1/agents/${offlineAgentId}/proactive`, { enabled: true });
    await t.app.runProactivePass();
    await proactiveCount(conversationId, 1);
  });

  it('never writes to a disabled user', async () => {
    const user = await createUser(t.app, admin);
    const conversationId = await quietConversation(user);
    expect((await call(admin, 'PATCH', `/v1/users/${user.userId}`, { disabled: true })).statusCode).toBe(200);
    at(61);
    await passAndSettle(conversationId);
    await call(admin, 'PATCH', `/v1/users/${user.userId}`, { disabled: false });
    const again = await signIn(t.app, user.email);
    expect(await proactiveIn(conversationId, again)).toHaveLength(0);
    await t.app.runProactivePass();
    await proactiveCount(conversationId, 1, again);
  });

  it('never writes in a conversation a person has taken over (support status pending, open or snoozed)', async () => {
    // A support conversation's own owner is the desk's disabled system user, which the disabled-user rule
    // already stops; the takeover rule is shown on a member's conversation linked to a support record.
    const inbox = (await call(admin, 'POST', '/v1/inboxes', { name: 'Shop', agentId: offlineAgentId })).json<{
      id: string;
    }>();
    const contact = (await call(admin, 'POST', '/v1/contacts', { name: 'Visitor' })).json<{ id: string }>();
    const conversationId = await quietConversation();
    const { rows } = await t.database.executeSql('select tenant_id from conversations where id = $1', [conversationId]);
    const tenantId = (rows[0] as { tenant_id: string }).tenant_id;
    await t.database.executeSql(
      `insert into support_conversations (id, tenant_id, inbox_id, contact_id, conversation_id, status)
       values (gen_random_uuid(), $1, $2, $3, $4, 'open')`,
      [tenantId, inbox.id, contact.id, conversationId],
    );
    at(61);
    for (const status of ['open', 'pending', 'snoozed']) {
      await t.database.executeSql('update support_conversations set status = $2 where conversation_id = $1', [
        conversationId,
        status,
      ]);
      await passAndSettle(conversationId);
      expect(await proactiveIn(conversationId)).toHaveLength(0);
    }
    await t.database.executeSql(`update support_conversations set status = 'resolved' where conversation_id = $1`, [
      conversationId,
    ]);
    await t.app.runProactivePass();
    await proactiveCount(conversationId, 1);
  });

  it('sends exactly one message per decision when two nodes pass at once, and takes over a dead node’s claim', async () => {
    // The same providers as the first node: either node may run any decision (and its retries) later.
    second = await buildTestApp(
      { OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-proactive-test' },
      { sharedDatabase: t.database, clock: () => now },
    );
    const conversationId = await quietConversation();
    at(61);
    const passes = await Promise.all([
      t.app.runProactivePass(),
      second.app.runProactivePass(),
      t.app.runProactivePass(),
    ]);
    expect(passes.every((pass) => pass.due >= 0)).toBe(true);
    await proactiveCount(conversationId, 1);
    await eventually(async () => ((await claimOf(conversationId)) ? undefined : true), 60_000, 50);
    await Promise.all([t.app.runProactivePass(), second.app.runProactivePass()]);
    expect(await proactiveIn(conversationId)).toHaveLength(1);

    // A claim a node left when it died: fresh, it is left alone; past its 30 minutes, another node takes it.
    const orphan = await quietConversation();
    await t.database.executeSql(
      'update conversations set proactive_claim = gen_random_uuid(), proactive_claimed_at = $2 where id = $1',
      [orphan, now.toISOString()],
    );
    await Promise.all([t.app.runProactivePass(), second.app.runProactivePass()]);
    expect(await proactiveIn(orphan)).toHaveLength(0);
    at(61 + 31);
    await second.app.runProactivePass();
    await proactiveCount(orphan, 1);
  });

  it("retries a failed or invalid model answer with backoff and never sends it; the model's decision is sent", async () => {
    openai.respondWith({ error: { status: 500, message: 'The utility model is down' } });
    const conversationId = await quietConversation(member, modelAgentId);
    const before = openai.requests.length;
    at(61);
    await t.app.runProactivePass();
    await eventually(async () => (openai.requests.length >= before + 1 ? true : undefined), 30_000);
    openai.respondWith({ replyTokens: ['Sure! I will check in later.'] });
    // Each retry waits out pg-boss's backoff (5–10 s, then 10–20 s): checked, then brought forward.
    await bringRetryForward(t.database, 'companion.proactive', conversationId, 0);
    await eventually(async () => (openai.requests.length >= before + 2 ? true : undefined), 30_000);
    expect(await proactiveIn(conversationId)).toHaveLength(0);
    expect(await claimOf(conversationId)).toBeTruthy();
    openai.respondWith({ replyTokens: [decisionJson('How is the garden doing today?')] });
    await bringRetryForward(t.database, 'companion.proactive', conversationId, 1);
    const [message] = await proactiveCount(conversationId, 1);
    expect(message!.content).toBe('How is the garden doing today?');
    const request = JSON.stringify(openai.lastRequest().body);
    expect(request).toContain('json_schema');
  }, 120_000);

  it('ends the job quietly when the conversation is deleted while the model decides', async () => {
    openai.respondWith({ replyTokens: [decisionJson('Still there?')], tokenDelayMs: 2000 });
    const conversationId = await quietConversation(member, modelAgentId);
    const before = openai.requests.length;
    at(61);
    await t.app.runProactivePass();
    await eventually(async () => (openai.requests.length > before ? true : undefined), 30_000);
    expect((await call(member, 'DELETE', `/v1/conversations/${conversationId}`)).statusCode).toBe(204);
    const state = await eventually(async () => {
      const { rows } = await t.database.executeSql(
        `select state from pgboss.job where name = 'companion.proactive' and data->>'conversationId' = $1`,
        [conversationId],
      );
      const found = (rows[0] as { state: string } | undefined)?.state;
      return found === 'completed' || found === 'failed' || found === 'retry' ? found : undefined;
    }, 30_000);
    expect(state).toBe('completed');
    const { rows } = await t.database.executeSql('select count(*)::int as n from messages where conversation_id = $1', [
      conversationId,
    ]);
    expect(rows[0]).toEqual({ n: 0 });
    openai.respondWith({ replyTokens: [decisionJson('How is the garden doing today?')] });
  });

  it("calls the tenant's utility model for an agent that names none, like the other companion jobs", async () => {
    const tenantAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Utility model tenant');
    const set = await call(tenantAdmin, 'PATCH', `/v1/tenants/${tenantAdmin.tenantId}/settings`, {
      utilityModel: 'openai:gpt-4o-mini',
    });
    expect(set.statusCode).toBe(200);
    const owner = await createUser(t.app, tenantAdmin);
    // The agent's own model is offline and it names no utility model: only the tenant's reaches the server.
    const agent = await createAgent(t.app, tenantAdmin, {
      name: 'Tenant-model friend',
      model: 'offline',
      companion: { proactive: true, proactiveIdleMinutes: 60 },
    });
    openai.respondWith({ replyTokens: [decisionJson('Did the tomatoes perk up?')] });
    const conversationId = await quietConversation(owner, agent.id);
    const before = openai.requests.length;
    at(61);
    await t.app.runProactivePass();
    const [message] = await proactiveCount(conversationId, 1, owner);
    expect(message!.content).toBe('Did the tomatoes perk up?');
    expect(openai.requests.length).toBeGreaterThan(before);
    expect(openai.lastRequest().body).toMatchObject({ model: 'gpt-4o-mini' });
    expect(JSON.stringify(openai.lastRequest().body)).toContain('My tomatoes are wilting');
    openai.respondWith({ replyTokens: [decisionJson('How is the garden doing today?')] });
  });
});
