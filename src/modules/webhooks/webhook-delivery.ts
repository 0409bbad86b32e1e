import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import type { Config } from '../../config.js';
import type { Database } from '../../platform/db/client.js';
import type { JobContext, JobQueue, WorkOptions } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/logger.js';
import { OutboundRefusedError, OutboundTimeoutError, type OutboundHttp } from '../../platform/outbound/index.js';
import { decryptSecret } from '../../platform/secrets.js';
import { shortenTo } from '../../platform/text-cut.js';
import { isRetryable, retryDelayMs, type AttemptResult } from './retry-schedule.js';
import { testEventType } from './webhook-event-types.js';
import type { StoredDelivery, WebhooksRepository } from './webhooks.repository.js';

export const deliverJobName = 'webhooks.deliver';

const deliverJobData = z.object({ deliveryId: z.uuid(), tenantId: z.uuid() });

/**
 * The job sends one attempt and queues the next itself (with the wait the retry rule gives), so pg-boss's
 * own retries are only for a handler that could not reach the database.
 */
export const deliverWorkOptions = {
  concurrency: 4, // WEBHOOK_DELIVERY_CONCURRENCY replaces it
  retryLimit: 5,
  retryDelaySeconds: 10,
  expireInSeconds: 5 * 60,
} as const satisfies WorkOptions;

/** A claim older than this belongs to a node that stopped mid-attempt: another may take the delivery. */
const staleClaimMs = 2 * 60_000;
/** What the delivery log keeps of an answer. */
const excerptCharacters = 500;
const excerptReadBytes = 4096;

export interface DeliveryScheduler {
  /** Queues an attempt of the delivery `delayMs` from now; one job per attempt, however often asked. */
  schedule(deliveryId: string, tenantId: string, attemptsMade: number, delayMs?: number): Promise<void>;
}

export function createDeliveryScheduler(jobs: Pick<JobQueue, 'send'>): DeliveryScheduler {
  return {
    async schedule(deliveryId, tenantId, attemptsMade, delayMs = 0) {
      await jobs.send(
        deliverJobName,
        { deliveryId, tenantId },
        {
          singletonKey: `${deliveryId}:${attemptsMade}`,
          ...(delayMs > 0 && { startAfterSeconds: delayMs / 1000 }),
        },
      );
    },
  };
}

export interface WebhookDeliveryDeps {
  readonly db: Database;
  readonly repository: WebhooksRepository;
  readonly outbound: Pick<OutboundHttp, 'fetch'>;
  readonly scheduler: DeliveryScheduler;
  readonly credentialsKey: Buffer;
  readonly config: Config['webhooks'];
  readonly logger: Logger;
}

/** The log's fields of an attempt that got no answer. */
const noAnswer = { responseStatus: null, durationMs: null, responseExcerpt: null } as const;

interface AttemptOutcome {
  readonly result: AttemptResult;
  readonly durationMs: number;
  readonly excerpt: string | null;
  readonly error: string | null;
}

export function createWebhookDelivery(deps: WebhookDeliveryDeps) {
  const { db, repository, config, logger } = deps;

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

  async function finish(delivery: StoredDelivery, outcome: AttemptOutcome, isTest: boolean): Promise<void> {
    const { result } = outcome;
    const isSuccess = result.kind === 'answered' && result.status >= 200 && result.status < 300;
    const fields = {
      responseStatus: result.kind === 'answered' ? result.status : null,
      durationMs: outcome.durationMs,
      responseExcerpt: outcome.excerpt,
      error: isSuccess
        ? null
        : (outcome.error ?? `The receiver answered ${result.kind === 'answered' ? result.status : ''}`.trim()),
    };
    const { tenantId, endpointId } = delivery;
    if (isSuccess) {
      await repository.recordAttempt(db, tenantId, delivery.id, { status: 'succeeded', ...fields });
      if (!isTest) await repository.resetFailures(db, tenantId, endpointId);
      return;
    }
    if (isRetryable(result) && delivery.roundAttempts < config.maxAttempts) {
      const retryAfter = result.kind === 'answered' ? result.retryAfter : null;
      const retryInMs = retryDelayMs(delivery.roundAttempts, config.retryBaseMs, retryAfter);
      await repository.recordAttempt(db, tenantId, delivery.id, { status: 'pending', ...fields, retryInMs });
      await deps.scheduler.schedule(delivery.id, tenantId, delivery.attempts, retryInMs);
      return;
    }
    await repository.recordAttempt(db, tenantId, delivery.id, { status: 'failed', ...fields });
    if (isTest) return;
    const reason = `Disabled after ${config.disableAfterFailedEvents} events in a row could not be delivered; the last: ${fields.error}`;
    const disableRule = {
      disableAfterEvents: config.disableAfterFailedEvents,
      disableAfterMs: config.disableAfterMs,
      reason: shortenTo(reason, 500),
    };
    if (await repository.countFailure(db, tenantId, endpointId, disableRule)) {
      logger.warn({ tenantId, webhookId: endpointId }, 'A webhook endpoint that kept failing was disabled');
    }
  }

  return {
    /** The `webhooks.deliver` job: one attempt of one delivery, by whichever node claims it. */
    async deliver(data: object, job: JobContext): Promise<void> {
      const { deliveryId, tenantId } = deliverJobData.parse(data);
      const delivery = await repository.claimDelivery(db, tenantId, deliveryId, staleClaimMs);
      if (!delivery) return; // Delivered, deleted, or another node has it.
      const [endpoint, event] = await Promise.all([
        repository.findEndpoint(db, tenantId, delivery.endpointId),
        repository.findEvent(db, tenantId, delivery.eventId),
      ]);
      if (!endpoint || !event) return;
      const isTest = event.type === testEventType;
      if (!endpoint.isEnabled && !isTest) {
        await repository.recordAttempt(db, tenantId, deliveryId, {
          ...noAnswer,
          status: 'failed',
          error: 'Not sent: the endpoint is disabled',
        });
        return;
      }
      let outcome: AttemptOutcome;
      try {
        const secret = decryptSecret(deps.credentialsKey, endpoint.encryptedSecret);
        outcome = await send(endpoint.url, secret, event.id, event.payload, job.signal);
      } catch (error) {
        if (job.signal.aborted) {
          // The queue is stopping: the delivery waits for the job's next run (on this node or another).
          const interrupted = 'Interrupted: the server was stopping';
          await repository.recordAttempt(db, tenantId, deliveryId, {
            ...noAnswer,
            status: 'pending',
            error: interrupted,
            retryInMs: 0,
          });
          throw error;
        }
        // Not the receiver's doing (a secret sealed under another server key, say): count it as a
        // failed attempt so the delivery ends instead of being claimed again forever.
        logger.error({ err: error, tenantId, deliveryId }, 'A webhook delivery could not be attempted');
        const message = 'Parley could not send this delivery; see the server log';
        outcome = { result: { kind: 'refused' }, durationMs: 0, excerpt: null, error: message };
      }
      await finish(delivery, outcome, isTest);
    },
  };
}

/** The start of the answer, read no further than a few kilobytes. */
async function readExcerpt(response: Response): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < excerptReadBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // An answer cut off mid-body still has a status; what was read is kept.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const text = Buffer.concat(chunks).subarray(0, excerptReadBytes).toString('utf8');
  const readable = text.replaceAll('\u0000', '');
  return readable === '' ? null : shortenTo(readable, excerptCharacters);
}
