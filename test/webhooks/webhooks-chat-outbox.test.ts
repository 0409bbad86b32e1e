import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stableEventId } from '../../src/modules/webhooks/webhook-event-types.js';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { bringAnyRetryForward } from '../harness/job-retries.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import { createWebhook, fastRetries } from './webhook-setup.js';

/**
 * A chat conversation, a turn's user message and its reply, and a proactive message are written with
 * their webhook events in one transaction (docs/integrations.md, "Delivery guarantee"): the database refuses the event (a trigger
 * on `webhook_events`, as a failed insert would), and the change it belongs to must not be stored
 * either. Written after the commit instead, the change would stay and its event be lost.
 */
describe('chat changes and their webhook events commit together', () => {
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

  it('stores no user message whose message.created cannot be written, and runs no turn for it', async () => {
    const conversation = await createConversation(t.app, admin, agentId);
    await refuseEvents('message.created', `new.payload::jsonb #>> '{data,message,role}' = 'user'`);
    const refused = await send(conversation.id, 'Is anyone there?');
    expect(refused.statusCode, refused.body).toBe(500);
    expect(await messagesOf(conversation.id)).toEqual([]);
    const [counted] = await sql('select message_count as "messageCount" from conversations where id = $1', [
      conversation.id,
    ]);
    expect(counted).toEqual({ messageCount: 0 });
  });

  it('keeps a reply whose message.created cannot be written from being stored complete; its retry announces it', async () => {
    const conversation = await createConversation(t.app, admin, agentId);
    await refuseEvents('message.created', `new.payload::jsonb #>> '{data,message,role}' = 'assistant'`);
    const failed = await send(conversation.id, 'What is Parley?');
    expect(failed.statusCode, failed.body).toBe(500);
    const [user, reply] = await messagesOf(conversation.id);
    // The user's message and its event were written together, before the reply.
    expect(user).toMatchObject({ role: 'user', status: 'complete' });
    expect(await eventExists('message.created', user!.id)).toBe(true);
    // The reply's completion rolled back with its event: the reply ended failed, and is not announced.
    expect(reply).toMatchObject({ role: 'assistant', status: 'error' });
    expect(await eventExists('message.created', reply!.id)).toBe(false);

    await sql('drop trigger refuse_webhook_event on webhook_events');
    const retried = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages/${reply!.id}/retry`,
      headers: admin.headers,
    });
    expect(retried.statusCode, retried.body).toBe(200);
    expect((await messagesOf(conversation.id))[1]).toMatchObject({ id: reply!.id, status: 'complete' });
    expect(await eventExists('message.created', reply!.id)).toBe(true);
  });

  it('writes every message of a turn with its event: each is there as soon as the turn is answered', async () => {
    const conversation = await createConversation(t.app, admin, agentId);
    const sent = await send(conversation.id, 'Hello');
    expect(sent.statusCode, sent.body).toBe(201);
    const stored = await messagesOf(conversation.id);
    expect(stored.map((message) => message.status)).toEqual(['complete', 'complete']);
    for (const message of stored) expect(await eventExists('message.created', message.id)).toBe(true);
  });

  it('stores no bubble of a split reply whose message.created cannot be written', async () => {
    // The offline model answers in two paragraphs: the reply's text and a later bubble.
    const split = await createAgent(t.app, admin, {
      name: 'Offline splitter',
      model: 'offline',
      companion: { splitReplies: true, typingMsPerChar: 0 },
    });
    const conversation = await createConversation(t.app, admin, split.id);
    await refuseEvents('message.created', `new.payload::jsonb #>> '{data,message,replyGroup,position}' = '1'`);
    const refused = await send(conversation.id, 'What can you do?');
    expect(refused.statusCode, refused.body).toBe(500);
    // The bubble went with its event (and the conversation's count with it); the reply ended failed.
    expect((await messagesOf(conversation.id)).map((message) => [message.role, message.status])).toEqual([
      ['user', 'complete'],
      ['assistant', 'error'],
    ]);
    const [counted] = await sql('select message_count as "messageCount" from conversations where id = $1', [
      conversation.id,
    ]);
    expect(counted).toEqual({ messageCount: 2 });

    await sql('drop trigger refuse_webhook_event on webhook_events');
    const sent = await send(conversation.id, 'And now?');
    expect(sent.statusCode, sent.body).toBe(201);
    const stored = (await messagesOf(conversation.id)).slice(2);
    expect(stored.map((message) => message.role)).toEqual(['user', 'assistant', 'assistant']);
    for (const message of stored) expect(await eventExists('message.created', message.id)).toBe(true);
  });

  it('stores no proactive message whose message.created cannot be written; its retried decision stores both', async () => {
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
    await refuseEvents('message.created', `new.payload::jsonb #>> '{data,message,proactive}' = 'true'`);
    now = new Date(Date.now() + 61 * 60_000);
    try {
      await t.app.runProactivePass();
      // The decision failed with its event, and waits for its retry: nothing of it was stored.
      await eventually(async () => {
        const { rows } = await t.database.executeSql(
          `select 1 from pgboss.job where name = 'companion.proactive' and data->>'conversationId' = $1 and state = 'retry'`,
          [conversation.id],
        );
        return rows.length > 0 ? true : undefined;
      }, 15_000);
      expect(await messagesOf(conversation.id)).toHaveLength(2);

      await sql('drop trigger refuse_webhook_event on webhook_events');
      await bringAnyRetryForward(t.database, 'companion.proactive', conversation.id);
      const proactive = await eventually(async () => (await messagesOf(conversation.id))[2], 30_000);
      expect(await eventExists('message.created', proactive.id)).toBe(true);
    } finally {
      now = undefined;
    }
  });
});
