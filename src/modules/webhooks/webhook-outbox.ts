import { afterCommit } from '../../platform/db/after-commit.js';
import type { Database, Executor } from '../../platform/db/client.js';
import { is } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import { createExpiringCache } from '../../platform/cache/expiring-cache.js';
import { settingsCacheTtlMs } from '../../platform/cache/invalidation-bus.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import {
  stableEventId,
  type EmitOptions,
  type WebhookEvents,
  type WebhookEventType,
  type WebhookPayload,
  testEventType,
} from './webhook-event-types.js';
import type { WebhookRelay } from './webhook-relay.js';
import type { WebhooksRepository } from './webhooks.repository.js';

export interface WebhookOutboxDeps {
  readonly db: Database;
  readonly repository: WebhooksRepository;
  readonly relay: WebhookRelay;
  readonly logger: Logger;
}

/**
 * The first half of the outbox (docs/integrations.md, "Delivery guarantee"): other modules emit an
 * event in the transaction of the change that causes it, so both commit or neither does. Storing it is
 * one small insert, and none at all for a tenant with no enabled endpoint asking for its type (a cached
 * read, forgotten through the invalidation bus when an endpoint changes): a chat turn's `message.created`
 * costs a tenant without webhooks no round trip. After the commit, the relay makes its deliveries.
 */
export function createWebhookOutbox(deps: WebhookOutboxDeps) {
  const { db, repository, relay, logger } = deps;
  const subscribedTypes = createExpiringCache<ReadonlySet<string>>({
    // The invalidation bus tells every node at once of an endpoint made or changed (settingsCacheTtlMs).
    ttlMs: settingsCacheTtlMs,
    maxEntries: 10_000,
  });

  /**
   * Read on the caller's executor. Inside a transaction it takes only a finished read from the cache,
   * never one another caller started: on embedded storage that read needs the one session this
   * transaction holds, and both would wait for ever (the whole database with them).
   */
  async function isSubscribed(executor: Executor, tenantId: string, type: string): Promise<boolean> {
    const read = async () => new Set(await repository.listSubscribedTypes(executor, tenantId));
    if (is(executor, PgTransaction)) return (subscribedTypes.peek(tenantId) ?? (await read())).has(type);
    // A shared read that failed (another caller's transaction ended under it) is made again on ours.
    const types = await subscribedTypes.load(tenantId, read).catch(read);
    return types.has(type);
  }

  async function store(executor: Executor, tenantId: string, type: WebhookEventType, data: object, eventId: string) {
    if (!(await isSubscribed(executor, tenantId, type))) return;
    const isNew = await repository.insertEvent(executor, {
      id: eventId,
      tenantId,
      type,
      payload: payloadOf(eventId, type, tenantId, data),
    });
    // Emitted twice (same key): the first is relayed, or owed by the sweep.
    if (isNew) afterCommit(executor, () => relay.relaySoon(eventId));
  }

  const events: WebhookEvents = {
    async emit(executor, tenantId, type, data, options: EmitOptions = {}): Promise<void> {
      const eventId = options.key === undefined ? newId() : stableEventId(tenantId, type, options.key);
      // In a transaction a failed insert fails it anyway (PostgreSQL aborts it): the caller sees why.
      if (is(executor, PgTransaction)) return store(executor, tenantId, type, data, eventId);
      // After a commit, the change is stored already: its caller must not fail for its event. Tracked, so
      // closing the app waits for it rather than closing the database under it.
      const work = store(executor, tenantId, type, data, eventId).catch((error: unknown) =>
        logger.error({ err: error, tenantId, type, eventId }, 'A webhook event could not be stored'),
      );
      relay.track(work);
      await work;
    },
    isWanted: (tenantId, type) => isSubscribed(db, tenantId, type),
  };

  return {
    events,
    /** An endpoint of the tenant was made or changed: the next event reads what it asks for again. */
    forgetSubscriptions(tenantId: string): void {
      subscribedTypes.invalidate(tenantId);
    },
    /** Messages of the bus may have been missed: every tenant's subscriptions are read again. */
    forgetAllSubscriptions(): void {
      subscribedTypes.clear();
    },
    /** The "send test event" action: an event for one endpoint only, whatever types it asked for. */
    async sendTest(tenantId: string, endpointId: string): Promise<string | undefined> {
      const eventId = newId();
      const data = { message: 'A test event from Parley: your endpoint receives and verifies webhooks.' };
      const payload = payloadOf(eventId, testEventType, tenantId, data);
      const deliveries = await db.transaction(async (tx) => {
        await repository.insertEvent(tx, {
          id: eventId,
          tenantId,
          type: testEventType,
          payload,
          relayedAt: new Date(),
        });
        return repository.insertDeliveries(tx, [{ id: newId(), tenantId, endpointId, eventId }]);
      });
      await relay.scheduleAll(deliveries);
      return deliveries[0]?.id;
    },
  };
}

export type WebhookOutbox = ReturnType<typeof createWebhookOutbox>;

/** An event's body as stored and sent, stamped now. */
function payloadOf(eventId: string, type: WebhookPayload['type'], tenantId: string, data: object): string {
  const payload: WebhookPayload = { id: eventId, type, timestamp: new Date().toISOString(), tenantId, data };
  return JSON.stringify(payload);
}
