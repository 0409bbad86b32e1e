import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureLogs } from '../harness/log-capture.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import {
  createWebhook,
  fastRetries,
  listDeliveries,
  waitForFinishedDelivery,
  type WebhookAnswer,
} from './webhook-setup.js';

describe('webhook delivery to a real receiver', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let receiver: WebhookReceiver;
  let webhook: WebhookAnswer;
  const logs = captureLogs();

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    // 2 s, not less: the first delivery also loads the outbound client (undici), which takes a while on a busy machine.
    t = await buildTestApp(
      { ...fastRetries, WEBHOOK_TIMEOUT_MS: '2000', LOG_LEVEL: 'debug' },
      { logDestination: logs.destination },
    );
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app), 'Shop');
    webhook = await createWebhook(t.app, admin, {
      url: receiver.url,
      eventTypes: ['contact.created', 'contact.updated'],
    });
    receiver.secret = webhook.secret;
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });
  beforeEach(() => {
    receiver.answers = [];
  });

  let contactCount = 0;
  const createContact = async () => {
    contactCount += 1;
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers: admin.headers,
      payload: { name: `Visitor ${contactCount}`, email: `visitor${contactCount}@example.test` },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ id: string; name: string }>();
  };
  const deliveryOf = (eventId: string) => (delivery: { eventId: string }) => delivery.eventId === eventId;
  const receivedFor = (contactId: string) =>
    receiver.received.filter(
      (delivery) => (delivery.payload?.data.contact as { id: string } | undefined)?.id === contactId,
    );

  it('delivers an event signed per Standard Webhooks, which the receiver verifies', async () => {
    const before = receiver.received.length;
    const contact = await createContact();
    const [delivery] = (await receiver.waitFor(before + 1)).slice(before);
    expect(delivery!.isVerified).toBe(true);
    expect(delivery!.headers['webhook-id']).toBe(delivery!.payload!.id);
    expect(delivery!.headers['content-type']).toBe('application/json');
    expect(delivery!.payload).toMatchObject({
      type: 'contact.created',
      data: { contact: { id: contact.id, name: contact.name } },
    });
    expect(Date.parse(delivery!.payload!.timestamp)).not.toBeNaN();
    const logged = await waitForFinishedDelivery(t.app, admin, webhook.id, deliveryOf(delivery!.payload!.id));
    expect(logged).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      responseStatus: 200,
      responseExcerpt: 'ok',
      eventType: 'contact.created',
      error: null,
    });
    expect(logged.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('does not verify under another secret', async () => {
    const before = receiver.received.length;
    const correct = receiver.secret;
    receiver.secret = 'whsec_' + Buffer.alloc(24, 7).toString('base64');
    try {
      await createContact();
      const [delivery] = (await receiver.waitFor(before + 1)).slice(before);
      expect(delivery!.isVerified).toBe(false);
    } finally {
      receiver.secret = correct;
    }
  });

  it('retries a receiver that fails (500, then 503) until it succeeds, with the same id', async () => {
    receiver.answers = [{ status: 500, body: 'down' }, { status: 503 }];
    const contact = await createContact();
    const eventId = await waitForReceived(contact.id, 3);
    const attempts = receivedFor(contact.id);
    expect(new Set(attempts.map((attempt) => attempt.headers['webhook-id']))).toEqual(new Set([eventId]));
    expect(attempts.every((attempt) => attempt.isVerified)).toBe(true);
    const logged = await waitForFinishedDelivery(t.app, admin, webhook.id, deliveryOf(eventId));
    expect(logged).toMatchObject({ status: 'succeeded', attempts: 3, responseStatus: 200 });
  });

  it('gives up after WEBHOOK_MAX_ATTEMPTS on a receiver that keeps failing, keeping the last answer', async () => {
    receiver.answers = Array.from({ length: 4 }, () => ({ status: 502, body: 'bad gateway' }));
    const contact = await createContact();
    const eventId = await waitForReceived(contact.id, 4);
    const logged = await waitForFinishedDelivery(t.app, admin, webhook.id, deliveryOf(eventId));
    expect(logged).toMatchObject({
      status: 'failed',
      attempts: 4,
      responseStatus: 502,
      responseExcerpt: 'bad gateway',
    });
    expect(logged.error).toContain('502');
  });

  it('retries a receiver that does not answer within WEBHOOK_TIMEOUT_MS', async () => {
    receiver.answers = [{ status: 200, body: 'too late', delayMs: 4000 }];
    const contact = await createContact();
    const eventId = await waitForReceived(contact.id, 2);
    const logged = await waitForFinishedDelivery(t.app, admin, webhook.id, deliveryOf(eventId));
    expect(logged).toMatchObject({ status: 'succeeded', attempts: 2, responseStatus: 200 });
  });

  it('does not retry a 4xx other than 408 and 429', async () => {
    receiver.answers = [{ status: 410, body: 'gone' }];
    const contact = await createContact();
    const eventId = await waitForReceived(contact.id, 1);
    const logged = await waitForFinishedDelivery(t.app, admin, webhook.id, deliveryOf(eventId));
    expect(logged).toMatchObject({ status: 'failed', attempts: 1, responseStatus: 410 });
    // Retries here come within tens of milliseconds: a second attempt would have arrived by now.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receivedFor(contact.id)).toHaveLength(1);
  });

  it('honours Retry-After on a 429', async () => {
    receiver.answers = [{ status: 429, headers: { 'retry-after': '2' } }];
    const contact = await createContact();
    await waitForReceived(contact.id, 2);
    const [first, second] = receivedFor(contact.id);
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(1900);
  });

  it('sends a test event on request, and redelivers a finished delivery', async () => {
    const before = receiver.received.length;
    const test = await t.app.inject({ method: 'POST', url: `/v1/webhooks/${webhook.id}/test`, headers: admin.headers });
    expect(test.statusCode, test.body).toBe(202);
    expect(test.json()).toMatchObject({ eventType: 'webhook.test' });
    const [delivered] = (await receiver.waitFor(before + 1)).slice(before);
    expect(delivered).toMatchObject({ isVerified: true, payload: { type: 'webhook.test' } });
    const finished = await waitForFinishedDelivery(
      t.app,
      admin,
      webhook.id,
      (delivery) => delivery.id === test.json().id,
    );

    const redeliver = `/v1/webhooks/${webhook.id}/deliveries/${finished.id}/redeliver`;
    const again = await t.app.inject({ method: 'POST', url: redeliver, headers: admin.headers });
    expect(again.statusCode, again.body).toBe(202);
    const [redelivered] = (await receiver.waitFor(before + 2)).slice(before + 1);
    expect(redelivered!.headers['webhook-id']).toBe(delivered!.headers['webhook-id']);
    await waitForFinishedDelivery(
      t.app,
      admin,
      webhook.id,
      (delivery) => delivery.id === finished.id && delivery.attempts === 2,
    );
    const unknown = await t.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${webhook.id}/deliveries/${webhook.id}/redeliver`,
      headers: admin.headers,
    });
    expect(unknown.statusCode).toBe(404);
  });

  it('signs with the new secret only once it is rotated', async () => {
    const rotated = await t.app.inject({
      method: 'POST',
      url: `/v1/webhooks/${webhook.id}/secret`,
      headers: admin.headers,
    });
    const oldSecret = receiver.secret;
    const before = receiver.received.length;
    await createContact();
    const [underOld] = (await receiver.waitFor(before + 1)).slice(before);
    expect(underOld!.isVerified).toBe(false);
    receiver.secret = rotated.json().secret;
    await createContact();
    const [underNew] = (await receiver.waitFor(before + 2)).slice(before + 1);
    expect(underNew!.isVerified).toBe(true);
    expect(oldSecret).not.toBe(receiver.secret);
    webhook = { ...webhook, secret: receiver.secret };
  });

  it('sends only the event types an endpoint asked for', async () => {
    const before = receiver.received.length;
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: admin.headers,
      payload: { name: 'P' },
    });
    expect(response.statusCode).toBe(201);
    await createContact();
    await receiver.waitFor(before + 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received.slice(before).map((delivery) => delivery.payload?.type)).toEqual(['contact.created']);
  });

  it('never writes a signing secret to the log', () => {
    const text = logs.text();
    expect(text.length).toBeGreaterThan(0);
    for (const secret of [webhook.secret, receiver.secret]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(secret.slice('whsec_'.length));
    }
  });

  /** Waits until the receiver got `count` attempts for the contact's event; returns the event id. */
  async function waitForReceived(contactId: string, count: number): Promise<string> {
    const deadline = Date.now() + 30_000;
    while (receivedFor(contactId).length < count) {
      if (Date.now() > deadline) throw new Error(`${receivedFor(contactId).length} attempts, not ${count}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return receivedFor(contactId)[0]!.headers['webhook-id'] as string;
  }

  it('lists deliveries newest first', async () => {
    const deliveries = await listDeliveries(t.app, admin, webhook.id);
    expect(deliveries.length).toBeGreaterThan(5);
  });
});
