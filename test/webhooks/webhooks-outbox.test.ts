import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { transaction } from '../../src/platform/db/after-commit.js';
import { rowsOf } from '../../src/platform/db/raw-sql.js';
import { stableEventId } from '../../src/modules/webhooks/webhook-event-types.js';
import { eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import { createWebhook, fastRetries } from './webhook-setup.js';

/**
 * The outbox: an event is written in the transaction of the change that causes it, relayed to its
 * deliveries once that commits, and by the sweep when the node that stored it never relayed it.
 */
describe('the webhook outbox', () => {
  let t: TestApp;
  let platformAdmin: SignedInUser;
  let admin: SignedInUser;
  let receiver: WebhookReceiver;

  const eventRow = async (id: string) => {
    const { rows } = await t.database.executeSql(
      'select relayed_at is not null as "isRelayed", (select count(*)::int from webhook_deliveries where event_id = $1) as deliveries from webhook_events where id = $1',
      [id],
    );
    return rows[0] as { isRelayed: boolean; deliveries: number } | undefined;
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    t = await buildTestApp(fastRetries);
    platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin);
    const webhook = await createWebhook(t.app, admin, { url: receiver.url, eventTypes: ['contact.created'] });
    receiver.secret = webhook.secret;
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('stores no event when the change it belongs to rolls back', async () => {
    const key = randomUUID();
    const id = stableEventId(admin.tenantId, 'contact.created', key);
    await expect(
      transaction(t.database.db, async (tx) => {
        await t.app.webhookOutbox.events.emit(tx, admin.tenantId, 'contact.created', { contact: { id: key } }, { key });
        // The event was written in this transaction: there until the rollback.
        const written = rowsOf(await tx.execute(sql`select id from webhook_events where id = ${id}`));
        expect(written).toHaveLength(1);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await eventRow(id)).toBeUndefined();
    expect(await t.app.webhookOutbox.sweepUnrelayed()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received.filter((delivery) => delivery.payload?.data.contact)).toEqual([]);
  });

  it('relays a committed event at once, and delivers it once', async () => {
    const key = randomUUID();
    await transaction(t.database.db, async (tx) => {
      await t.app.webhookOutbox.events.emit(tx, admin.tenantId, 'contact.created', { contact: { id: key } }, { key });
      // Emitted twice (a retried change): one event.
      await t.app.webhookOutbox.events.emit(tx, admin.tenantId, 'contact.created', { contact: { id: key } }, { key });
    });
    const id = stableEventId(admin.tenantId, 'contact.created', key);
    const delivered = await eventually(async () => receiver.received.find((delivery) => delivery.payload?.id === id));
    expect(delivered).toMatchObject({ isVerified: true, headers: { 'webhook-id': id } });
    expect(await eventRow(id)).toEqual({ isRelayed: true, deliveries: 1 });
  });

  it('delivers an event its node stored but never relayed, by the sweep, once', async () => {
    const key = randomUUID();
    // A transaction that gives the outbox no moment after its commit: as if the node died right after it.
    await t.database.db.transaction(async (tx) => {
      await t.app.webhookOutbox.events.emit(tx, admin.tenantId, 'contact.created', { contact: { id: key } }, { key });
    });
    const id = stableEventId(admin.tenantId, 'contact.created', key);
    expect(await eventRow(id)).toEqual({ isRelayed: false, deliveries: 0 });
    // The sweep (this call, or the node's own timer) leaves a fresh event to its node for 2 s.
    await eventually(
      async () => {
        await t.app.webhookOutbox.sweepUnrelayed();
        return (await eventRow(id))?.isRelayed ? true : undefined;
      },
      15_000,
      250,
    );
    const delivered = await eventually(async () => receiver.received.find((delivery) => delivery.payload?.id === id));
    expect(delivered).toMatchObject({
      isVerified: true,
      payload: { type: 'contact.created', data: { contact: { id: key } } },
    });
    expect(await eventRow(id)).toEqual({ isRelayed: true, deliveries: 1 });
    // A second sweep (another node's) finds nothing left to relay.
    expect(await t.app.webhookOutbox.sweepUnrelayed()).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received.filter((delivery) => delivery.payload?.id === id)).toHaveLength(1);
  });

  it('writes a contact and its contact.created in one transaction through the API', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers: admin.headers,
      payload: { name: 'Ada' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const contactId = created.json().id as string;
    const id = stableEventId(admin.tenantId, 'contact.created', contactId);
    const delivered = await eventually(async () => receiver.received.find((delivery) => delivery.payload?.id === id));
    expect(delivered).toMatchObject({
      isVerified: true,
      payload: { data: { contact: { id: contactId, name: 'Ada' } } },
    });
  });

  it('stores no event of a type only a deleted endpoint asked for, from the moment it is deleted', async () => {
    const other = await createTenantWithAdmin(t.app, platformAdmin, 'Deletes its endpoint');
    const webhook = await createWebhook(t.app, other, { url: receiver.url, eventTypes: ['contact.created'] });
    const emitted = async () => {
      const key = randomUUID();
      await t.app.webhookOutbox.events.emit(
        t.database.db,
        other.tenantId,
        'contact.created',
        { contact: { id: key } },
        { key },
      );
      return eventRow(stableEventId(other.tenantId, 'contact.created', key));
    };
    // Stored while the endpoint asks for it, which caches the tenant's subscribed types for a few seconds.
    expect(await emitted()).toBeDefined();
    const deleted = await t.app.inject({ method: 'DELETE', url: `/v1/webhooks/${webhook.id}`, headers: other.headers });
    expect(deleted.statusCode, deleted.body).toBe(204);
    // The deletion forgets them, as a creation or a change does.
    expect(await emitted()).toBeUndefined();
  });
});
