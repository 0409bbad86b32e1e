import type { Database } from '../../platform/db/client.js';
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
import type { DeliveryScheduler } from './delivery-scheduler.js';
import type { WebhooksRepository } from './webhooks.repository.js';

/** Returns the event's data with more in it (what another module knows about the event's object). */
export type EventEnricher = (tenantId: string, data: object) => Promise<object>;

export interface WebhookOutboxDeps {
  readonly db: Database;
  readonly repository: WebhooksRepository;
  readonly scheduler: DeliveryScheduler;
  readonly logger: Logger;
}

/**
 * The event bus other modules call after their change commits. An event goes to the outbox (its row and
 * one delivery row per endpoint that wants it, in one transaction), then one job per delivery is queued.
 * A tenant without such endpoints costs one indexed read. A job lost between the two (the node stopped)
 * is queued again by the sweep of overdue deliveries.
 */
export function createWebhookOutbox(deps: WebhookOutboxDeps) {
  const { db, repository, scheduler, logger } = deps;
  const inFlight = new Set<Promise<void>>();
  const enrichers = new Map<WebhookEventType, EventEnricher>();

  /** Stores the event for these endpoints and queues its deliveries; returns the delivery ids made. */
  async function store(
    tenantId: string,
    type: WebhookPayload['type'],
    data: object,
    endpointIds: readonly string[],
    eventId: string,
  ): Promise<string[]> {
    if (endpointIds.length === 0) return [];
    const payload: WebhookPayload = { id: eventId, type, timestamp: new Date().toISOString(), tenantId, data };
    const deliveries = await db.transaction(async (tx) => {
      if (!(await repository.insertEvent(tx, { id: eventId, tenantId, type, payload: JSON.stringify(payload) }))) {
        return [];
      }
      return repository.insertDeliveries(
        tx,
        endpointIds.map((endpointId) => ({ id: newId(), tenantId, endpointId, eventId })),
      );
    });
    for (const delivery of deliveries) {
      // Stored, so not lost: the sweep of overdue deliveries queues what could not be queued now.
      await scheduler
        .schedule(delivery.id, tenantId, 0)
        .catch((error: unknown) =>
          logger.warn(
            { err: error, tenantId, deliveryId: delivery.id },
            'A webhook delivery is left for the sweep to queue',
          ),
        );
    }
    return deliveries.map((delivery) => delivery.id);
  }

  const events: WebhookEvents = {
    emit(tenantId: string, type: WebhookEventType, data: object, options: EmitOptions = {}): Promise<void> {
      const eventId = options.key === undefined ? newId() : stableEventId(tenantId, type, options.key);
      const work = repository
        .listSubscribers(db, tenantId, type)
        .then(async (endpoints) => {
          if (endpoints.length === 0) return;
          const enrich = enrichers.get(type);
          // Without what it adds, the event still says what happened: send it as emitted.
          const payload = enrich
            ? await enrich(tenantId, data).catch((error: unknown) => {
                logger.warn({ err: error, tenantId, type, eventId }, 'A webhook event is sent without its context');
                return data;
              })
            : data;
          const endpointIds = endpoints.map((endpoint) => endpoint.id);
          await store(tenantId, type, payload, endpointIds, eventId);
        })
        .then(
          () => undefined,
          // The change itself is stored; its caller must not fail for its event. The log says which was lost.
          (error: unknown) =>
            logger.error({ err: error, tenantId, type, eventId }, 'A webhook event could not be stored'),
        );
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
      return work;
    },
  };

  return {
    events,
    /**
     * Adds what another module knows to every event of a type, whoever emits it (a message's support
     * conversation, contact and inbox): read only when an endpoint wants the event.
     */
    enrich: (type: WebhookEventType, enricher: EventEnricher): void => {
      enrichers.set(type, enricher);
    },
    /** The "send test event" action: an event for one endpoint only, whatever types it asked for. */
    async sendTest(tenantId: string, endpointId: string): Promise<string | undefined> {
      const eventId = newId();
      const data = { message: 'A test event from Parley: your endpoint receives and verifies webhooks.' };
      const [deliveryId] = await store(tenantId, testEventType, data, [endpointId], eventId);
      return deliveryId;
    },
    /** Waits for emits under way (closing the app), so none writes to a closed database. */
    async drain(): Promise<void> {
      await Promise.allSettled([...inFlight]);
    },
  };
}

export type WebhookOutbox = ReturnType<typeof createWebhookOutbox>;
