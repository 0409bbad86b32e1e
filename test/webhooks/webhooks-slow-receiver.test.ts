import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import {
  createContact,
  createWebhook,
  fastRetries,
  listDeliveries,
  waitForFinishedDelivery,
  type WebhookAnswer,
} from './webhook-setup.js';

/**
 * One delivery at a time on this node, and one tenant's receiver that takes its requests and never
 * answers within the timeout: another tenant's deliveries still go out, and are recorded, meanwhile,
 * and the hanging endpoint gets no more sends than its limit.
 */
describe('webhook delivery beside a receiver that hangs', () => {
  let t: TestApp;
  let hanging: WebhookReceiver;
  let answering: WebhookReceiver;
  let slowTenant: SignedInUser;
  let otherTenant: SignedInUser;
  let slowHook: WebhookAnswer;
  let otherHook: WebhookAnswer;

  beforeAll(async () => {
    hanging = await startWebhookReceiver();
    answering = await startWebhookReceiver();
    t = await buildTestApp({
      ...fastRetries,
      WEBHOOK_DELIVERY_CONCURRENCY: '1',
      WEBHOOK_TIMEOUT_MS: '60000',
      SHUTDOWN_GRACE_MS: '0',
    });
    const platformAdmin = await registerPlatformAdmin(t.app);
    slowTenant = await createTenantWithAdmin(t.app, platformAdmin, 'Slow shop');
    otherTenant = await createTenantWithAdmin(t.app, platformAdmin, 'Other shop');
    slowHook = await createWebhook(t.app, slowTenant, { url: hanging.url, eventTypes: ['contact.created'] });
    otherHook = await createWebhook(t.app, otherTenant, { url: answering.url, eventTypes: ['contact.created'] });
    hanging.secret = slowHook.secret;
    answering.secret = otherHook.secret;
    hanging.answers = Array.from({ length: 6 }, () => ({ status: 200, delayMs: 60_000 }));
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await Promise.all([hanging?.close(), answering?.close()]);
  });

  it("delivers and records another tenant's events while the hanging sends wait for their answers", async () => {
    for (const name of ['Walter', 'Wilma', 'Wendy', 'Wade', 'Willa', 'Wyatt'])
      await createContact(t.app, slowTenant, name);
    // One worker: each hanging send frees it after a second; the third finds its endpoint at its limit
    // (2 × WEBHOOK_DELIVERY_CONCURRENCY sends unanswered) and it and the rest are left pending for later.
    await hanging.waitFor(2);
    await createContact(t.app, otherTenant, 'Prompt Paula');
    // Well within the hanging sends' 60 s: before, the worker waited for them before fetching again.
    const delivered = await waitForFinishedDelivery(t.app, otherTenant, otherHook.id, () => true, 20_000);
    expect(delivered).toMatchObject({ status: 'succeeded', responseStatus: 200 });
    expect(answering.received.map((each) => each.isVerified)).toEqual([true]);
    const slowStatuses = (await listDeliveries(t.app, slowTenant, slowHook.id)).map((each) => each.status).sort();
    expect(slowStatuses).toEqual(['delivering', 'delivering', 'pending', 'pending', 'pending', 'pending']);
    expect(hanging.received).toHaveLength(2);
  });
});
