import { randomBytes } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { createIndexWritesRepository } from '../../src/modules/knowledge/retrieval/index-writes.repository.js';
import { insertChunkBatch } from '../../src/modules/knowledge/retrieval/knowledge-index.repository.js';
import { newId } from '../../src/platform/ids.js';
import type { TestDatabase } from '../harness/test-database.js';
import { ingestJobName, type IngestJobData } from '../../src/modules/knowledge/ingestion/ingestion-job.js';
import { removeSourceJobName } from '../../src/modules/knowledge/source-removal.js';
import { createPgBossDatabase } from '../../src/platform/jobs/pg-boss-database.js';

/** What the index holds for one document, read straight from the tables. */
export interface DocumentIndexRows {
  readonly chunks: number;
  readonly distinctPositions: number;
  readonly postings: number;
  /** Sorted: the same ids before and after mean the chunks were not rewritten. */
  readonly chunkIds: readonly string[];
}

export async function documentIndexRows(database: DatabaseHandle, documentId: string): Promise<DocumentIndexRows> {
  const { rows } = await database.executeSql(
    `select count(*)::int as chunks, count(distinct position)::int as distinct_positions,
       coalesce(array_agg(id::text order by id), '{}') as chunk_ids,
       (select count(*)::int from knowledge_postings p join knowledge_chunks c on c.id = p.chunk_id
         where c.document_id = $1) as postings
     from knowledge_chunks where document_id = $1`,
    [documentId],
  );
  const row = rows[0] as { chunks: number; distinct_positions: number; postings: number; chunk_ids: string[] };
  return {
    chunks: row.chunks,
    distinctPositions: row.distinct_positions,
    postings: row.postings,
    chunkIds: row.chunk_ids,
  };
}

/**
 * A source's BM25 statistics as stored, next to the same numbers counted from its chunks and postings.
 * A job that wrote a document twice, or removed it without its statistics, makes the pairs differ.
 */
export async function sourceStatistics(database: DatabaseHandle, sourceId: string) {
  const { rows } = await database.executeSql(
    `select
       s.chunk_count::int as stored_chunks,
       (select count(*)::int from knowledge_chunks c where c.source_id = s.id) as counted_chunks,
       s.total_term_count::int as stored_terms,
       (select coalesce(sum(c.term_count), 0)::int from knowledge_chunks c where c.source_id = s.id) as counted_terms,
       (select coalesce(sum(t.chunk_frequency), 0)::int from knowledge_terms t where t.source_id = s.id)
         as stored_term_chunks,
       (select count(*)::int from knowledge_postings p where p.source_id = s.id) as counted_postings,
       (select coalesce(sum(w.chunk_frequency), 0)::int from knowledge_term_spellings w where w.source_id = s.id)
         as stored_spelling_chunks,
       (select count(*)::int from knowledge_postings p where p.source_id = s.id and p.spelling is not null)
         as counted_spelled_postings
     from knowledge_sources s where s.id = $1`,
    [sourceId],
  );
  return rows[0] as {
    stored_chunks: number;
    counted_chunks: number;
    stored_terms: number;
    counted_terms: number;
    stored_term_chunks: number;
    counted_postings: number;
    /** Spellings (query correction's words) counted per chunk, and the postings that name one. */
    stored_spelling_chunks: number;
    counted_spelled_postings: number;
  };
}

export async function documentGeneration(database: DatabaseHandle, documentId: string): Promise<number> {
  const { rows } = await database.executeSql('select generation from knowledge_documents where id = $1', [documentId]);
  return (rows[0] as { generation: number }).generation;
}

/**
 * Puts a `knowledge.ingest` job with this data on the queue again, as pg-boss itself does when a job
 * expires (its node presumed lost) or when a node dies after the job's work but before its completion
 * was recorded. The app's own workers pick it up. Returns the new job's id.
 */
export async function redeliverIngestJob(database: DatabaseHandle, data: IngestJobData): Promise<string> {
  const boss = new PgBoss({ db: createPgBossDatabase(database), schedule: false, supervise: false });
  // The queue's policy keeps one waiting job per key; a key of its own makes this a second delivery.
  const id = await boss.send(ingestJobName, data, { singletonKey: `redelivery-${randomBytes(6).toString('hex')}` });
  if (!id) throw new Error('pg-boss did not queue the redelivered job');
  return id;
}

/** Every `knowledge.ingest` job queued for a document, with how often pg-boss had to retry it. */
export async function ingestJobsOf(
  database: DatabaseHandle,
  documentId: string,
): Promise<{ id: string; state: string; retryCount: number }[]> {
  const { rows } = await database.executeSql(
    `select id::text, state::text, retry_count as "retryCount" from pgboss.job
     where name = $1 and data->>'documentId' = $2 order by created_on`,
    [ingestJobName, documentId],
  );
  return rows as { id: string; state: string; retryCount: number }[];
}

/** Polls a job until pg-boss records it finished, and returns its final state. */
export async function waitForJobEnd(database: DatabaseHandle, jobId: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await database.executeSql('select state from pgboss.job where id = $1', [jobId]);
    const state = (rows[0] as { state: string } | undefined)?.state;
    if (state === 'completed' || state === 'failed' || state === 'cancelled') return state;
    if (Date.now() > deadline) throw new Error(`job ${jobId} stayed ${state ?? 'missing'}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every row that belongs to a knowledge source, counted table by table straight from the database. */
export async function sourceRows(database: DatabaseHandle, sourceId: string) {
  const { rows } = await database.executeSql(
    `select
       (select count(*)::int from knowledge_sources where id = $1) as sources,
       (select count(*)::int from knowledge_documents where source_id = $1) as documents,
       (select count(*)::int from knowledge_chunks where source_id = $1) as chunks,
       (select count(*)::int from knowledge_postings where source_id = $1) as postings,
       (select count(*)::int from knowledge_terms where source_id = $1) as terms,
       (select count(*)::int from knowledge_term_spellings where source_id = $1) as spellings,
       (select count(*)::int from knowledge_index_writes where source_id = $1) as writes,
       (select count(*)::int from agent_knowledge_sources where source_id = $1) as agent_links`,
    [sourceId],
  );
  return rows[0] as Record<
    'sources' | 'documents' | 'chunks' | 'postings' | 'terms' | 'spellings' | 'writes' | 'agent_links',
    number
  >;
}

/** The `knowledge.remove-source` job queued for a source, once it has ended (its final state). */
export async function waitForSourceRemoval(database: DatabaseHandle, sourceId: string): Promise<string> {
  const { rows } = await database.executeSql(
    `select id::text from pgboss.job where name = $1 and data->>'sourceId' = $2 order by created_on desc limit 1`,
    [removeSourceJobName, sourceId],
  );
  const job = rows[0] as { id: string } | undefined;
  if (!job) throw new Error(`no ${removeSourceJobName} job was queued for source ${sourceId}`);
  return waitForJobEnd(database, job.id);
}

/** Sessions of this database waiting for a lock (PostgreSQL only): how a test sees a statement blocked. */
async function sessionsWaitingForLocks(database: DatabaseHandle): Promise<number> {
  const { rows } = await database.executeSql(
    `select count(*)::int as waiting from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
  );
  return (rows[0] as { waiting: number }).waiting;
}

/**
 * A reindexing job's index write of a ready document, begun and between two of its statements. Its
 * `batchDuring(operation)` runs the write's next batch around an operation (a delete): the batch holds
 * its write's row, as each batch does; the operation starts and must wait for it (PostgreSQL only, where
 * sessions run side by side); then the batch inserts its chunk and commits. Answers what the operation
 * answers: an error response there means it deadlocked with the batch.
 */
export async function writeInFlight(
  database: TestDatabase,
  document: { readonly tenantId: string; readonly sourceId: string; readonly documentId: string },
  dimensions: number,
) {
  await database.executeSql(`update knowledge_documents set status = 'processing' where id = $1`, [
    document.documentId,
  ]);
  const writes = createIndexWritesRepository();
  const write = { id: newId(), ...document };
  if (!(await writes.begin(database.db, write, await documentGeneration(database, document.documentId)))) {
    throw new Error('the write did not begin');
  }
  const chunk = { position: 0, content: 'The note, again.', page: null, headingPath: [], tokenCount: 4 };
  const embedding = Array.from({ length: dimensions }, (_, index) => (index === 0 ? 1 : 0));
  return {
    async batchDuring<T>(operation: () => Promise<T>): Promise<T> {
      let result: Promise<T> | undefined;
      await database.db.transaction(async (tx) => {
        if (!(await writes.isStillWriting(tx, document.tenantId, write.id)))
          throw new Error('the write is not writing');
        result = operation();
        await waitUntil(async () => (await sessionsWaitingForLocks(database)) > 0, 'the operation never waited');
        await insertChunkBatch(tx, { ...write, writeId: write.id, dimensions }, [{ ...chunk, embedding }]);
      });
      return result!;
    },
  };
}

async function waitUntil(condition: () => Promise<boolean>, failure: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(failure);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
