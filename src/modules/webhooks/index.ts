import { repeatSweep, type RepeatedSweep } from '../../platform/repeat-sweep.js';
import type { Config } from '../../config.js';
import type { Database } from '../../platform/db/client.js';
import type { App } from '../../platform/http/types.js';
import type { JobQueue } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/logger.js';
import type { OutboundHttp } from '../../platform/outbound/index.js';
import type { ServerKeys } from '../../platform/secrets.js';
import { createDeliveryScheduler, deliverJobName } from './delivery-scheduler.js';
import { createWebhookDelivery, deliverWorkOptions, deliveryBatches } from './webhook-delivery.js';
import { createWebhookAttemptsRepository } from './webhook-attempts.repository.js';
import { messageCreatedReader } from './chat-message-events.js';
import { createWebhookOutbox } from './webhook-outbox.js';
import type { WebhookEvents } from './webhook-event-types.js';
import { createWebhookRelay } from './webhook-relay.js';
import { everyKey, type InvalidationBus } from '../../platform/cache/invalidation-bus.js';
import { createWebhooksRepository } from './webhooks.repository.js';
import { registerWebhooksRoutes } from './webhooks.routes.js';
import { createWebhooksService } from './webhooks.service.js';

export interface WebhooksModuleDeps {
  readonly db: Database;
  readonly config: Pick<Config, 'webhooks' | 'shutdownGraceMs'> & Partial<Pick<Config, 'testPauseAfterCommitMs'>>;
  /** Tells every node that a tenant's endpoints changed (which event types are worth storing). */
  readonly invalidations?: Pick<InvalidationBus, 'publish' | 'subscribe'>;
  readonly logger: Logger;
  readonly jobs: Pick<JobQueue, 'registerBatch' | 'send'>;
  readonly outbound: Pick<OutboundHttp, 'fetch' | 'assertAllowed'>;
  readonly keys: Pick<ServerKeys, 'credentialsKey'>;
  /** How often a job-running node looks for deliveries whose job was lost; default a minute. */
  readonly sweepIntervalMs?: number;
  /** How often a job-running node relays the events a stopped node left unrelayed; default 5 s. */
  readonly relaySweepIntervalMs?: number;
}

/** How late a pending delivery must be before the sweep queues its job again. */
const overdueMs = 60_000;
const sweepBatch = 200;
/** Of one endpoint's overdue deliveries, a sweep queues this many (the rest wait for the next). */
const sweepPerEndpoint = 50;

/**
 * Signed webhooks (docs/integrations.md): endpoints, the event bus other modules emit to (`events`), and
 * delivery by the `webhooks.deliver` job through the outbound door.
 */
export function createWebhooksModule(deps: WebhooksModuleDeps) {
  const { db, logger } = deps;
  const repository = createWebhooksRepository();
  const scheduler = createDeliveryScheduler(deps.jobs);
  const relay = createWebhookRelay({
    db,
    repository,
    scheduler,
    logger,
    pauseAfterCommitMs: deps.config.testPauseAfterCommitMs ?? 0,
  });
  const outbox = createWebhookOutbox({ db, repository, relay, logger });
  deps.invalidations?.subscribe('webhook-endpoints', (tenantId) => {
    if (tenantId === everyKey) outbox.forgetAllSubscriptions();
    else outbox.forgetSubscriptions(tenantId);
  });
  const service = createWebhooksService({
    db,
    repository,
    outbox,
    onEndpointsChanged: (tenantId) =>
      deps.invalidations
        ? deps.invalidations.publish('webhook-endpoints', tenantId)
        : outbox.forgetSubscriptions(tenantId),
    scheduler,
    outbound: deps.outbound,
    credentialsKey: deps.keys.credentialsKey,
  });
  const delivery = createWebhookDelivery({
    db,
    repository,
    attempts: createWebhookAttemptsRepository(),
    outbound: deps.outbound,
    scheduler,
    credentialsKey: deps.keys.credentialsKey,
    config: deps.config.webhooks,
    logger,
  });

  /** Queues again the jobs of deliveries left pending by a node that stopped before queueing them. */
  async function sweepOverdue(): Promise<void> {
    for (const overdue of await repository.listOverdueDeliveries(db, overdueMs, sweepBatch, sweepPerEndpoint)) {
      await scheduler.schedule(overdue.id, overdue.tenantId, overdue.attempts);
    }
  }

  const sweeps: RepeatedSweep[] = [];
  return {
    service,
    events: outbox.events,
    enrich: relay.enrich,
    /** The conversations' log reader that sends `message.created` (conversation-log-feed.ts, ADR 27). */
    messageCreatedReader: () => messageCreatedReader(outbox.events, repository),
    /** Relays now what a stopped node left unrelayed (tests; the timer does it every few seconds). */
    sweepUnrelayed: () => relay.sweep(),
    /** Only on nodes that run jobs. */
    registerJobs(): void {
      const { workers, batchSize } = deliveryBatches(deps.config.webhooks.deliveryConcurrency);
      deps.jobs.registerBatch(deliverJobName, (jobs) => delivery.deliverBatch(jobs), {
        ...deliverWorkOptions,
        concurrency: workers,
        batchSize,
      });
    },
    /** After the job queue started; stopped by close(), which also waits for a sweep under way. */
    startSweep(): void {
      // Once at start (what a stopped node left), then every minute.
      sweeps.push(
        repeatSweep(sweepOverdue, deps.sweepIntervalMs ?? 60_000, (error) =>
          logger.warn({ err: error }, 'The sweep of overdue webhook deliveries failed'),
        ),
      );
      // Events a node that died after their change committed left unrelayed: a few seconds late at most.
      sweeps.push(
        repeatSweep(
          () => relay.sweep(),
          deps.relaySweepIntervalMs ?? 5_000,
          (error) => logger.warn({ err: error }, 'The sweep of unrelayed webhook events failed'),
        ),
      );
    },
    async close(): Promise<void> {
      await Promise.all([
        ...sweeps.map((sweep) => sweep.stop()),
        relay.drain(),
        delivery.close(deps.config.shutdownGraceMs),
      ]);
    },
    registerRoutes(app: App): void {
      registerWebhooksRoutes(app, service);
    },
  };
}

export type { WebhookEvents, WebhookEventType } from './webhook-event-types.js';
export { webhookEventTypes } from './webhook-event-types.js';
export type { EventEnricher } from './webhook-relay.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The webhook event bus and one sweep of unrelayed events now (tests; nodes that run jobs sweep
     * every few seconds).
     */
    webhookOutbox: { events: WebhookEvents; sweepUnrelayed: () => Promise<number> };
  }
}
