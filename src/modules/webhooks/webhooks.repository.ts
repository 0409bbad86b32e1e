import { and, arrayContains, eq, getTableColumns, isNull, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../platform/db/pagination.js';
import { webhookDeliveries, webhookEndpoints, webhookEvents } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';
import { rowsOf } from '../../platform/db/raw-sql.js';

export type StoredEndpoint = typeof webhookEndpoints.$inferSelect;
export type StoredDelivery = typeof webhookDeliveries.$inferSelect;
export type EndpointChanges = Partial<
  Pick<StoredEndpoint, 'url' | 'description' | 'eventTypes' | 'isEnabled' | 'disabledReason' | 'encryptedSecret'>
> & { secretRotatedAt?: Date; consecutiveFailedEvents?: number; failingSince?: Date | null };

/** A delivery as its log shows it: with the type of its event. */
const deliveryWithType = { ...getTableColumns(webhookDeliveries), eventType: webhookEvents.type };

export function createWebhooksRepository() {
  return {
    async listEndpoints(db: Executor, tenantId: string, page: PageRequest) {
      return db
        .select({ row: webhookEndpoints, cursorAt: cursorTimestamp(webhookEndpoints.createdAt) })
        .from(webhookEndpoints)
        .where(
          inTenant(
            webhookEndpoints,
            tenantId,
            afterCursor(webhookEndpoints.createdAt, webhookEndpoints.id, page.after),
          ),
        )
        .orderBy(...newestFirst(webhookEndpoints.createdAt, webhookEndpoints.id))
        .limit(page.limit + 1);
    },

    async findEndpoint(db: Executor, tenantId: string, id: string): Promise<StoredEndpoint | undefined> {
      const [row] = await db
        .select()
        .from(webhookEndpoints)
        .where(inTenant(webhookEndpoints, tenantId, eq(webhookEndpoints.id, id)))
        .limit(1);
      return row;
    },

    /** The enabled endpoints of a tenant that asked for this type of event. */
    async listSubscribers(db: Executor, tenantId: string, type: string): Promise<{ id: string }[]> {
      return db
        .select({ id: webhookEndpoints.id })
        .from(webhookEndpoints)
        .where(
          inTenant(
            webhookEndpoints,
            tenantId,
            eq(webhookEndpoints.isEnabled, true),
            arrayContains(webhookEndpoints.eventTypes, [type]),
          ),
        );
    },

    async insertEndpoint(db: Executor, endpoint: typeof webhookEndpoints.$inferInsert): Promise<StoredEndpoint> {
      const [row] = await db.insert(webhookEndpoints).values(endpoint).returning();
      return row!;
    },

    async updateEndpoint(db: Executor, tenantId: string, id: string, changes: EndpointChanges) {
      const [row] = await db
        .update(webhookEndpoints)
        .set({ ...changes, updatedAt: new Date() })
        .where(inTenant(webhookEndpoints, tenantId, eq(webhookEndpoints.id, id)))
        .returning();
      return row;
    },

    async deleteEndpoint(db: Executor, tenantId: string, id: string): Promise<boolean> {
      const rows = await db
        .delete(webhookEndpoints)
        .where(inTenant(webhookEndpoints, tenantId, eq(webhookEndpoints.id, id)))
        .returning({ id: webhookEndpoints.id });
      return rows.length === 1;
    },

    /** The event types a tenant's enabled endpoints asked for: whether an event is worth storing at all. */
    /**
     * The conversations' log events that can announce a message (on `e`, conversation_events), of the
     * tenants with an enabled endpoint asking for `message.created`: the webhooks' reader reads no other.
     */
    messagesOfListeningTenants(): SQL {
      return sql`e.type in ('message-created', 'reply-settled') and e.tenant_id in (
        select tenant_id from webhook_endpoints where is_enabled and 'message.created' = any(event_types))`;
    },

    async listSubscribedTypes(db: Executor, tenantId: string): Promise<string[]> {
      const result = await db.execute(sql`
        select distinct unnest(event_types) as type from webhook_endpoints
        where tenant_id = ${tenantId} and is_enabled`);
      return rowsOf<{ type: string }>(result).map((row) => row.type);
    },

    async findUnrelayedEvent(db: Executor, id: string) {
      const [row] = await db
        .select({
          id: webhookEvents.id,
          tenantId: webhookEvents.tenantId,
          type: webhookEvents.type,
          payload: webhookEvents.payload,
        })
        .from(webhookEvents)
        .where(and(eq(webhookEvents.id, id), isNull(webhookEvents.relayedAt)))
        .limit(1);
      return row;
    },

    /**
     * Locks an event still owed its deliveries, for the transaction that makes them; false when another
     * node holds it (it is relaying it now) or it was relayed already.
     */
    async claimUnrelayedEvent(tx: Executor, id: string): Promise<boolean> {
      const result = await tx.execute(sql`
        select id from webhook_events where id = ${id} and relayed_at is null for update skip locked`);
      return rowsOf(result).length === 1;
    },

    async markRelayed(tx: Executor, id: string, payload: string): Promise<void> {
      await tx
        .update(webhookEvents)
        .set({ payload, relayedAt: sql`now()` })
        .where(eq(webhookEvents.id, id));
    },

    /** Events older than `graceMs` still owed their deliveries: what a node that died after the commit left. */
    async listUnrelayedEvents(db: Executor, graceMs: number, limit: number): Promise<{ id: string }[]> {
      const result = await db.execute(sql`
        select id from webhook_events
        where relayed_at is null and created_at < now() - make_interval(secs => ${graceMs / 1000})
        order by created_at limit ${limit}`);
      return rowsOf<{ id: string }>(result);
    },

    /** False when an event of this id was stored already (emitted twice): it is then not delivered again. */
    async insertEvent(db: Executor, event: typeof webhookEvents.$inferInsert): Promise<boolean> {
      const rows = await db
        .insert(webhookEvents)
        .values(event)
        .onConflictDoNothing({ target: webhookEvents.id })
        .returning({ id: webhookEvents.id });
      return rows.length === 1;
    },

    async insertDeliveries(db: Executor, deliveries: (typeof webhookDeliveries.$inferInsert)[]) {
      if (deliveries.length === 0) return [];
      return db
        .insert(webhookDeliveries)
        .values(deliveries)
        .onConflictDoNothing()
        .returning({ id: webhookDeliveries.id, tenantId: webhookDeliveries.tenantId });
    },

    async listDeliveries(db: Executor, tenantId: string, endpointId: string, page: PageRequest) {
      return db
        .select({ row: deliveryWithType, cursorAt: cursorTimestamp(webhookDeliveries.createdAt) })
        .from(webhookDeliveries)
        .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
        .where(
          inTenant(
            webhookDeliveries,
            tenantId,
            eq(webhookDeliveries.endpointId, endpointId),
            afterCursor(webhookDeliveries.createdAt, webhookDeliveries.id, page.after),
          ),
        )
        .orderBy(...newestFirst(webhookDeliveries.createdAt, webhookDeliveries.id))
        .limit(page.limit + 1);
    },

    async findDelivery(db: Executor, tenantId: string, endpointId: string, id: string) {
      const [row] = await db
        .select(deliveryWithType)
        .from(webhookDeliveries)
        .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
        .where(
          inTenant(
            webhookDeliveries,
            tenantId,
            eq(webhookDeliveries.endpointId, endpointId),
            eq(webhookDeliveries.id, id),
          ),
        )
        .limit(1);
      return row;
    },

    /** Sends a finished delivery again, as a new round of attempts; false when one is still under way. */
    async requeueDelivery(db: Executor, tenantId: string, endpointId: string, id: string): Promise<boolean> {
      const rows = await db
        .update(webhookDeliveries)
        .set({ status: 'pending', roundAttempts: 0, nextAttemptAt: sql`now()`, updatedAt: sql`now()` })
        .where(
          inTenant(
            webhookDeliveries,
            tenantId,
            eq(webhookDeliveries.endpointId, endpointId),
            eq(webhookDeliveries.id, id),
            sql`${webhookDeliveries.status} in ('succeeded', 'failed')`,
          ),
        )
        .returning({ id: webhookDeliveries.id });
      return rows.length === 1;
    },

    /**
     * Counts an event that failed for good, and disables the endpoint in the same statement when the run
     * reached `disableAfterEvents` and began `disableAfterMs` ago. Returns whether it was disabled now.
     */
    async countFailure(
      db: Executor,
      tenantId: string,
      endpointId: string,
      rule: { disableAfterEvents: number; disableAfterMs: number; reason: string },
    ): Promise<boolean> {
      const count = sql`${webhookEndpoints.consecutiveFailedEvents} + 1`;
      const since = sql`coalesce(${webhookEndpoints.failingSince}, now())`;
      const reachesRule = sql`(${count} >= ${rule.disableAfterEvents} and ${since} <= now() - make_interval(secs => ${rule.disableAfterMs / 1000}))`;
      const [row] = await db
        .update(webhookEndpoints)
        .set({
          consecutiveFailedEvents: count,
          failingSince: since,
          isEnabled: sql`${webhookEndpoints.isEnabled} and not ${reachesRule}`,
          disabledReason: sql`case when ${webhookEndpoints.isEnabled} and ${reachesRule} then ${rule.reason}::text else ${webhookEndpoints.disabledReason} end`,
        })
        .where(inTenant(webhookEndpoints, tenantId, eq(webhookEndpoints.id, endpointId)))
        .returning({ isEnabled: webhookEndpoints.isEnabled, reason: webhookEndpoints.disabledReason });
      return row !== undefined && !row.isEnabled && row.reason === rule.reason;
    },

    /**
     * Pending deliveries whose job may have been lost (a node stopped before sending it), or that waited
     * for their endpoint's room with no kick: the most overdue, at most `perEndpoint` of each endpoint,
     * so an endpoint whose deliveries pile up (one that hangs) cannot take the whole sweep from another
     * endpoint's lost job.
     */
    async listOverdueDeliveries(db: Executor, overdueMs: number, limit: number, perEndpoint: number) {
      const result = await db.execute(sql`
        select id, tenant_id as "tenantId", attempts
        from (
          select id, tenant_id, attempts, next_attempt_at,
            row_number() over (partition by endpoint_id order by next_attempt_at) as place
          from webhook_deliveries
          where status in ('pending', 'delivering')
            and next_attempt_at < now() - make_interval(secs => ${overdueMs / 1000})
        ) overdue
        where place <= ${perEndpoint}
        order by next_attempt_at
        limit ${limit}`);
      return rowsOf<{ id: string; tenantId: string; attempts: number }>(result);
    },
  };
}

export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>;
