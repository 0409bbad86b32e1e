import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import { createWebhooksRepository } from '../../src/modules/webhooks/webhooks.repository.js';
import { createWebhook, fastRetries, listDeliveries } from './webhook-setup.js';

describe('a delivery whose job was lost', () => {
  let first: TestApp;
  let second: TestApp | undefined;
  let admin: SignedInUser;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    // A node that queues jobs but never runs them: the delivery stays pending.
    first = await buildTestApp(fastRetries, { runsJobs: false });
    admin = await createTenantWithAdmin(first.app, await registerPlatformAdmin(first.app));
  }, 120_000);
  afterAll(async () => {
    await second?.close();
    await first.close();
    await receiver.close();
  });

  it('is queued again by the sweep of a node that runs jobs, and delivered once', async () => {
    const webhook = await createWebhook(first.app, admin, { url: receiver.url, eventTypes: ['contact.created'] });
    receiver.secret = webhook.secret;
    const contact = await first.app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers: admin.headers,
      payload: { name: 'Left behind' },
    });
    expect(contact.statusCode).toBe(201);
    // Relayed just after the contact's commit, in the background.
    const pending = await eventually(async () => {
      const [delivery] = await listDeliveries(first.app, admin, webhook.id);
      return delivery;
    });
    expect(pending).toMatchObject({ status: 'pending', attempts: 0 });
    // As if the node had stopped between storing the event and queueing its job, minutes ago.
    await first.database.executeSql(`delete from pgboss.job where name = 'webhooks.deliver'`);
    await first.database.executeSql(
      `update webhook_deliveries set next_attempt_at = now() - interval '5 minutes' where id = $1`,
      [pending.id],
    );

    second = await buildTestApp(fastRetries, { sharedDatabase: first.database });
    const [delivered] = await receiver.waitFor(1);
    expect(delivered).toMatchObject({ isVerified: true, payload: { type: 'contact.created' } });
    const deadline = Date.now() + 30_000;
    while ((await listDeliveries(second.app, admin, webhook.id))[0]?.status !== 'succeeded') {
      if (Date.now() > deadline) throw new Error('the delivery did not succeed');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received).toHaveLength(1);
  });
});

describe('the sweep of overdue deliveries', () => {
  let t: TestApp;
  let admin: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp(fastRetries, { runsJobs: false });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  it("reaches a lost delivery behind another endpoint's pile of overdue ones", async () => {
    const piling = await createWebhook(t.app, admin, {
      url: 'http://127.0.0.1:9/piling',
      eventTypes: ['contact.created'],
    });
    const other = await createWebhook(t.app, admin, {
      url: 'http://127.0.0.1:9/other',
      eventTypes: ['contact.created'],
    });
    const tenantId = admin.tenantId;
    // 300 deliveries of one endpoint, overdue for an hour; the other endpoint's one, for five minutes.
    await t.database.executeSql(
      `insert into webhook_events (id, tenant_id, type, payload)
       select md5('pile' || g)::uuid, $1, 'contact.created', '{}' from generate_series(1, 301) g`,
      [tenantId],
    );
    await t.database.executeSql(
      `insert into webhook_deliveries (id, tenant_id, endpoint_id, event_id, next_attempt_at)
       select md5('delivery' || g)::uuid, $1, $2, md5('pile' || g)::uuid, now() - interval '1 hour'
       from generate_series(1, 300) g`,
      [tenantId, piling.id],
    );
    const lostId = '0190e3a0-0000-7000-8000-0000000000aa';
    await t.database.executeSql(
      `insert into webhook_deliveries (id, tenant_id, endpoint_id, event_id, next_attempt_at)
       values ($1, $2, $3, md5('pile' || 301)::uuid, now() - interval '5 minutes')`,
      [lostId, tenantId, other.id],
    );
    const swept = await createWebhooksRepository().listOverdueDeliveries(t.database.db, 60_000, 200, 50);
    expect(swept.map((delivery) => delivery.id)).toContain(lostId);
    expect(swept).toHaveLength(51);
  });
});
