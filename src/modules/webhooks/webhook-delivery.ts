import { Webhook } from 'standardwebhooks';
import { traceHeaders } from '../../platform/tracing/spans.js';
import { z } from 'zod';
import type { Config } from '../../config.js';
import type { Database } from '../../platform/db/client.js';
import type { BatchedJob, WorkOptions } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/logger.js';
import { OutboundRefusedError, OutboundTimeoutError, type OutboundHttp } from '../../platform/outbound/index.js';
import { decryptSecret } from '../../platform/secrets.js';
import { shortenTo } from '../../platform/text-cut.js';
import { boundedBy, settledWithin } from '../../platform/time-bound.js';
import { isRetryable, retryDelayMs, type AttemptResult } from './retry-schedule.js';
import { readExcerpt } from './answer-excerpt.js';
import { testEventType } from './webhook-event-types.js';
import type { AttemptRecord, ClaimedDelivery, WebhookAttemptsRepository } from './webhook-attempts.repository.js';
import type { WebhooksRepository } from './webhooks.repository.js';
import type { DeliveryScheduler } from './delivery-scheduler.js';

const deliverJobData = z.object({ deliveryId: z.uuid(), tenantId: z.uuid(), kicked: z.boolean().optional() });

/**
 * A job sends one attempt and queues the next itself (with the wait the retry rule gives), so pg-boss's
 * own retries are only for a batch that could not reach the database.
 */
export const deliverWorkOptions = {
  retryLimit: 5,
  retryDelaySeconds: 10,
  expireInSeconds: 5 * 60,
} as const satisfies WorkOptions;

/** The most jobs one worker fetches, claims and records together. */
const maxBatchSize = 8;

/**
 * WEBHOOK_DELIVERY_CONCURRENCY deliveries at once, fetched as batches (at most one extra per worker when
 * it does not divide evenly). A batch costs its round trips once, whatever its size; a send that is slow
 * to answer finishes on its own (slowSendAfterMs), so it delays neither its batch-mates nor its worker's
 * next fetch: above 8 at once, more workers rather than bigger batches.
 */
export function deliveryBatches(concurrency: number): { workers: number; batchSize: number } {
  const workers = Math.max(1, Math.ceil(concurrency / maxBatchSize));
  return { workers, batchSize: Math.max(1, Math.ceil(concurrency / workers)) };
}

/**
 * A send still unanswered after this long is recorded on its own when it answers, while its batch is
 * recorded and its worker fetches the next. Before, a receiver that hung held its batch-mates' records
 * and its worker for up to WEBHOOK_TIMEOUT_MS, so one tenant's dead endpoint slowed every tenant's
 * webhooks to a few deliveries per timeout.
 */
const slowSendAfterMs = 1_000;
/** Slow sends a node lets run past their batches, per send at once; past it a batch waits for them. */
const slowSendsPerSlot = 4;
/**
 * An endpoint's slow sends (on all nodes), per send at once, past which its deliveries are left waiting:
 * half a node's room, so one endpoint that hangs leaves room for the others'. Each slow send that ends
 * takes the next waiting delivery of its endpoint; a taken one answered promptly takes two more, so an
 * endpoint that recovers gets its backlog at full speed rather than from the minute sweep.
 */
const slowSendsPerEndpointPerSlot = 2;

/** A claim older than this belongs to a node that stopped mid-attempt: another may take the delivery. */
const staleClaimMs = 2 * 60_000;

export interface WebhookDeliveryDeps {
  readonly db: Database;
  readonly repository: Pick<WebhooksRepository, 'countFailure'>;
  readonly attempts: WebhookAttemptsRepository;
  readonly outbound: Pick<OutboundHttp, 'fetch'>;
  readonly scheduler: DeliveryScheduler;
  readonly credentialsKey: Buffer;
  readonly config: Config['webhooks'];
  readonly logger: Logger;
}

/** The log's fields of an attempt that got no answer. */
const noAnswer = { responseStatus: null, durationMs: null, responseExcerpt: null } as const;

/** What an attempt leaves: its record, and what follows it once recorded. */
interface AttemptDecision {
  readonly delivery: ClaimedDelivery;
  readonly record: AttemptRecord;
  readonly retryInMs?: number;
  /** The failure reason an event failed for good with, counted against its endpoint. */
  readonly countsFailure?: string;
}

interface AttemptOutcome {
  readonly result: AttemptResult;
  readonly durationMs: number;
  readonly excerpt: string | null;
  readonly error: string | null;
}

export function createWebhookDelivery(deps: WebhookDeliveryDeps) {
  const { db, repository, attempts, config, logger } = deps;

  async function send(url: string, secret: string, eventId: string, payload: string, signal: AbortSignal) {
    const timestamp = new Date();
    const signature = new Webhook(secret).sign(eventId, timestamp, payload);
    const startedAt = performance.now();
    const elapsed = () => Math.round(performance.now() - startedAt);
    try {
      const response = await deps.outbound.fetch(url, {
        method: 'POST',
        body: payload,
        redirect: 'manual',
        timeoutMs: config.timeoutMs,
        signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Parley-Webhooks/1',
          'webhook-id': eventId,
          'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
          'webhook-signature': signature,
          // The delivery job's trace (platform/tracing): a receiver that traces joins it.
          ...traceHeaders(),
        },
      });
      const excerpt = await readExcerpt(response);
      const isRedirect = response.status >= 300 && response.status < 400;
      return {
        result: { kind: 'answered', status: response.status, retryAfter: response.headers.get('retry-after') },
        durationMs: elapsed(),
        excerpt,
        error: isRedirect
          ? 'The receiver answered with a redirect, which webhooks do not follow: register the final URL'
          : null,
      } satisfies AttemptOutcome;
    } catch (error) {
      signal.throwIfAborted();
      const outcome = (result: AttemptResult, message: string): AttemptOutcome => ({
        result,
        durationMs: elapsed(),
        excerpt: null,
        error: message,
      });
      if (error instanceof OutboundRefusedError) return outcome({ kind: 'refused' }, error.message);
      if (error instanceof OutboundTimeoutError) {
        return outcome({ kind: 'timeout' }, `The receiver did not answer within ${config.timeoutMs} ms`);
      }
      return outcome(
        { kind: 'unreachable' },
        'The receiver could not be reached (connection refused, reset or not found)',
      );
    }
  }

  /** What an attempt that was sent (or could not be) records, and whether it is retried or counted. */
  function decide(delivery: ClaimedDelivery, outcome: AttemptOutcome, isTest: boolean): AttemptDecision {
    const { result } = outcome;
    const isSuccess = result.kind === 'answered' && result.status >= 200 && result.status < 300;
    const fields = {
      tenantId: delivery.tenantId,
      id: delivery.id,
      responseStatus: result.kind === 'answered' ? result.status : null,
      durationMs: outcome.durationMs,
      responseExcerpt: outcome.excerpt,
      error: isSuccess
        ? null
        : (outcome.error ?? `The receiver answered ${result.kind === 'answered' ? result.status : ''}`.trim()),
    };
    if (isSuccess) return { delivery, record: { ...fields, status: 'succeeded', resetsFailures: !isTest } };
    if (isRetryable(result) && delivery.roundAttempts < config.maxAttempts) {
      const retryAfter = result.kind === 'answered' ? result.retryAfter : null;
      const retryInMs = retryDelayMs(delivery.roundAttempts, config.retryBaseMs, retryAfter);
      return { delivery, record: { ...fields, status: 'pending', retryInMs }, retryInMs };
    }
    return { delivery, record: { ...fields, status: 'failed' }, ...(!isTest && { countsFailure: fields.error! }) };
  }

  /** One attempt of one claimed delivery; never throws (an interrupted send is recorded as such). */
  async function attempt(delivery: ClaimedDelivery, signal: AbortSignal): Promise<AttemptDecision> {
    const { tenantId, id } = delivery;
    const isTest = delivery.eventType === testEventType;
    if (!delivery.isEnabled && !isTest) {
      const error = 'Not sent: the endpoint is disabled';
      return { delivery, record: { tenantId, id, ...noAnswer, status: 'failed', error } };
    }
    let outcome: AttemptOutcome;
    try {
      const secret = decryptSecret(deps.credentialsKey, delivery.encryptedSecret);
      outcome = await send(delivery.url, secret, delivery.eventId, delivery.payload, signal);
    } catch (error) {
      if (signal.aborted) {
        // The queue is stopping: the delivery waits for the job's next run (on this node or another).
        const interrupted = 'Interrupted: the server was stopping';
        return { delivery, record: { tenantId, id, ...noAnswer, status: 'pending', error: interrupted, retryInMs: 0 } };
      }
      // Not the receiver's doing (a secret sealed under another server key, say): count it as a
      // failed attempt so the delivery ends instead of being claimed again forever.
      logger.error({ err: error, tenantId, deliveryId: id }, 'A webhook delivery could not be attempted');
      const message = 'Parley could not send this delivery; see the server log';
      outcome = { result: { kind: 'refused' }, durationMs: 0, excerpt: null, error: message };
    }
    return decide(delivery, outcome, isTest);
  }

  /** After the record: the retry's job queued, or the failure counted (which may disable the endpoint). */
  async function followUp({ delivery, retryInMs, countsFailure }: AttemptDecision): Promise<void> {
    const { tenantId, endpointId } = delivery;
    if (retryInMs !== undefined) {
      await deps.scheduler.schedule(delivery.id, tenantId, delivery.attempts, retryInMs);
      return;
    }
    if (countsFailure === undefined) return;
    const reason = `Disabled after ${config.disableAfterFailedEvents} events in a row could not be delivered; the last: ${countsFailure}`;
    const disableRule = {
      disableAfterEvents: config.disableAfterFailedEvents,
      disableAfterMs: config.disableAfterMs,
      reason: shortenTo(reason, 500),
    };
    if (await repository.countFailure(db, tenantId, endpointId, disableRule)) {
      logger.warn({ tenantId, webhookId: endpointId }, 'A webhook endpoint that kept failing was disabled');
    }
  }

  /** Attempts recorded in one statement, then each one's follow-up. */
  async function finish(decisions: readonly AttemptDecision[]): Promise<void> {
    if (decisions.length === 0) return;
    await attempts.recordAttempts(
      db,
      decisions.map((decision) => decision.record),
    );
    await Promise.all(decisions.map(followUp));
  }

  // Slow sends, running past their batches; stopped and awaited by close().
  const stopping = new AbortController();
  const slowSends = new Set<Promise<void>>();
  const maxSlowSends = config.deliveryConcurrency * slowSendsPerSlot;
  const slowSendLimit = {
    afterMs: slowSendAfterMs,
    perEndpoint: config.deliveryConcurrency * slowSendsPerEndpointPerSlot,
  };
  /**
   * Queues jobs for up to `count` of the endpoint's waiting deliveries. A failure is only logged: the
   * sweep of overdue deliveries queues them a minute or two later.
   */
  async function kickWaiting(tenantId: string, endpointId: string, count: number): Promise<void> {
    if (stopping.signal.aborted) return;
    try {
      const waiting = await attempts.takeWaiting(db, tenantId, endpointId, count);
      await Promise.all(waiting.map((each) => deps.scheduler.kick(each.id, each.tenantId, each.attempts)));
    } catch (error) {
      if (!stopping.signal.aborted) {
        logger.warn(
          { err: error, tenantId, webhookId: endpointId },
          "Could not queue an endpoint's waiting deliveries",
        );
      }
    }
  }

  function finishOnItsOwn(send: Promise<AttemptDecision>): void {
    const finished: Promise<void> = send
      .then(async (decision) => {
        await finish([decision]);
        await kickWaiting(decision.delivery.tenantId, decision.delivery.endpointId, 1);
      })
      .catch((error: unknown) => {
        // Stopping, the queue refuses the retry's job: the delivery is left pending, and the sweep of
        // overdue deliveries queues it again on a node that runs.
        if (!stopping.signal.aborted) logger.error({ err: error }, 'A slow webhook delivery could not be recorded');
      })
      .finally(() => slowSends.delete(finished));
    slowSends.add(finished);
  }

  /** Two more waiting deliveries for each one taken earlier that its endpoint answered promptly. */
  async function kickAfterPromptAnswers(decisions: readonly AttemptDecision[]): Promise<void> {
    const perEndpoint = new Map<string, { tenantId: string; count: number }>();
    for (const decision of decisions) {
      const { endpointId, tenantId } = decision.delivery;
      const entry = perEndpoint.get(endpointId) ?? { tenantId, count: 0 };
      perEndpoint.set(endpointId, { tenantId, count: entry.count + 2 });
    }
    await Promise.all(
      [...perEndpoint].map(([endpointId, { tenantId, count }]) => kickWaiting(tenantId, endpointId, count)),
    );
  }

  return {
    /**
     * The `webhooks.deliver` jobs of one fetch: one attempt of each delivery this node claims, sent side
     * by side, with one statement to claim them all and one to record those answered within
     * slowSendAfterMs; the rest are recorded one by one as they answer.
     */
    async deliverBatch(jobs: readonly BatchedJob<object>[]): Promise<void> {
      const [first] = jobs;
      if (!first) return;
      const signal = AbortSignal.any([first.job.signal, stopping.signal]);
      const kicked = new Set<string>();
      const keys = jobs.map(({ data }) => {
        const { deliveryId, tenantId, kicked: wasKicked } = deliverJobData.parse(data);
        if (wasKicked) kicked.add(deliveryId);
        return { id: deliveryId, tenantId };
      });
      // Those not claimed were delivered, deleted, not due yet, or another node has them.
      const claimed = await attempts.claimDeliveries(db, keys, staleClaimMs, slowSendLimit);
      const sends = claimed.map((delivery) => attempt(delivery, signal));
      const answered = await settledWithin(sends, slowSendAfterMs);
      const prompt = answered.filter((decision) => decision !== undefined);
      await finish(prompt);
      sends.forEach((send, index) => answered[index] === undefined && finishOnItsOwn(send));
      await kickAfterPromptAnswers(prompt.filter((decision) => kicked.has(decision.delivery.id)));
      while (slowSends.size > maxSlowSends) await Promise.race(slowSends);
      // Interrupted: the jobs go back to the queue, and the deliveries left pending are claimed again.
      first.job.signal.throwIfAborted();
    },

    /**
     * Gives the slow sends still running `graceMs` to answer, as the queue gives its jobs, then ends them
     * (recorded as interrupted: pending, to be tried again).
     */
    async close(graceMs: number): Promise<void> {
      await boundedBy(Promise.allSettled([...slowSends]), graceMs);
      stopping.abort(new Error('The server is stopping'));
      while (slowSends.size > 0) await Promise.allSettled([...slowSends]);
    },
  };
}
