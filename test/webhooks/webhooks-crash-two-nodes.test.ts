import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createScaledOutNodes,
  isScaledOut,
  type ScaledOutNode,
  type ScaledOutNodes,
} from '../harness/scaled-out-nodes.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import { nodeRequest } from '../harness/node-request.js';

const password = 'a long password';

/**
 * kill -9 between a change's commit and its event's delivery, on two real `parley serve` processes on
 * one PostgreSQL: node A commits changes but waits (TEST_PAUSE_AFTER_COMMIT_MS) before relaying their
 * events and queueing the snooze's wake, and is killed in that wait. Node B must deliver every event,
 * and wake the snoozed conversation.
 */
describe.skipIf(!isScaledOut)(
  'webhook events and snooze wakes of a node killed after the commit',
  { timeout: 120_000 },
  () => {
    let cluster: ScaledOutNodes | undefined;
    let nodeA: ScaledOutNode;
    let nodeB: string;
    let admin: Record<string, string>;
    let receiver: WebhookReceiver;

    const request = (node: string, method: string, url: string, body?: object) =>
      nodeRequest(node, method, url, admin, body);
    const created = async (node: string, url: string, body: object) => {
      const answer = await request(node, 'POST', url, body);
      expect(answer.status, answer.text).toBe(201);
      return answer.body;
    };

    beforeAll(async () => {
      receiver = await startWebhookReceiver();
      cluster = await createScaledOutNodes('outbox-crash', {
        OUTBOUND_ALLOW: '127.0.0.1',
        WEBHOOK_RETRY_BASE_MS: '20',
        // The snooze sweep, every half second on each node that runs jobs.
        MAINTENANCE_SWEEP_INTERVAL_MS: '500',
      });
      nodeB = (await cluster.start()).baseUrl;
      nodeA = await cluster.start({ TEST_PAUSE_AFTER_COMMIT_MS: '600000' });
      admin = {};
      const registered = await request(nodeB, 'POST', '/v1/auth/register', {
        email: 'crash-admin@example.test',
        password,
      });
      expect(registered.status, registered.text).toBe(201);
      admin = { authorization: `Bearer ${String(registered.body.accessToken)}` };
    }, 120_000);
    afterAll(async () => {
      await cluster?.stop();
      await receiver.close();
    });

    it('delivers every event and wakes the snooze through the other node, each event at most twice', async () => {
      const webhook = await created(nodeB, '/v1/webhooks', {
        url: receiver.url,
        eventTypes: ['contact.created', 'conversation.created', 'conversation.status_changed'],
      });
      receiver.secret = String(webhook.secret);

      // On node A, which commits every change with its event and then waits instead of relaying it.
      const contacts = 5;
      for (let index = 0; index < contacts; index++)
        await created(nodeA.baseUrl, '/v1/contacts', { name: `Visitor ${index}` });
      const inbox = await created(nodeA.baseUrl, '/v1/inboxes', { name: 'Website' });
      const contact = await created(nodeA.baseUrl, '/v1/contacts', { name: 'Snoozer' });
      const conversation = await created(nodeA.baseUrl, '/v1/support-conversations', {
        inboxId: inbox.id,
        contactId: contact.id,
      });
      const conversationUrl = `/v1/support-conversations/${String(conversation.id)}`;
      expect((await request(nodeA.baseUrl, 'POST', `${conversationUrl}/take`, {})).status).toBe(200);
      // Node A answers the snooze only once it queued the wake, which it never does: the request is left
      // hanging, and node A is killed as soon as the snooze is committed (node B reads it).
      void request(nodeA.baseUrl, 'POST', `${conversationUrl}/snooze`, {
        until: new Date(Date.now() + 1500).toISOString(),
      }).catch(() => undefined);
      const snoozeDeadline = Date.now() + 10_000;
      while ((await request(nodeB, 'GET', conversationUrl)).body.status !== 'snoozed') {
        if (Date.now() > snoozeDeadline) throw new Error('the snooze was not committed');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      nodeA.child.kill('SIGKILL');

      // 6 contacts, the conversation, taken, snoozed, and woken by node B's sweep of overdue snoozes.
      const expected = contacts + 1 + 1 + 3;
      const deadline = Date.now() + 30_000;
      const ids = () => new Set(receiver.received.map((delivery) => String(delivery.headers['webhook-id'])));
      while (ids().size < expected) {
        if (Date.now() > deadline) throw new Error(`the receiver got ${ids().size} events, not ${expected}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(ids().size).toBe(expected);
      expect(receiver.received.every((delivery) => delivery.isVerified)).toBe(true);
      const perId = new Map<string, number>();
      for (const delivery of receiver.received) {
        const id = String(delivery.headers['webhook-id']);
        perId.set(id, (perId.get(id) ?? 0) + 1);
        expect(delivery.payload?.id).toBe(id);
      }
      expect(Math.max(...perId.values())).toBeLessThanOrEqual(2);
      const types = receiver.received.map((delivery) => delivery.payload?.type);
      expect(types.filter((type) => type === 'contact.created')).toHaveLength(contacts + 1);
      const statusChanges = receiver.received
        .filter((delivery) => delivery.payload?.type === 'conversation.status_changed')
        .map((delivery) => delivery.payload?.data.action);
      expect(new Set(statusChanges)).toEqual(new Set(['take', 'snooze', 'wake']));

      const woken = await request(nodeB, 'GET', conversationUrl);
      expect(woken.body).toMatchObject({ status: 'open', snoozedUntil: null });
    }, 60_000);
  },
);
