import type { DatabaseHandle } from '../db/client.js';
import type { Logger } from '../logger.js';

export interface JobContext {
  readonly id: string;
  readonly retryCount: number;
  /** Aborted when the queue stops (after its grace) or the job expires. */
  readonly signal: AbortSignal;
}

export interface WorkOptions {
  readonly concurrency?: number;
  readonly retryLimit?: number;
  readonly retryDelaySeconds?: number;
  readonly expireInSeconds?: number;
}

export interface SendOptions {
  readonly singletonKey?: string;
  /**
   * Also adds nothing while a job of the same key waits for its retry: pg-boss's "short" policy collapses
   * only jobs not yet started, so a failed one waiting out its backoff would otherwise get a twin.
   */
  readonly isSkippedWhileRetrying?: boolean;
  readonly startAfterSeconds?: number;
}

export type JobHandler<T extends object> = (data: T, job: JobContext) => Promise<void>;

/** A job of a batch: its data and its context (every job of one batch shares the signal). */
export interface BatchedJob<T extends object> {
  readonly data: T;
  readonly job: JobContext;
}

/**
 * Runs the jobs of one fetch together: they all complete when it returns, and all go to their retry
 * when it throws. For work whose own rows say what is done (a retried job finds it done and skips it).
 */
export type BatchJobHandler<T extends object> = (jobs: readonly BatchedJob<T>[]) => Promise<void>;

export interface JobQueue {
  /** Declares a queue and its handler; call before start(). */
  register<T extends object>(name: string, handler: JobHandler<T>, options?: WorkOptions): void;
  /** Like register, but each of the `concurrency` workers fetches up to `batchSize` jobs at once. */
  registerBatch<T extends object>(
    name: string,
    handler: BatchJobHandler<T>,
    options: WorkOptions & { readonly batchSize: number },
  ): void;
  send<T extends object>(name: string, data: T, options?: SendOptions): Promise<string | null>;
  /** Queues many jobs in one statement (each with its singleton key); a key already waiting is skipped. */
  sendMany<T extends object>(name: string, jobs: readonly { data: T; singletonKey: string }[]): Promise<void>;
  start(): Promise<void>;
  /** Stops fetching, aborts running handlers' signals after a grace, waits for them (bounded). */
  stop(options?: { graceMs?: number }): Promise<void>;
}

export interface JobQueueDeps {
  readonly database: DatabaseHandle;
  readonly logger: Logger;
  readonly pollIntervalSeconds?: number;
  /** On PostgreSQL: how long a running job's node may go without renewing its lease (job-leases.ts). */
  readonly leaseSeconds?: number;
}
