import type { Database } from '../../../platform/db/client.js';
import type { JobQueue, WorkOptions } from '../../../platform/jobs/index.js';
import type { Logger } from '../../../platform/logger.js';
import type { IngestionScheduler } from './ingestion-job.js';
import type { createIngestionRepository } from './ingestion.repository.js';

/** The pg-boss queue of the start-up pass below. */
export const indexRefreshJobName = 'knowledge.index-refresh';
export const indexRefreshWorkOptions: WorkOptions = { concurrency: 1, retryLimit: 3, expireInSeconds: 10 * 60 };

/** Documents restarted per statement: each batch's ingestion jobs are queued before the next is read. */
const batchSize = 200;

export interface IndexRefresh {
  /** At start-up, on nodes that run jobs: one job however many nodes start (the queue's key). */
  schedule(): Promise<void>;
  /**
   * The job: every ready document whose index an older version wrote (index-versions.ts: no spellings,
   * or offline vectors of older features) is reindexed through the ingestion job, as `POST …/reindex`
   * does; its passages stay searched until the new ones are published.
   */
  run(): Promise<void>;
}

export function createIndexRefresh(deps: {
  db: Database;
  jobs: Pick<JobQueue, 'send'>;
  repository: Pick<ReturnType<typeof createIngestionRepository>, 'restartOutdated'>;
  ingestion: IngestionScheduler;
  logger: Logger;
}): IndexRefresh {
  return {
    async schedule() {
      await deps.jobs.send(indexRefreshJobName, {}, { singletonKey: indexRefreshJobName });
    },

    async run() {
      let restartedCount = 0;
      for (;;) {
        const restarted = await deps.repository.restartOutdated(deps.db, batchSize);
        if (restarted.length === 0) break;
        for (const tenantId of new Set(restarted.map((document) => document.tenantId))) {
          const documents = restarted.filter((document) => document.tenantId === tenantId);
          await deps.ingestion.schedule(tenantId, documents);
        }
        restartedCount += restarted.length;
      }
      if (restartedCount > 0) {
        deps.logger.info(
          { documents: restartedCount },
          'reindexing knowledge documents an older index version wrote (spellings, offline vectors)',
        );
      }
    },
  };
}
