import type { Database } from '../../../platform/db/client.js';
import type { Logger } from '../../../platform/logger.js';
import type { IngestionRepository } from '../ingestion/ingestion.repository.js';
import type { IngestionScheduler } from '../ingestion/ingestion-job.js';
import type { ImportsRepository } from './imports.repository.js';

/** What an import cut short by its node's end says, for the person who started it. */
export const interruptedImportMessage =
  'The server stopped during this import; send the same files again: the files already added are recognised and skipped';

/** Documents requeued at most per sweep: a backlog larger than this is caught up over the next sweeps. */
const requeueBatch = 500;

export interface ImportsUpkeepDeps {
  readonly db: Database;
  readonly imports: Pick<ImportsRepository, 'failAbandoned'>;
  readonly ingestion: Pick<IngestionRepository, 'pendingSince'>;
  readonly scheduler: IngestionScheduler;
  readonly logger: Pick<Logger, 'warn'>;
  /** IMPORT_LEASE_STALE_MS: an import (and a pending document) unchanged this long lost its node. */
  readonly staleAfterMs: number;
}

/**
 * What a node killed mid-import leaves: its import `running` for ever, and the documents it had added
 * but not yet queued (an import queues them a batch at a time; one upload right after its commit)
 * `pending` for ever. Every job-running node sweeps for both: the import is marked failed, saying to
 * send the files again, and the documents' indexing is queued (a job already waiting for the same
 * generation absorbs the send; one that runs twice writes the same index).
 */
export function createImportsUpkeep(deps: ImportsUpkeepDeps) {
  const sweep = async (staleAfterMs: number): Promise<{ imports: number; documents: number }> => {
    const abandoned = await deps.imports.failAbandoned(deps.db, staleAfterMs, interruptedImportMessage);
    const pending = await deps.ingestion.pendingSince(deps.db, staleAfterMs, requeueBatch);
    for (const document of pending) await deps.scheduler.schedule(document.tenantId, [document]);
    if (abandoned.length + pending.length > 0) {
      deps.logger.warn(
        { imports: abandoned.map((row) => row.id), documents: pending.length },
        'imports cut short by a stopped server marked failed; documents never queued for indexing queued',
      );
    }
    return { imports: abandoned.length, documents: pending.length };
  };
  let timer: NodeJS.Timeout | undefined;

  return {
    sweep: () => sweep(deps.staleAfterMs),
    /**
     * Embedded storage, at start-up: its one process holds the data directory, so an import still
     * running then belongs to the run before. Marked at once rather than a lease later.
     */
    sweepEarlierRun: () => sweep(0),
    start(intervalMs: number): void {
      const run = () =>
        void sweep(deps.staleAfterMs).catch((error: unknown) =>
          deps.logger.warn({ err: error }, 'the sweep for imports cut short failed'),
        );
      run();
      timer = setInterval(run, intervalMs);
      timer.unref();
    },
    stop(): void {
      clearInterval(timer);
    },
  };
}

export type ImportsUpkeep = ReturnType<typeof createImportsUpkeep>;
