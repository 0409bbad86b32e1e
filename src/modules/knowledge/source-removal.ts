import { z } from 'zod';
import type { Database, Executor } from '../../platform/db/client.js';
import type { JobContext, JobQueue, WorkOptions } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/logger.js';
import type { FileStorage } from '../../platform/storage/index.js';
import { removeSourceIndexBatch } from './retrieval/knowledge-index.repository.js';
import type { SourcesRepository } from './sources.repository.js';

/** The pg-boss queue that removes a deleted source's rows and files. */
export const removeSourceJobName = 'knowledge.remove-source';

export const removeSourceWorkOptions: WorkOptions = {
  concurrency: 1,
  retryLimit: 3,
  retryDelaySeconds: 5,
  // Presumed lost with its node after this; pg-boss then retries it, and the upkeep catches what is left.
  expireInSeconds: 15 * 60,
};

/**
 * Documents per transaction, once the index is gone. Each row's removal checks the foreign keys of its
 * chunks and writes; two batches of 1,000 held an embedded server under 70 ms (BENCHMARKS.md).
 */
const documentsPerRemoval = 1000;

/** Checked again when the job runs: job payloads are an edge like any other. */
const removeSourceJobData = z.strictObject({ tenantId: z.uuid(), sourceId: z.uuid() });
type RemoveSourceJobData = z.infer<typeof removeSourceJobData>;

export interface SourceRemovalDeps {
  readonly db: Database;
  readonly logger: Logger;
  readonly jobs: Pick<JobQueue, 'send'>;
  readonly sources: Pick<SourcesRepository, 'lockDeleted' | 'removeDocuments' | 'deleteRow' | 'deletedBefore'>;
  readonly storage: Pick<FileStorage, 'remove'>;
  /** Queued once a source is gone, so VACUUM reclaims its pages; never throws (it logs instead). */
  readonly scheduleIndexUpkeep: () => Promise<void>;
}

/**
 * What follows DELETE of a knowledge source, which only hides it (ADR 12): a batch per transaction, its
 * chunks, then its term statistics, then its documents with their files, and its row last. One
 * cascading statement held an embedded server for as long as the whole removal (BENCHMARKS.md,
 * "Deleting a knowledge source").
 */
export function createSourceRemoval(deps: SourceRemovalDeps) {
  const { db } = deps;

  async function remove(tenantId: string, sourceId: string, signal?: AbortSignal): Promise<void> {
    /**
     * One transaction of the removal, holding the source's row as every write and removal of a source
     * does first; undefined, doing nothing, when the source is live or already gone.
     */
    const inDeletedSource = <T>(step: (tx: Executor) => Promise<T>): Promise<T | undefined> =>
      db.transaction(async (tx) => ((await deps.sources.lockDeleted(tx, tenantId, sourceId)) ? step(tx) : undefined));

    await inBatches(signal, async () => {
      const removed = await inDeletedSource((tx) => removeSourceIndexBatch(tx, tenantId, sourceId));
      return (removed ?? 0) > 0;
    });
    await inBatches(signal, async () => {
      const removed = await inDeletedSource((tx) =>
        deps.sources.removeDocuments(tx, tenantId, sourceId, documentsPerRemoval),
      );
      await removeFiles(removed?.storageKeys ?? []);
      return removed?.documents === documentsPerRemoval;
    });
    // Documents inserted meanwhile (an upload that began before the delete) go with the row.
    const left = await inDeletedSource(async (tx) => {
      const { storageKeys } = await deps.sources.removeDocuments(tx, tenantId, sourceId);
      await deps.sources.deleteRow(tx, tenantId, sourceId);
      return storageKeys;
    });
    await removeFiles(left ?? []);
  }

  /** Runs `batch` until it answers that nothing is left. */
  async function inBatches(signal: AbortSignal | undefined, batch: () => Promise<boolean>): Promise<void> {
    for (let isMoreLeft = true; isMoreLeft;) {
      signal?.throwIfAborted();
      isMoreLeft = await batch();
    }
  }

  /** After the commit that removed their rows, so a rollback keeps the files of rows that stay. */
  async function removeFiles(storageKeys: readonly string[]): Promise<void> {
    await Promise.all(storageKeys.map((key) => deps.storage.remove(key)));
  }

  return {
    /**
     * After the commit that hid the source. Never throws: the delete has happened for every reader, and
     * should the job not be queued, the upkeep finishes the removal later.
     */
    async schedule(tenantId: string, sourceId: string): Promise<void> {
      const data: RemoveSourceJobData = { tenantId, sourceId };
      try {
        await deps.jobs.send(removeSourceJobName, data, { singletonKey: sourceId });
      } catch (error) {
        deps.logger.warn({ err: error, sourceId }, 'could not queue the removal of a deleted knowledge source');
      }
    },

    /** The job. Running it again, or for a source already gone, does nothing more. */
    async run(data: unknown, job: JobContext): Promise<void> {
      const parsed = removeSourceJobData.safeParse(data);
      if (!parsed.success) {
        deps.logger.error({ jobId: job.id }, `${removeSourceJobName} job with malformed data dropped`);
        return;
      }
      await remove(parsed.data.tenantId, parsed.data.sourceId, job.signal);
      await deps.scheduleIndexUpkeep();
    },

    /**
     * The upkeep's part: sources deleted before `deletedBefore` whose removal never ran to the end (its
     * node stopped before queuing it, or its retries ran out). Answers how many it finished; the upkeep
     * vacuums next.
     */
    async finishDeletedBefore(deletedBefore: Date): Promise<number> {
      const left = await deps.sources.deletedBefore(db, deletedBefore);
      for (const source of left) await remove(source.tenantId, source.id);
      return left.length;
    },
  };
}

export type SourceRemoval = ReturnType<typeof createSourceRemoval>;
