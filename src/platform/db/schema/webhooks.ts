import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumn, updatedAt } from './columns.js';

/** Where a delivery stands: waiting (maybe for a retry), being sent by one node, or finished either way. */
export const webhookDeliveryStatuses = ['pending', 'delivering', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number];

/** A tenant's receiver of events: what it wants, and the secret its deliveries are signed with. */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    url: text('url').notNull(),
    description: text('description').notNull().default(''),
    eventTypes: text('event_types').array().notNull(),
    isEnabled: boolean('is_enabled').notNull().default(true),
    /** Why the server disabled it (it kept failing); null when enabled or disabled by an admin. */
    disabledReason: text('disabled_reason'),
    /** The signing secret (`whsec_…`), AES-GCM sealed under the server key: signing needs it in clear. */
    encryptedSecret: text('encrypted_secret').notNull(),
    secretRotatedAt: timestamp('secret_rotated_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** Events in a row whose delivery failed for good, and since when: what disables an endpoint. */
    consecutiveFailedEvents: integer('consecutive_failed_events').notNull().default(0),
    failingSince: timestamp('failing_since', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index('webhook_endpoints_tenant_created_idx').on(table.tenantId, table.createdAt)],
);

/**
 * The outbox: every event that had at least one endpoint wanting it, written in the transaction of the
 * change that caused it, with the payload as sent.
 */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    type: text('type').notNull(),
    /**
     * The JSON body exactly as signed and sent: `{id, type, timestamp, tenantId, data}`. Written as emitted,
     * then once more by the relay with what enrichers add, before any delivery exists.
     */
    payload: text('payload').notNull(),
    /** When its delivery rows were made (webhook-relay.ts); null while the relay or the sweep still owes it. */
    relayedAt: timestamp('relayed_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (table) => [
    index('webhook_events_tenant_created_idx').on(table.tenantId, table.createdAt),
    index('webhook_events_unrelayed_idx').on(table.createdAt).where(sql`relayed_at is null`),
  ],
);

/** One event to one endpoint: claimed by a conditional update, so only one node sends each attempt. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id')
      .notNull()
      .references(() => webhookEvents.id, { onDelete: 'cascade' }),
    status: text('status', { enum: webhookDeliveryStatuses }).notNull().default('pending'),
    /** Every attempt made, and those since the last (re)delivery was asked for, which the backoff counts. */
    attempts: integer('attempts').notNull().default(0),
    roundAttempts: integer('round_attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    claimedAt: timestamp('claimed_at', { withTimezone: true, mode: 'date' }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true, mode: 'date' }),
    responseStatus: integer('response_status'),
    durationMs: integer('duration_ms'),
    /** The first few hundred characters of the receiver's answer, or why there was none. */
    responseExcerpt: text('response_excerpt'),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('webhook_deliveries_endpoint_event_unique').on(table.endpointId, table.eventId),
    index('webhook_deliveries_endpoint_created_idx').on(table.endpointId, table.createdAt),
    index('webhook_deliveries_event_idx').on(table.eventId),
    index('webhook_deliveries_tenant_idx').on(table.tenantId),
    index('webhook_deliveries_due_idx')
      .on(table.nextAttemptAt)
      .where(sql`status in ('pending', 'delivering')`),
    // The claim counts an endpoint's sends in flight (webhook-attempts.repository.ts).
    index('webhook_deliveries_in_flight_idx')
      .on(table.endpointId, table.claimedAt)
      .where(sql`status = 'delivering'`),
    // A send to an endpoint that ends takes the next of its deliveries waiting (webhook-delivery.ts).
    index('webhook_deliveries_endpoint_waiting_idx')
      .on(table.endpointId, table.nextAttemptAt)
      .where(sql`status = 'pending'`),
  ],
);
