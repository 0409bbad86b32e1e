import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { testStorage } from '../harness/test-database.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import { createWebhook, fastRetries, listDeliveries } from './webhook-setup.js';

describe.skipIf(testStorage !== 'postgres')('webhook delivery from two nodes on one PostgreSQL', () => {
  let nodeA: TestApp;
  let nodeB: TestApp;
  let admin: SignedInUser;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    nodeA = await buildTestApp(fastRetries);
    nodeB = await buildTestApp(fastRetries, { sharedDatabase: nodeA.database });
    admin = await createTenantWithAdmin(nodeA.app, await registerPlatformAdmin(nodeA.app));
  }, 120_000);
  afterAll(async () => {
    await nodeB.close();
    await nodeA.close();
    await receiver.close();
  });

  it('delivers each event once, whichever node emitted it and whichever runs its job, retries included', async () => {
    const webhook = await createWebhook(nodeA.app, admin, { url: receiver.url, eventTypes: ['contact.created'] });
    receiver.secret = webhook.secret;
    // Every third attempt fails once, so retries are queued by both nodes as well.
    receiver.answers = Array.from({ length: 30 }, (_, index) => ({ status: index % 3 === 0 ? 503 : 200 }));
    const events = 30;
    await Promise.all(
      Array.from({ length: events }, (_, index) =>
        (index % 2 === 0 ? nodeA : nodeB).app.inject({
          method: 'POST',
          url: '/v1/contacts',
          headers: admin.headers,
          payload: { name: `Visitor ${index}` },
        }),
      ),
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      const deliveries = await listDeliveries(nodeA.app, admin, webhook.id);
      if (deliveries.length === events && deliveries.every((delivery) => delivery.status === 'succeeded')) break;
      if (Date.now() > deadline) throw new Error(`deliveries: ${JSON.stringify(deliveries.map((d) => d.status))}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const succeeded = receiver.received.filter((_, index) => index >= 30 || index % 3 !== 0);
    const ids = succeeded.map((delivery) => delivery.headers['webhook-id']);
    expect(new Set(ids).size).toBe(events);
    expect(ids).toHaveLength(events);
    expect(receiver.received.every((delivery) => delivery.isVerified)).toBe(true);
  });
});
