import { runAsBackgroundWork } from '../../../platform/db/background-work.js';
import type { Database, DatabaseHandle } from '../../../platform/db/client.js';
import type { Logger } from '../../../platform/logger.js';
import type { IndexWrite, IndexWritesRepository } from '../retrieval/index-writes.repository.js';
import {
  chunksPerRemoval,
  chunksPerStatement,
  insertChunkBatch,
  removeWriteChunks,
  type IndexedChunk,
} from '../retrieval/knowledge-index.repository.js';
import { SupersededError } from './generation-watch.js';

export interface IndexWriterDeps {
  readonly db: Database;
  readonly logger: Logger;
  readonly writes: IndexWritesRepository;
  readonly storageKind: DatabaseHandle['kind'];
}

/**
 * Chunks per transaction of the ingestion job, by engine. PGlite writes ~7 ms a chunk (mostly the HNSW
 * insert) and has one session, so every other request's statement waits for the transaction in
 * progress: at 25 chunks a signed-in request waited 130–140 ms at p50 while 4.5 MB was indexed, at 5
 * chunks 27–30 ms, and the document was ready after 42–46 s instead of 40–42 s (50 s at 2 chunks).
 * With proactive passes back to back and chat turns and the support queue beside it, 5 chunks were
 * still the largest wait of those requests by far (bench/results/embedded-load-2026-11-27.md), so
 * embedded storage now writes one chunk a transaction: a request waits for one chunk at most, and a
 * document takes longer to be ready. PostgreSQL has a session per connection, and 5 chunks made the
 * same document ready after 20 s instead of 17 s there, so it keeps 25 (BENCHMARKS.md, "Smaller index
 * transactions on embedded storage").
 */
export const chunksPerWriteTransaction = { embedded: 1, postgres: chunksPerStatement } as const;

/**
 * Writes and removes a document's chunks a few per transaction (ADR 12). On embedded storage
 * PGlite has one session, so every request that needs the database waits for an open transaction: one
 * transaction around a large document's whole index held them for as long as the write (39–90 s for
 * 4.5 MB of text, BENCHMARKS.md). Search never sees a write in between: it skips the writes listed in
 * knowledge_index_writes until publish (index-writes.repository.ts).
 */
export function createIndexWriter(deps: IndexWriterDeps) {
  const { db, writes } = deps;
  const chunksPerTransaction = chunksPerWriteTransaction[deps.storageKind];

  /**
   * Stops, throwing SupersededError, when the document left the job's generation before the write began,
   * or once the write was retired meanwhile (a delete, the sweep, or a newer publish): it is then removed.
   */
  async function write(
    target: IndexWrite & { readonly dimensions: number; readonly generation: number },
    chunks: readonly IndexedChunk[],
    run: { readonly signal: AbortSignal; readonly onProgress: (share: number) => Promise<void> },
  ): Promise<void> {
    if (!(await writes.begin(db, target, target.generation))) throw new SupersededError();
    const batchTarget = { ...target, writeId: target.id };
    for (let start = 0; start < chunks.length; start += chunksPerTransaction) {
      run.signal.throwIfAborted();
      const isWritten = await db.transaction(async (tx) => {
        if (!(await writes.isStillWriting(tx, target.tenantId, target.id))) return false;
        await insertChunkBatch(tx, batchTarget, chunks.slice(start, start + chunksPerTransaction));
        return true;
      });
      if (!isWritten) throw new SupersededError();
      await run.onProgress(Math.min(start + chunksPerTransaction, chunks.length) / chunks.length);
    }
  }

  /**
   * Removes a retired write's chunks, batch by batch, then its row. Search no longer sees them, so this
   * is background work even when a DELETE waits for it: other requests' statements go first (ADR 13).
   */
  function remove(target: IndexWrite): Promise<void> {
    const location = { documentId: target.documentId, writeId: target.id };
    return runAsBackgroundWork(async () => {
      for (;;) {
        const removed = await db.transaction((tx) =>
          removeWriteChunks(tx, target.tenantId, location, chunksPerRemoval),
        );
        if (removed < chunksPerRemoval) break;
      }
      await writes.forget(db, target.tenantId, target.id);
    });
  }

  /**
   * Retires and removes a write that will not be published. Never throws: what it leaves stays hidden,
   * and the index upkeep's sweep removes it later.
   */
  async function discard(target: IndexWrite): Promise<void> {
    try {
      await writes.retire(db, target.tenantId, target.id);
      await remove(target);
    } catch (error) {
      deps.logger.warn({ err: error, writeId: target.id }, 'an unpublished index write is left for the upkeep');
    }
  }

  /**
   * Removes the document's retired writes: those a publish replaced, or all of them for a delete. Never
   * throws, as discard.
   */
  async function removeRetired(tenantId: string, documentId: string): Promise<void> {
    try {
      for (const retired of await writes.retiredOf(db, tenantId, documentId)) await remove(retired);
    } catch (error) {
      deps.logger.warn({ err: error, documentId }, 'a retired index write is left for the upkeep');
    }
  }

  /** The upkeep's sweep: writes whose job stopped before finishing them, and removals that stopped. */
  async function sweep(startedBefore: Date): Promise<number> {
    const abandoned = await writes.abandoned(db, startedBefore);
    for (const target of abandoned) {
      await writes.retire(db, target.tenantId, target.id);
      await remove(target);
    }
    return abandoned.length;
  }

  /** Whether a document's chunks fit one transaction, so its publish can write them itself. */
  function fitsOneTransaction(chunkCount: number): boolean {
    return chunkCount <= chunksPerTransaction;
  }

  return {
    write,
    discard,
    removeRetired,
    sweep,
    fitsOneTransaction,
    oldestWritingStartedAt: () => writes.oldestWritingStartedAt(db),
  };
}

export type IndexWriter = ReturnType<typeof createIndexWriter>;
