import { sql } from 'drizzle-orm';
import type { Database } from '../../../platform/db/client.js';
import type { JobQueue, WorkOptions } from '../../../platform/jobs/index.js';
import type { Logger } from '../../../platform/logger.js';
import { removeSourceWorkOptions, type SourceRemoval } from '../source-removal.js';
import type { IndexWriter } from './index-writer.js';
import { ingestWorkOptions } from './ingest-document.js';

/** The pg-boss queue of the knowledge index's upkeep (below). */
export const indexUpkeepJobName = 'knowledge.index-upkeep';

/**
 * A write still unpublished this long after it began belongs to a job that stopped: pg-boss presumes a
 * job lost at its expiry and retries it, and the retry begins a write of its own.
 */
const abandonedAfterMs = 2 * (ingestWorkOptions.expireInSeconds ?? 15 * 60) * 1000;

/** Likewise, a source deleted this long ago whose removal job is no longer coming (source-removal.ts). */
const unfinishedRemovalAfterMs = 2 * (removeSourceWorkOptions.expireInSeconds ?? 15 * 60) * 1000;

/** Once the writes of a burst of ingestions have settled; later ones queue the next run. */
const settleSeconds = 10;
/** The soonest a sweep of writes still being written runs again (one that could not be removed is retried). */
const sweepRetrySeconds = 60;
export const indexUpkeepWorkOptions: WorkOptions = { concurrency: 1, retryLimit: 1, expireInSeconds: 10 * 60 };

export interface IndexUpkeep {
  /** After documents were indexed or removed; sends collapse into one waiting job (the queue's key). */
  schedule(): Promise<void>;
  /**
   * The job: finishes the removal of deleted sources and removes index writes left behind (ADR 12), then
   * VACUUM and ANALYZE of the tables searches read (postings, terms, chunks and their documents).
   */
  run(): Promise<void>;
  /**
   * Embedded storage, at start-up: its one process holds the data directory, so a write still being
   * written then belongs to the run before (killed mid-ingestion). Its chunks are removed at once rather
   * than after the half hour a node elsewhere might still need: until then they counted in the search's
   * statistics and the vector index. The ingestion job itself is retried and writes anew.
   */
  sweepEarlierRun(startedAt: Date): Promise<void>;
}

/**
 * BM25 scores from index-only scans of the postings (ADR 10), which only skip the heap for pages the
 * visibility map marks all-visible, and the planner needs statistics of the knowledge tables. PostgreSQL's
 * autovacuum gets there eventually; embedded PGlite has no autovacuum at all, so without this its tables
 * would never be vacuumed or analyzed. VACUUM only visits pages changed since the last one.
 */
export function createIndexUpkeep(deps: {
  db: Database;
  jobs: Pick<JobQueue, 'send'>;
  indexWriter: Pick<IndexWriter, 'sweep' | 'oldestWritingStartedAt'>;
  sourceRemoval: Pick<SourceRemoval, 'finishDeletedBefore'>;
  logger: Logger;
}): IndexUpkeep {
  /**
   * A write still being written may be one a stopped node left (a graceful stop leaves it rather than
   * wait): its sweep is due once it is old enough, whether or not anything else is indexed by then.
   */
  async function scheduleNextSweep(): Promise<void> {
    const oldest = await deps.indexWriter.oldestWritingStartedAt();
    if (!oldest) return;
    const dueInSeconds = Math.ceil((oldest.getTime() + abandonedAfterMs - Date.now()) / 1000) + 1;
    await deps.jobs.send(
      indexUpkeepJobName,
      {},
      { singletonKey: 'knowledge-index-writes-due', startAfterSeconds: Math.max(sweepRetrySeconds, dueInSeconds) },
    );
  }

  return {
    async schedule() {
      await deps.jobs.send(
        indexUpkeepJobName,
        {},
        { singletonKey: 'knowledge-index', startAfterSeconds: settleSeconds },
      );
    },
    async sweepEarlierRun(startedAt) {
      const swept = await deps.indexWriter.sweep(startedAt);
      if (swept > 0) deps.logger.info({ writes: swept }, 'removed the knowledge index writes the last run left');
    },
    async run() {
      const finished = await deps.sourceRemoval.finishDeletedBefore(new Date(Date.now() - unfinishedRemovalAfterMs));
      if (finished > 0) deps.logger.info({ sources: finished }, 'finished removing deleted knowledge sources');
      const swept = await deps.indexWriter.sweep(new Date(Date.now() - abandonedAfterMs));
      if (swept > 0) deps.logger.info({ writes: swept }, 'removed abandoned knowledge index writes');
      await scheduleNextSweep();
      await vacuumKnowledgeIndex(deps.db);
    },
  };
}

/** Largest first: the tables search reads, vacuumed and analyzed one statement at a time. */
const knowledgeTables = [
  'knowledge_postings',
  'knowledge_terms',
  'knowledge_term_spellings',
  'knowledge_chunks',
  'knowledge_documents',
];

/**
 * The upkeep's VACUUM and ANALYZE, on its own for the retrieval bench, which ingests without jobs. One
 * statement per table and step, so that other requests' statements get PGlite's one session between
 * them: `vacuum (analyze)` of the four tables at once held an embedded server for ~0.5 s after 4.5 MB of
 * text; the largest step, ANALYZE of the postings, took 172 ms (BENCHMARKS.md).
 */
export async function vacuumKnowledgeIndex(db: Database): Promise<void> {
  for (const table of knowledgeTables) {
    for (const step of ['vacuum', 'analyze']) {
      await db.execute(sql.raw(`${step} ${table}`));
    }
  }
}
