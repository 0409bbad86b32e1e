import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stableEventId } from '../../src/modules/webhooks/webhook-event-types.js';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import { createWebhook, fastRetries } from './webhook-setup.js';

/**
 * A chat conversation is written with its `conversation.created` in one transaction (docs/integrations.md,
 * "Delivery guarantee"): the database refuses the event (a trigger on `webhook_events`, as a failed insert
 * would), and the conversation must not be stored either. Messages are announced from the conversation's
 * log instead (ADR 27): the turn never waits for its event, and a reader that cannot write one keeps its
 * cursor before it, so once it can, every message is announced, once.
 */
describe('chat changes and their webhook events', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let receiver: WebhookReceiver;
  let agentId: string;
  /** The proactive scheduler's clock: real time until a test moves it. */
  let now: Date | undefined;

  const sql = async (text: string, params: unknown[] = []) => (await t.database.executeSql(text, params)).rows;
  const eventExists = async (type: string, key: string) =>
    (await sql('select 1 from webhook_events where id = $1', [stableEventId(admin.tenantId, type, key)])).length === 1;
  /** The database refuses this tenant's events of `type` whose payload matches `payloadCondition`. */
  const refuseEvents = async (type: string, payloadCondition = 'true') => {
    await sql(
      `create or replace function refuse_webhook_event() returns trigger language plpgsql as $$
       begin raise exception 'the test refuses this webhook event'; end $$`,
    );
    await sql(
      `create trigger refuse_webhook_event before insert on webhook_events for each row
       when (new.tenant_id = '${admin.tenantId}' and new.type = '${type}' and ${payloadCondition})
       execute function refuse_webhook_event()`,
    );
  };
  const send = (conversationId: string, content: string) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: admin.headers,
      payload: { content },
    });
  const messagesOf = async (conversationId: string) =>
    (await sql('select id, role, status from messages where conversation_id = $1 order by id', [conversationId])) as {
      id: string;
      role: string;
      status: string;
    }[];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await buildTestApp(fastRetries, { clock: () => now ?? new Date() });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Listens to chat');
    const webhook = await createWebhook(t.app, admin, {
      url: receiver.url,
      eventTypes: ['conversation.created', 'message.created'],
    });
    receiver.secret = webhook.secret;
    agentId = (await createAgent(t.app, admin, { name: 'Offline helper' })).id;
  }, 120_000);
  afterEach(async () => {
    await sql('drop trigger if exists refuse_webhook_event on webhook_events');
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('stores no chat conversation whose conversation.created cannot be written', async () => {
    const countConversations = async () =>
      (await sql('select count(*)::int as count from conversations where tenant_id = $1', [admin.tenantId]))[0];
    const before = await countConversations();
    await refuseEvents('conversation.created');
    const refused = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers: admin.headers,
      payload: { agentId },
    });
    expect(refused.statusCode, refused.body).toBe(500);
    expect(await countConversations()).toEqual(before);

    await sql('drop trigger refuse_webhook_event on webhook_events');
    const conversation = await createConversation(t.app, admin, agentId);
    // Written in the insert's transaction: there as soon as the request is answered.
    expect(await eventExists('conversation.created', conversation.id)).toBe(true);
  });

  /** How many times the receiver got the event of `type` about `key` (a message id): once is right. */
  const deliveriesOf = (type: string, key: string) =>
    receiver.received.filter((delivery) => delivery.headers['webhook-id'] === stableEventId(admin.tenantId, type, key))
      .length;
  const announced = (ids: readonly string[]) =>
    eventually(async () => {
      for (const id of ids) if (!(await eventExists('message.created', id))) return undefined;
      return true;
    }, 15_000);

  it('answers a turn whose message.created cannot be written yet, and announces its messages once it can', async () => {
    const conversation = await createConversation(t.app, admin, agentId);
    await refuseEvents('message.created');
    const sent = await send(conversation.id, 'Is anyone there?');
    // The turn never waits for its announcement: both messages are stored, the answer is the reply.
    expect(sent.statusCode, sent.body).toBe(201);
    const stored = await messagesOf(conversation.id);
    expect(stored.map((message) => [message.role, message.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    // The reader's passes fail on the refused insert and its cursor stays before them.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    for (const message of stored) expect(await eventExists('message.created', message.id)).toBe(false);

    await sql('drop trigger refuse_webhook_event on webhook_events');
    await announced(stored.map((message) => message.id));
    await eventually(
      async () => (stored.every((message) => deliveriesOf('message.created', message.id) > 0) ? true : undefined),
      15_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    for (const message of stored) expect(deliveriesOf('message.created', message.id)).toBe(1);
  });

  it('announces a reply once it is stored complete, and a failed one only when its retry completes it', async () => {
    const conversation = await createConversation(t.app, admin, agentId);
    // The reply's completion is refused (a failed write of the reply itself): it ends failed.
    await sql(
      `create or replace function refuse_reply() returns trigger language plpgsql as $$
       begin raise exception 'the test refuses this reply'; end $$`,
    );
    await sql(
      `create trigger refuse_reply before update on messages for each row
       when (new.tenant_id = '${admin.tenantId}' and new.role = 'assistant' and new.status = 'complete')
       execute function refuse_reply()`,
    );
    let reply: { id: string; role: string; status: string } | undefined;
    try {
      const failed = await send(conversation.id, 'What is Parley?');
      expect(failed.statusCode, failed.body).toBe(500);
      const [user, stored] = await messagesOf(conversation.id);
      reply = stored;
      expect(reply).toMatchObject({ role: 'assistant', status: 'error' });
      await announced([user!.id]);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(await eventExists('message.created', reply!.id)).toBe(false);
    } finally {
      await sql('drop trigger if exists refuse_reply on messages');
    }
    const retried = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages/${reply!.id}/retry`,
      headers: admin.headers,
    });
    expect(retried.statusCode, retried.body).toBe(200);
    expect((await messagesOf(conversation.id))[1]).toMatchObject({ id: reply!.id, status: 'complete' });
    await announced([reply!.id]);
  });

  it('announces every message of a turn, and each bubble of a split reply', async () => {
    // The offline model answers in two paragraphs: the reply's text and a later bubble.
    const split = await createAgent(t.app, admin, {
      name: 'Offline splitter',
      model: 'offline',
      companion: { splitReplies: true, typingMsPerChar: 0 },
    });
    const conversation = await createConversation(t.app, admin, split.id);
    const sent = await send(conversation.id, 'What can you do?');
    expect(sent.statusCode, sent.body).toBe(201);
    const stored = await eventually(async () => {
      const rows = await messagesOf(conversation.id);
      return rows.length === 3 ? rows : undefined;
    }, 15_000);
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'assistant']);
    await announced(stored.map((message) => message.id));
  });

  it('announces a proactive message', async () => {
    const companion = { proactive: true, proactiveIdleMinutes: 60, proactiveMaxUnanswered: 2 };
    const friend = await createAgent(t.app, admin, { name: 'Offline friend', model: 'offline', companion });
    const conversation = await createConversation(t.app, admin, friend.id);
    expect((await send(conversation.id, 'My tomatoes are wilting. What should I do?')).statusCode).toBe(201);
    const [, reply] = await messagesOf(conversation.id);
    const read = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/read`,
      headers: admin.headers,
      payload: { upToMessageId: reply!.id },
    });
    expect(read.statusCode, read.body).toBe(200);
    now = new Date(Date.now() + 61 * 60_000);
    try {
      await t.app.runProactivePass();
      const proactive = await eventually(async () => (await messagesOf(conversation.id))[2], 30_000);
      await announced([proactive.id]);
    } finally {
      now = undefined;
    }
  });
});
