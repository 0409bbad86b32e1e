import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpRelay, type SmtpRelay } from '../email/smtp-relay.js';
import {
  createScaledOutNodes,
  isScaledOut,
  type ScaledOutNode,
  type ScaledOutNodes,
} from '../harness/scaled-out-nodes.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import { nodeRequest } from '../harness/node-request.js';

const password = 'a long password';
const chatTurns = 3;

/**
 * kill -9 of a node between the commits of the conversations' log readers and what they cause (ADR 27),
 * on two real `parley serve` processes on one PostgreSQL. Node A stores chat turns, an API channel's
 * lines and an operator's reply in an email conversation; its `message.created` reader commits each
 * event with its cursor and then waits (TEST_PAUSE_AFTER_COMMIT_MS) instead of relaying it, and A is
 * killed in that wait. The email reader's cursor is held by the test while the operator's reply commits,
 * so A dies with the reply stored and not mailed. Node B must announce every message — none lost, a
 * repeat only under the same webhook-id — and mail the reply once.
 */
describe.skipIf(!isScaledOut)("the log readers' events of a node killed after the commit", { timeout: 120_000 }, () => {
  let cluster: ScaledOutNodes | undefined;
  let nodeA: ScaledOutNode;
  let nodeB: string;
  let admin: Record<string, string>;
  let tenantId: string;
  let receiver: WebhookReceiver;
  let relay: SmtpRelay;
  let sql: pg.Client;

  const request = (node: string, method: string, url: string, body?: object, headers = admin) =>
    nodeRequest(node, method, url, headers, body);
  const sent = async (node: string, url: string, body: object, headers = admin, status = 201) => {
    const answer = await request(node, 'POST', url, body, headers);
    expect(answer.status, answer.text).toBe(status);
    return answer.body;
  };
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  const rows = async <T>(text: string, values: unknown[] = []) => (await sql.query(text, values)).rows as T[];

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    relay = await startSmtpRelay();
    cluster = await createScaledOutNodes('log-readers-crash', {
      OUTBOUND_ALLOW: '127.0.0.1',
      WEBHOOK_RETRY_BASE_MS: '20',
      EMAIL_SMTP_URL: relay.url,
    });
    nodeB = (await cluster.start()).baseUrl;
    nodeA = await cluster.start({ TEST_PAUSE_AFTER_COMMIT_MS: '600000' });
    sql = new pg.Client({ connectionString: cluster.databaseUrl });
    await sql.connect();
    admin = {};
    // The first account is the platform admin, and the admin of its own tenant.
    const registered = await sent(nodeB, '/v1/auth/register', { email: 'log-crash@example.test', password });
    admin = { authorization: `Bearer ${String(registered.accessToken)}` };
    tenantId = (registered.user as { tenantId: string }).tenantId;
    const approved = await request(nodeB, 'PUT', `/v1/tenants/${tenantId}/email-domains`, {
      domains: ['shop.example'],
    });
    expect(approved.status, approved.text).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await sql?.end();
    await cluster?.stop();
    await receiver?.close();
    await relay?.close();
  });

  it('announces every message and mails the reply once through the other node', async () => {
    // On node A, so its own cache knows at once that message.created is wanted and its reader runs on
    // each commit (before node B's poll, a second apart, could read the events first).
    const webhook = await sent(nodeA.baseUrl, '/v1/webhooks', { url: receiver.url, eventTypes: ['message.created'] });
    receiver.secret = String(webhook.secret);
    const agent = await sent(nodeA.baseUrl, '/v1/agents', {
      name: 'Offline desk',
      instructions: 'You are helpful.',
      model: 'offline',
      visibility: 'tenant',
    });

    // A chat: three turns on the offline model.
    const chat = await sent(nodeA.baseUrl, '/v1/conversations', { agentId: agent.id });
    for (let turn = 0; turn < chatTurns; turn++)
      await sent(nodeA.baseUrl, `/v1/conversations/${String(chat.id)}/messages`, { content: `Question ${turn}` });

    // An API channel: a bridge's contact message, answered by the inbox's agent.
    const apiInbox = await sent(nodeA.baseUrl, '/v1/inboxes', { name: 'WhatsApp', kind: 'api', agentId: agent.id });
    const key = await sent(nodeA.baseUrl, '/v1/api-keys', { name: 'WhatsApp bridge', role: 'operator' });
    const bridge = { authorization: `Bearer ${String(key.key)}` };
    const posted = await sent(
      nodeA.baseUrl,
      `/v1/inboxes/${String(apiInbox.id)}/messages`,
      { contact: { externalId: '+49 151 1' }, content: 'Where is my parcel?', messageId: 'wa-1' },
      bridge,
    );
    expect(posted.replyId, 'the AI answers the bridge').toEqual(expect.any(String));
    const replyDeadline = Date.now() + 20_000;
    while (
      (await rows<{ status: string }>('select status from messages where id = $1', [posted.replyId]))[0]?.status !==
      'complete'
    ) {
      if (Date.now() > replyDeadline) throw new Error("the API channel's reply did not end");
      await pause(50);
    }

    // An email conversation opened by the desk with a contact, answered by a person.
    const mailInbox = await sent(nodeA.baseUrl, '/v1/inboxes', {
      name: 'People',
      kind: 'email',
      emailAddress: 'people@shop.example',
      allowedOrigins: [],
    });
    const contact = await sent(nodeA.baseUrl, '/v1/contacts', { name: 'Cy Park', email: 'cy@customer.example' });
    const support = await sent(nodeA.baseUrl, '/v1/support-conversations', {
      inboxId: mailInbox.id,
      contactId: contact.id,
    });
    // The email reader's cursor, held: no node's pass can mail the reply before node A is gone.
    await sql.query('begin');
    const heldCursor = await rows("select reader from log_cursors where reader = 'email' for update");
    expect(heldCursor, "the email reader's cursor exists (node A read the log before)").toHaveLength(1);
    const answered = await sent(nodeA.baseUrl, `/v1/support-conversations/${String(support.id)}/messages`, {
      content: 'Your order shipped.',
    });
    const mailedReplyId = String(answered.id);

    // Node A read every message into an event and holds each one's relay: wait until the last is in.
    const expected = await rows<{ id: string; role: string }>(
      `select id, role from messages where tenant_id = $1 and role <> 'system' and status = 'complete'
         order by created_at`,
      [tenantId],
    );
    // Chat: a user message and a reply a turn; the API channel's line and its reply; the mailed reply.
    expect(expected.length).toBe(2 * chatTurns + 2 + 1);
    const announcedIds = async () =>
      rows<{ messageId: string; isRelayed: boolean }>(
        `select payload::jsonb->'data'->'message'->>'id' as "messageId", relayed_at is not null as "isRelayed"
           from webhook_events where type = 'message.created'`,
      );
    const eventDeadline = Date.now() + 10_000;
    while ((await announcedIds()).length < expected.length) {
      if (Date.now() > eventDeadline) throw new Error('node A did not read every message into an event');
      await pause(20);
    }
    const heldAtKill = (await announcedIds()).filter((event) => !event.isRelayed).length;
    nodeA.child.kill('SIGKILL');
    await new Promise((resolve) => nodeA.child.once('exit', resolve));
    await sql.query('rollback');
    // The kill landed while node A held relays: those can only be delivered by node B's sweep.
    expect(heldAtKill, 'events node A committed and had not relayed').toBeGreaterThan(0);

    // Node B: every message announced, each under one webhook-id however often it came.
    const deliveriesOf = (messageId: string) =>
      receiver.received.filter(
        (delivery) => (delivery.payload?.data.message as { id?: string } | undefined)?.id === messageId,
      );
    const deadline = Date.now() + 30_000;
    while (expected.some((message) => deliveriesOf(message.id).length === 0)) {
      if (Date.now() > deadline) {
        const lost = expected.filter((message) => deliveriesOf(message.id).length === 0);
        throw new Error(`never announced: ${JSON.stringify(lost)}`);
      }
      await pause(100);
    }
    const mail = await relay.waitFor((each) => each.envelopeTo.includes('cy@customer.example'), 30_000);
    // Time for a late repeat of either to show.
    await pause(3_000);

    expect(receiver.received.every((delivery) => delivery.isVerified)).toBe(true);
    for (const message of expected) {
      const deliveries = deliveriesOf(message.id);
      const webhookIds = new Set(deliveries.map((delivery) => String(delivery.headers['webhook-id'])));
      expect(webhookIds.size, `message ${message.id} (${message.role}) under one webhook-id`).toBe(1);
      expect(deliveries.every((delivery) => delivery.payload?.id === [...webhookIds][0])).toBe(true);
    }
    const announcedStatuses = expected.map(
      (message) => (deliveriesOf(message.id)[0]!.payload?.data.message as { status: string }).status,
    );
    expect(new Set(announcedStatuses)).toEqual(new Set(['complete']));
    expect(receiver.received.length, 'nothing but these messages').toBe(
      expected.reduce((count, message) => count + deliveriesOf(message.id).length, 0),
    );

    expect(mail.mail.text?.trim()).toBe('Your order shipped.');
    expect(relay.received.filter((each) => each.envelopeTo.includes('cy@customer.example'))).toHaveLength(1);
    expect(
      await rows(
        `select message_id as "messageId", status from email_messages
           where support_conversation_id = $1 and direction = 'outbound'`,
        [support.id],
      ),
    ).toEqual([{ messageId: mailedReplyId, status: 'sent' }]);
    console.info(
      `log readers crash: ${expected.length} messages, ${heldAtKill} events held by node A at the kill, ` +
        `${receiver.received.length} deliveries`,
    );
  }, 90_000);
});
