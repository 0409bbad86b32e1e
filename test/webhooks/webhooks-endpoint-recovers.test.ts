import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import { createContact, createWebhook, fastRetries, listDeliveries, type WebhookAnswer } from './webhook-setup.js';

/**
 * An endpoint slow for a while, then well again: the deliveries its limit of slow sends left waiting go
 * out as the slow sends end, in seconds, not from the sweep of overdue deliveries (a minute or more).
 */
describe('webhook delivery to an endpoint that recovers', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let shop: SignedInUser;
  let hook: WebhookAnswer;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await buildTestApp({ ...fastRetries, WEBHOOK_DELIVERY_CONCURRENCY: '1', WEBHOOK_TIMEOUT_MS: '60000' });
    const platformAdmin = await registerPlatformAdmin(t.app);
    shop = await createTenantWithAdmin(t.app, platformAdmin, 'Recovering shop');
    hook = await createWebhook(t.app, shop, { url: receiver.url, eventTypes: ['contact.created'] });
    receiver.secret = hook.secret;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('sends the waiting deliveries as soon as its slow sends end, each once', async () => {
    // The first two sends take 3 s to answer: 2 × WEBHOOK_DELIVERY_CONCURRENCY slow sends, the limit.
    receiver.answers = [
      { status: 200, delayMs: 3_000 },
      { status: 200, delayMs: 3_000 },
    ];
    const names = ['Rita', 'Rolf', 'Rosa', 'Ravi', 'Ruth', 'Remy', 'Rhea', 'Rudi', 'Rina', 'Ross'];
    for (const name of names) await createContact(t.app, shop, name);
    await receiver.waitFor(2);
    // While both hang, the others wait: sent by the endpoint's kicks, not the sweep (60 s overdue).
    const received = await receiver.waitFor(names.length, 20_000);
    const eventIds = received.map((each) => each.payload?.id);
    expect(new Set(eventIds).size).toBe(names.length);
    expect(received.every((each) => each.isVerified)).toBe(true);
    const statuses = async () => (await listDeliveries(t.app, shop, hook.id)).map((each) => each.status);
    await expect.poll(statuses, { timeout: 10_000 }).toEqual(names.map(() => 'succeeded'));
    expect(receiver.received).toHaveLength(names.length);
  }, 60_000);
});
