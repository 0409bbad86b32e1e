import PgBoss from 'pg-boss';
import { inSpan } from '../tracing/spans.js';
import { jobSpanOptions, withoutTraceContext, withTraceContext } from './job-trace-context.js';
import { runAsBackgroundWork } from '../db/background-work.js';
import { whileSettingUp } from '../db/setup-lock.js';
import { AppError } from '../errors.js';
import { newId } from '../ids.js';
import type { BatchJobHandler, JobHandler, JobQueue, JobQueueDeps, WorkOptions } from './job-queue.js';
import { createJobLeases, defaultLeaseSeconds } from './job-leases.js';
import { createPgBossDatabase } from './pg-boss-database.js';
import { reportUnawaitedOutcomes } from './unawaited-outcomes.js';
import { RunningJobs } from './running-jobs.js';

/** Defaults for a queue that does not say: three retries backing off from 10 s (1–2 minutes in all), 15 minutes to finish. */
export const defaultWorkOptions = {
  concurrency: 1,
  retryLimit: 3,
  retryDelaySeconds: 10,
  expireInSeconds: 15 * 60,
} as const satisfies Required<WorkOptions>;

const defaultGraceMs = 10_000;
/** How long handlers get, after their signal is aborted, to notice it and return. */
const abortedSettleMs = 5_000;

/** Every queue runs batches; a queue registered one job at a time has batches of one. */
interface Registration {
  readonly handler: BatchJobHandler<object>;
  readonly options: Required<WorkOptions>;
  readonly batchSize: number;
}

/**
 * The job queue on pg-boss 10, over whichever database the server runs on. Each queue uses pg-boss's
 * "short" policy: at most one waiting job per singleton key. A send without a key gets a fresh one, so
 * only sends that name the same key are collapsed; once a job has started, the same key may queue again
 * (the newer data then gets its own run).
 */
export function createJobQueue(deps: JobQueueDeps): JobQueue {
  const { logger } = deps;
  const bossDatabase = createPgBossDatabase(deps.database);
  const boss = new PgBoss({
    db: bossDatabase,
    // No cron schedules, so no clock-skew monitor; maintenance (expiring, archiving and deleting old jobs)
    // keeps pg-boss's 2-minute cadence, and queue-size monitoring stays off: it would only add queries.
    schedule: false,
    supervise: true,
  });
  // A database that is down fails every worker's poll; one line a minute per message says so well enough.
  const reportError = throttled(60_000, (error: Error) =>
    logger.error({ err: error }, 'The job queue reported an error'),
  );
  boss.on('error', (error) => reportError(error.message, error));
  reportUnawaitedOutcomes((error) => reportError(error.message, error));

  // On PostgreSQL other nodes may die mid-job; embedded storage has one process, and its start-up
  // catches what an ended process left (retryJobsOfEndedProcess).
  const leases =
    deps.database.kind === 'postgres'
      ? createJobLeases({
          executeSql: (text, values) => bossDatabase.executeSql(text, values),
          logger,
          leaseSeconds: deps.leaseSeconds ?? defaultLeaseSeconds,
          retry: async (queue, jobId) => {
            await boss.fail(queue, jobId, { reason: 'The node running this job stopped renewing its lease' });
            notifyWorkers(queue);
          },
        })
      : undefined;

  const registrations = new Map<string, Registration>();
  const workerIdsByQueue = new Map<string, string[]>();
  const running = new RunningJobs();
  let state: 'new' | 'starting' | 'started' | 'stopped' = 'new';

  const declareQueue = async (name: string, options: Required<WorkOptions>): Promise<void> => {
    const queue: PgBoss.Queue = {
      name,
      policy: 'short',
      retryLimit: options.retryLimit,
      retryDelay: options.retryDelaySeconds,
      retryBackoff: options.retryDelaySeconds > 0,
      expireInSeconds: options.expireInSeconds,
    };
    await boss.createQueue(name, queue);
    // createQueue leaves an existing queue as it was; a deployment that changed the options must win.
    await boss.updateQueue(name, queue);
  };

  const startWorkers = async (name: string, registration: Registration): Promise<void> => {
    const ids: string[] = [];
    workerIdsByQueue.set(name, ids);
    const pollingIntervalSeconds = Math.max(0.5, deps.pollIntervalSeconds ?? 2);
    // One pg-boss worker per unit of concurrency: each fetches one batch, so a slow batch holds up only its slot.
    for (let slot = 0; slot < registration.options.concurrency; slot += 1) {
      const workerId = await boss.work<object>(
        name,
        { batchSize: registration.batchSize, includeMetadata: true, pollingIntervalSeconds },
        async (jobs) => {
          if (jobs.length === 0) return;
          // A fetch already out when stop() began still hands over its jobs: give them back instead of
          // starting work on a database about to close.
          if (state === 'stopped') {
            if (await handBack(name, jobs)) return;
            throw new Error('The job queue stopped before this job could start');
          }
          await runJobs(name, registration, jobs);
          // There may be more waiting: fetch again now instead of sleeping through the polling interval.
          notifyWorkers(name);
        },
      );
      ids.push(workerId);
    }
  };

  /**
   * On embedded storage this process is the only one on the database (the data directory is claimed,
   * data-dir-lock.ts), so a job still `active` at start-up was running in a process that has ended: a
   * crash, or a stop that ran out of grace. pg-boss would leave it until it expires (15 minutes for an
   * ingestion, its document showing `processing` all along); failing it now sends it to its retry.
   * On PostgreSQL another node may be running it, so expiry stays the rule there.
   */
  const retryJobsOfEndedProcess = async (): Promise<void> => {
    const { rows } = await deps.database.executeSql(
      `select name, id from pgboss.job where state = 'active' and name = any($1)`,
      [[...registrations.keys()]],
    );
    const orphans = rows as { name: string; id: string }[];
    for (const { name, id } of orphans) {
      await boss.fail(name, id, { reason: 'The process running this job ended before it finished' });
    }
    if (orphans.length)
      logger.info({ jobs: orphans.length }, 'Jobs left running by an ended process go to their retry');
  };

  /**
   * Jobs this node's stop interrupted go back to the queue with their attempt not counted: they did not
   * fail, and rolling restarts through a long ingestion must not use up its retries. pg-boss's own
   * completion of them then finds them no longer active and leaves them be. False when none was active.
   */
  const handBack = async (name: string, jobs: readonly PgBoss.Job<object>[]): Promise<boolean> => {
    const jobIds = jobs.map((job) => job.id);
    const { rows } = await bossDatabase.executeSql(
      `update pgboss.job set state = 'retry', started_on = null, start_after = now()
       where name = $1 and id = any($2::uuid[]) and state = 'active' returning id`,
      [name, `{${jobIds.join(',')}}`],
    );
    if (rows.length > 0) {
      logger.info({ queue: name, ...jobIdFields(jobIds) }, 'Job handed back unfinished: the queue is stopping');
    }
    return rows.length > 0;
  };

  const notifyWorkers = (name: string): void => {
    for (const workerId of workerIdsByQueue.get(name) ?? []) boss.notifyWorker(workerId);
  };

  const runJobs = async (name: string, registration: Registration, jobs: PgBoss.JobWithMetadata<object>[]) => {
    const jobIds = jobs.map((job) => job.id);
    const expireInMs = Math.min(...jobs.map((job) => Number(job.expireInSeconds) * 1000));
    await running.run(jobIds.join(','), expireInMs, async (signal) => {
      await leases?.hold(name, jobIds);
      try {
        await runHandler(name, registration, jobs, signal);
      } finally {
        // A row that stays is removed by the next round of retryAbandoned, which leaves a finished job be.
        await leases?.release(jobIds).catch(() => undefined);
      }
    });
  };

  const runHandler = async (
    name: string,
    registration: Registration,
    jobs: PgBoss.JobWithMetadata<object>[],
    signal: AbortSignal,
  ) => {
    try {
      // Its database calls let requests' statements go first on embedded storage's one session.
      const sent = jobs.map((job) => withoutTraceContext(job.data));
      // A trace of its own, linked to the span that queued it (a turn's, a request's) when tracing is on.
      const span = jobSpanOptions(name, sent, jobs[0]?.retryCount ?? 0);
      await runAsBackgroundWork(() =>
        inSpan(`process ${name}`, span, () =>
          registration.handler(
            jobs.map((job, index) => ({
              data: sent[index]!.data,
              job: { id: job.id, retryCount: job.retryCount, signal },
            })),
          ),
        ),
      );
      // A handler that returned because it was interrupted has not finished its work: run it again later.
      signal.throwIfAborted();
    } catch (error) {
      if (signal.aborted && state === 'stopped' && (await handBack(name, jobs))) return;
      const jobIds = jobFields(jobs);
      if (error instanceof AppError && error.details.endsJob) {
        logger.warn({ queue: name, ...jobIds }, `Job ended without a retry: ${error.message}`);
        return;
      }
      // Name, id and attempt only: job data may hold secrets.
      const [first] = jobs;
      const willRetry = jobs.some((job) => job.retryCount < job.retryLimit);
      logger.warn(
        { err: error, queue: name, ...jobIds, retryCount: first?.retryCount, retryLimit: first?.retryLimit },
        willRetry ? 'Job failed; it will be retried' : 'Job failed for the last time',
      );
      throw error;
    }
  };

  const addRegistration = (
    name: string,
    handler: BatchJobHandler<object>,
    options: WorkOptions,
    batchSize: number,
  ): void => {
    if (state !== 'new') throw new Error(`Job queue '${name}' was registered after start()`);
    if (registrations.has(name)) throw new Error(`Job queue '${name}' is registered twice`);
    registrations.set(name, { handler, options: { ...defaultWorkOptions, ...options }, batchSize });
  };

  const readyToSend = async (name: string): Promise<void> => {
    if (state !== 'started') {
      const when = state === 'stopped' ? 'after the job queue stopped' : 'before the job queue was started';
      throw new Error(`Job '${name}' was sent ${when}`);
    }
    if (!registrations.has(name) && !workerIdsByQueue.has(name)) {
      // A process that sends to a queue it does not work (the API role) still needs the queue to exist.
      await declareQueue(name, defaultWorkOptions);
      workerIdsByQueue.set(name, []);
    }
  };

  return {
    register(name, handler, options = {}) {
      const runOne = handler as JobHandler<object>;
      const runBatchOfOne: BatchJobHandler<object> = ([first]) =>
        first ? runOne(first.data, first.job) : Promise.resolve();
      addRegistration(name, runBatchOfOne, options, 1);
    },

    registerBatch(name, handler, { batchSize, ...options }) {
      addRegistration(name, handler as BatchJobHandler<object>, options, batchSize);
    },

    async send(name, data, options = {}) {
      await readyToSend(name);
      if (options.isSkippedWhileRetrying && options.singletonKey !== undefined) {
        const { rows } = await bossDatabase.executeSql(
          `select 1 from pgboss.job where name = $1 and singleton_key = $2 and state = 'retry' limit 1`,
          [name, options.singletonKey],
        );
        if (rows.length > 0) return null;
      }
      const id = await boss.send(name, withTraceContext(data), {
        singletonKey: options.singletonKey ?? newId(),
        ...(options.startAfterSeconds !== undefined && { startAfter: options.startAfterSeconds }),
      });
      if (options.startAfterSeconds === undefined) notifyWorkers(name);
      return id;
    },

    async sendMany(name, jobs) {
      if (jobs.length === 0) return;
      await readyToSend(name);
      await boss.insert(
        jobs.map((job) => ({ name, data: withTraceContext(job.data), singletonKey: job.singletonKey })),
      );
      notifyWorkers(name);
    },

    async start() {
      if (state !== 'new') throw new Error('The job queue can be started once');
      state = 'starting';
      // pg-boss's schema and queues are shared by every node: one node at a time creates them.
      await whileSettingUp(
        deps.database,
        async () => {
          await boss.start();
          for (const [name, registration] of registrations) await declareQueue(name, registration.options);
        },
        logger,
      );
      if (deps.database.kind === 'embedded') await retryJobsOfEndedProcess();
      for (const [name, registration] of registrations) await startWorkers(name, registration);
      if (registrations.size > 0) leases?.start();
      state = 'started';
    },

    async stop(options = {}) {
      if (state !== 'started') return;
      state = 'stopped';
      leases?.stop();
      const graceMs = options.graceMs ?? defaultGraceMs;
      // pg-boss stops fetching at once, then waits for its running jobs at most this long before failing
      // them (they go back to retry). Ours are aborted first, after the grace.
      const bossStopped = boss.stop({ graceful: true, close: false, wait: true, timeout: graceMs + abortedSettleMs });
      if (!(await running.settled(graceMs))) {
        running.abortAll(new Error('The job queue is stopping'));
        if (!(await running.settled(abortedSettleMs))) {
          logger.warn({ jobIds: running.ids() }, 'Jobs still running after the job queue stopped');
        }
      }
      await bossStopped;
      // pg-boss's stop does not wait for a fetch in flight, nor for the write recording a finished job.
      await bossDatabase.idle();
    },
  };
}

/** A batch of one is logged as before, by its `jobId`. */
function jobIdFields(jobIds: readonly string[]): { jobId: string } | { jobIds: readonly string[] } {
  return jobIds.length === 1 ? { jobId: jobIds[0]! } : { jobIds };
}

function jobFields(jobs: readonly PgBoss.Job<object>[]) {
  return jobIdFields(jobs.map((job) => job.id));
}

/** Calls `report` for a key at most once per intervalMs. */
function throttled<T>(intervalMs: number, report: (value: T) => void): (key: string, value: T) => void {
  const lastReportedAt = new Map<string, number>();
  return (key, value) => {
    const now = Date.now();
    if (now - (lastReportedAt.get(key) ?? -Infinity) < intervalMs) return;
    if (lastReportedAt.size > 100) lastReportedAt.clear();
    lastReportedAt.set(key, now);
    report(value);
  };
}
