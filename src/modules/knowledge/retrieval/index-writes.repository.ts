import { and, eq, lt, min, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { knowledgeIndexWrites } from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';
import { removeDocumentChunks } from './knowledge-index.repository.js';
import { rowsOf, uuidArray } from '../../../platform/db/raw-sql.js';

/** The write of every chunk indexed before index writes existed (migration 0006); it is never hidden. */
export const writeBeforeIndexWrites = '00000000-0000-0000-0000-000000000000';

export interface IndexWrite {
  readonly id: string;
  readonly tenantId: string;
  readonly sourceId: string;
  readonly documentId: string;
}

const ofWrite = (tenantId: string, writeId: string) =>
  inTenant(knowledgeIndexWrites, tenantId, eq(knowledgeIndexWrites.id, writeId));

/**
 * The writes search must skip, as one uuid[] for a statement over these sources: an InitPlan, read
 * once per statement. The table holds only writes in flight or awaiting removal, so it is nearly empty.
 */
export function hiddenWriteIds(tenantId: string, sourceIds: readonly string[]): SQL {
  return sql`array(select id from knowledge_index_writes
    where tenant_id = ${tenantId} and source_id = any(${uuidArray(sourceIds)}))`;
}

export function createIndexWritesRepository() {
  return {
    /**
     * A new write, hidden from search until publish, begun only while its document is still `processing`
     * at the job's generation; false otherwise. `for share` waits for a transaction changing the document
     * (a delete advancing its generation) and then rechecks the row, so once such a change commits no
     * write of the document's old generation can begin.
     */
    async begin(db: Executor, write: IndexWrite, generation: number): Promise<boolean> {
      const begun = rowsOf<{ id: string }>(
        await db.execute(sql`
          insert into knowledge_index_writes (id, tenant_id, source_id, document_id, status)
          select ${write.id}, tenant_id, source_id, id, 'writing' from knowledge_documents
          where tenant_id = ${write.tenantId} and id = ${write.documentId} and source_id = ${write.sourceId}
            and generation = ${generation} and status = 'processing'
          for share
          returning id`),
      );
      return begun.length > 0;
    },

    /**
     * Inside a batch's transaction, before its chunks: holds the write's row until commit, so a write
     * retired meanwhile (the sweep, or a newer publish) gets no more chunks once its removal starts.
     */
    async isStillWriting(tx: Executor, tenantId: string, writeId: string): Promise<boolean> {
      const rows = await tx
        .select({ id: knowledgeIndexWrites.id })
        .from(knowledgeIndexWrites)
        .where(and(ofWrite(tenantId, writeId), eq(knowledgeIndexWrites.status, 'writing')))
        .for('share');
      return rows.length > 0;
    },

    /**
     * In the transaction that marks the document indexed: the write becomes searchable and the document's
     * earlier published writes are retired (retirePublished). Answers how many writes it retired, or
     * undefined when the write was retired meanwhile and is not published.
     */
    async publish(tx: Executor, write: IndexWrite): Promise<number | undefined> {
      const published = await tx
        .delete(knowledgeIndexWrites)
        .where(and(ofWrite(write.tenantId, write.id), eq(knowledgeIndexWrites.status, 'writing')))
        .returning({ id: knowledgeIndexWrites.id });
      if (published.length === 0) return undefined;
      return retirePublished(tx, write, write.id);
    },

    /**
     * Before a document is deleted: every write of it is hidden, in flight (it stops at its next batch)
     * or published, so its chunks can then be removed in batches while search no longer sees them.
     */
    async retireDocument(tx: Executor, document: Omit<IndexWrite, 'id'>): Promise<void> {
      await tx
        .update(knowledgeIndexWrites)
        .set({ status: 'retired' })
        .where(
          inTenant(knowledgeIndexWrites, document.tenantId, eq(knowledgeIndexWrites.documentId, document.documentId)),
        );
      await retirePublished(tx, document);
    },

    /**
     * When the source is deleted: every write in flight stops at its next batch. Those already published
     * need no row, since search no longer reads the source at all.
     */
    async retireSource(tx: Executor, tenantId: string, sourceId: string): Promise<void> {
      await tx
        .update(knowledgeIndexWrites)
        .set({ status: 'retired' })
        .where(inTenant(knowledgeIndexWrites, tenantId, eq(knowledgeIndexWrites.sourceId, sourceId)));
    },

    /** Hides a write for good: its chunks are removed next (ingestion/index-writer.ts). */
    async retire(db: Executor, tenantId: string, writeId: string): Promise<void> {
      await db.update(knowledgeIndexWrites).set({ status: 'retired' }).where(ofWrite(tenantId, writeId));
    },

    /** Once its last chunk is gone. */
    async forget(db: Executor, tenantId: string, writeId: string): Promise<void> {
      await db.delete(knowledgeIndexWrites).where(ofWrite(tenantId, writeId));
    },

    async retiredOf(db: Executor, tenantId: string, documentId: string): Promise<IndexWrite[]> {
      return db
        .select(writeColumns)
        .from(knowledgeIndexWrites)
        .where(
          inTenant(
            knowledgeIndexWrites,
            tenantId,
            eq(knowledgeIndexWrites.documentId, documentId),
            eq(knowledgeIndexWrites.status, 'retired'),
          ),
        );
    },

    /**
     * Writes left behind, across tenants on purpose (the upkeep runs as the system, and only removes what
     * no search shows): retired ones whose removal stopped, and writes begun before `startedBefore` by a
     * job that never finished them (its node stopped).
     */
    /** When the oldest write still being written began, across tenants (the upkeep's next sweep). */
    async oldestWritingStartedAt(db: Executor): Promise<Date | undefined> {
      const [row] = await db
        .select({ startedAt: min(knowledgeIndexWrites.createdAt) })
        .from(knowledgeIndexWrites)
        .where(eq(knowledgeIndexWrites.status, 'writing'));
      return row?.startedAt ?? undefined;
    },

    async abandoned(db: Executor, startedBefore: Date): Promise<IndexWrite[]> {
      return db
        .select(writeColumns)
        .from(knowledgeIndexWrites)
        .where(or(eq(knowledgeIndexWrites.status, 'retired'), lt(knowledgeIndexWrites.createdAt, startedBefore)));
    },
  };
}

/**
 * Retires the document's published writes (those of its chunks that have no row), but `keep`. Chunks
 * from before index writes share one write id across documents, so they cannot be hidden by it: they
 * are removed here, at once, the last time a document needs that. Answers how many writes it retired.
 */
async function retirePublished(tx: Executor, document: Omit<IndexWrite, 'id'>, keep?: string): Promise<number> {
  const { tenantId, sourceId, documentId } = document;
  const kept = keep ? sql` and write_id <> ${keep}` : sql``;
  // A write of this document that still has a row is in flight or already retired: it is not searched.
  const published = rowsOf<{ write_id: string }>(
    await tx.execute(sql`
      select distinct write_id from knowledge_chunks
      where tenant_id = ${tenantId} and document_id = ${documentId}${kept}
        and write_id not in (select w.id from knowledge_index_writes w where w.document_id = ${documentId})`),
  ).map((row) => row.write_id);
  const retired = published.filter((writeId) => writeId !== writeBeforeIndexWrites);
  if (retired.length < published.length) {
    await removeDocumentChunks(tx, tenantId, documentId, { writeId: writeBeforeIndexWrites });
  }
  if (retired.length > 0) {
    await tx
      .insert(knowledgeIndexWrites)
      .values(retired.map((writeId) => ({ id: writeId, tenantId, sourceId, documentId, status: 'retired' as const })));
  }
  return retired.length;
}

const writeColumns = {
  id: knowledgeIndexWrites.id,
  tenantId: knowledgeIndexWrites.tenantId,
  sourceId: knowledgeIndexWrites.sourceId,
  documentId: knowledgeIndexWrites.documentId,
};

export type IndexWritesRepository = ReturnType<typeof createIndexWritesRepository>;
