import type { Database } from '../../platform/db/client.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import type { DeliveryScheduler } from './delivery-scheduler.js';
import type { WebhookEventType, WebhookPayload } from './webhook-event-types.js';
import type { WebhooksRepository } from './webhooks.repository.js';

/** Returns the event's data with more in it (what another module knows about the event's object). */
export type EventEnricher = (tenantId: string, data: object) => Promise<object>;

export interface WebhookRelayDeps {
  readonly db: Database;
  readonly repository: WebhooksRepository;
  readonly scheduler: DeliveryScheduler;
  readonly logger: Logger;
  /** Test only: how long the relay waits after a commit, so a test can kill the node in between. */
  readonly pauseAfterCommitMs?: number;
}

/** How old an unrelayed event must be before a sweep takes it from the node that stored it. */
const sweepGraceMs = 2_000;
const sweepBatch = 100;

/**
 * The second half of the outbox (webhook-outbox.ts writes the first, in the change's transaction): an
 * event becomes one delivery row per endpoint that wants it, and one job per delivery. The node that
 * stored the event relays it as soon as its transaction commits; a sweep on every job-running node
 * relays what a node that died left. Each relay locks the event (`for update skip locked`) and marks it
 * relayed in the transaction that makes its deliveries, so two nodes never relay one event twice.
 */
export function createWebhookRelay(deps: WebhookRelayDeps) {
  const { db, repository, scheduler, logger } = deps;
  const enrichers = new Map<WebhookEventType, EventEnricher>();
  const inFlight = new Set<Promise<unknown>>();

  async function relay(eventId: string): Promise<void> {
    const event = await repository.findUnrelayedEvent(db, eventId);
    if (!event) return;
    const payload = JSON.parse(event.payload) as WebhookPayload;
    const endpoints = await repository.listSubscribers(db, event.tenantId, event.type);
    const enrich = enrichers.get(event.type as WebhookEventType);
    // Read before the transaction (other modules' reads, kept out of it); without what it adds, the
    // event still says what happened: it is sent as emitted.
    const data =
      enrich && endpoints.length > 0
        ? await enrich(event.tenantId, payload.data).catch((error: unknown) => {
            logger.warn(
              { err: error, tenantId: event.tenantId, eventId },
              'A webhook event is sent without its context',
            );
            return payload.data;
          })
        : payload.data;
    const deliveries = await db.transaction(async (tx) => {
      if (!(await repository.claimUnrelayedEvent(tx, eventId))) return [];
      await repository.markRelayed(tx, eventId, JSON.stringify({ ...payload, data }));
      return repository.insertDeliveries(
        tx,
        endpoints.map((endpoint) => ({ id: newId(), tenantId: event.tenantId, endpointId: endpoint.id, eventId })),
      );
    });
    await scheduleAll(deliveries);
  }

  async function scheduleAll(deliveries: readonly { id: string; tenantId: string }[]): Promise<void> {
    for (const delivery of deliveries) {
      // Stored, so not lost: the sweep of overdue deliveries queues what could not be queued now.
      await scheduler
        .schedule(delivery.id, delivery.tenantId, 0)
        .catch((error: unknown) =>
          logger.warn(
            { err: error, tenantId: delivery.tenantId, deliveryId: delivery.id },
            'A webhook delivery is left for the sweep to queue',
          ),
        );
    }
  }

  function track(work: Promise<unknown>): void {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  }

  return {
    /** After the event's transaction committed: relays it in the background, never failing its caller. */
    relaySoon(eventId: string): void {
      const pause = deps.pauseAfterCommitMs ?? 0;
      const start = pause > 0 ? new Promise((resolve) => setTimeout(resolve, pause)) : Promise.resolve();
      track(
        start
          .then(() => relay(eventId))
          .catch((error: unknown) =>
            logger.warn({ err: error, eventId }, 'A webhook event is left for the sweep to relay'),
          ),
      );
    },
    /**
     * Relays the oldest events a stopped node left unrelayed (a batch each call: the next sweep takes the
     * rest, or what another node held locked); answers how many it found.
     */
    async sweep(): Promise<number> {
      const events = await repository.listUnrelayedEvents(db, sweepGraceMs, sweepBatch);
      for (const event of events) {
        await relay(event.id).catch((error: unknown) =>
          logger.warn(
            { err: error, eventId: event.id },
            'A webhook event could not be relayed; the next sweep tries again',
          ),
        );
      }
      return events.length;
    },
    scheduleAll,
    /** Work that ends in a relay (an emit after a commit), for `drain` to wait for. */
    track,
    /** Adds to the events of a type what other modules know (read at relay time, off the change's transaction). */
    enrich: (type: WebhookEventType, enricher: EventEnricher): void => {
      enrichers.set(type, enricher);
    },
    /** Waits for relays under way (closing the app), so none writes to a closed database. */
    async drain(): Promise<void> {
      // An emit that ends starts its relay: wait for that too.
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

export type WebhookRelay = ReturnType<typeof createWebhookRelay>;
