import type { Logger } from '../logger.js';

/** How long a node's silence is taken for its death: four missed renewals. */
export const defaultLeaseSeconds = 120;

export interface JobLeasesDeps {
  /** pg-boss's tracked adapter, so the queue's stop waits for these queries too. */
  readonly executeSql: (text: string, values: unknown[]) => Promise<{ rows: unknown[] }>;
  readonly logger: Logger;
  readonly leaseSeconds: number;
  /** Sends a job whose node has died to its retry (pg-boss's fail). */
  readonly retry: (queue: string, jobId: string) => Promise<void>;
}

/**
 * Leases on the jobs this node runs, on PostgreSQL (table `job_leases`, schema/jobs.ts). pg-boss 10 knows
 * a job was lost only once its expiry passes, 15 minutes for an ingestion; here a node renews the rows
 * of its running jobs every quarter lease, and every node, every half lease, sends the jobs of rows left
 * unrenewed for a whole lease to their retry. A node stalled that long may still finish the job: the
 * handlers are written to run again without harm (ingestion replaces a document's chunks by generation).
 */
export function createJobLeases(deps: JobLeasesDeps) {
  const held = new Set<string>();
  const timers: NodeJS.Timeout[] = [];

  const every = (seconds: number, task: () => Promise<void>): void => {
    let isRunning = false;
    const timer = setInterval(() => {
      if (isRunning) return;
      isRunning = true;
      task()
        // The database being away is reported by the queue's own polling; the next round tries again.
        .catch((error: unknown) => deps.logger.debug({ err: error }, 'A job lease round failed'))
        .finally(() => {
          isRunning = false;
        });
    }, seconds * 1000);
    timer.unref();
    timers.push(timer);
  };

  const renew = async (): Promise<void> => {
    if (held.size === 0) return;
    await deps.executeSql('update job_leases set renewed_at = now() where job_id = any($1::uuid[])', [[...held]]);
  };

  const retryAbandoned = async (): Promise<void> => {
    // Only jobs still active: one that finished or was already expired by pg-boss is left as it is.
    // Also a job active for a whole lease with no row at all: pg-boss marks a job active when it hands it
    // out, and a node that died before its `hold` was written left nothing to expire (an audit's job sat
    // 16 minutes, until pg-boss's own expiry).
    const { rows } = await deps.executeSql(
      `with expired as (
         delete from job_leases where renewed_at < now() - make_interval(secs => $1) returning job_id, queue
       )
       select expired.queue, expired.job_id as "jobId" from expired
       join pgboss.job on job.id = expired.job_id and job.name = expired.queue and job.state = 'active'
       union
       select job.name as queue, job.id as "jobId" from pgboss.job
       where job.state = 'active' and job.started_on < now() - make_interval(secs => $1)
         and not exists (select 1 from job_leases where job_leases.job_id = job.id)`,
      [deps.leaseSeconds],
    );
    const abandoned = rows as { queue: string; jobId: string }[];
    for (const { queue, jobId } of abandoned) await deps.retry(queue, jobId);
    if (abandoned.length) {
      deps.logger.warn(
        { jobIds: abandoned.map(({ jobId }) => jobId) },
        'Jobs of a node that stopped go to their retry',
      );
    }
  };

  return {
    start(): void {
      every(deps.leaseSeconds / 4, renew);
      every(deps.leaseSeconds / 2, retryAbandoned);
    },

    /** The jobs of one fetch, in one statement. */
    async hold(queue: string, jobIds: readonly string[]): Promise<void> {
      for (const jobId of jobIds) held.add(jobId);
      await deps.executeSql(
        `insert into job_leases (job_id, queue) select unnest($1::uuid[]), $2
         on conflict (job_id) do update set renewed_at = now(), queue = excluded.queue`,
        [jobIds, queue],
      );
    },

    async release(jobIds: readonly string[]): Promise<void> {
      for (const jobId of jobIds) held.delete(jobId);
      await deps.executeSql('delete from job_leases where job_id = any($1::uuid[])', [jobIds]);
    },

    stop(): void {
      for (const timer of timers.splice(0)) clearInterval(timer);
    },
  };
}
