import { eq, gt, inArray, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../platform/db/pagination.js';
import { knowledgeDocuments, type DocumentStatus } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type DocumentRow = typeof knowledgeDocuments.$inferSelect;

/** A document whose (re)indexing was asked for, with the generation its job must carry. */
export interface QueuedDocument {
  readonly id: string;
  readonly generation: number;
}

const inSource = (tenantId: string, sourceId: string, ...conditions: (SQL | undefined)[]): SQL =>
  inTenant(knowledgeDocuments, tenantId, eq(knowledgeDocuments.sourceId, sourceId), ...conditions);

/** A running job of an older generation stops without publishing, and begins no write. */
const nextGeneration = { generation: sql`${knowledgeDocuments.generation} + 1` };

/** The document is not being replaced: its file is the one its searched passages come from. */
export const noReplacedFile = {
  replacedMediaType: null,
  replacedByteSize: null,
  replacedSha256: null,
  replacedStorageKey: null,
};

/** The storage keys a document's row holds: its file, and the one a replacement is indexed in place of. */
export const storageKeysOf = (document: Pick<DocumentRow, 'storageKey' | 'replacedStorageKey'>): string[] =>
  [document.storageKey, document.replacedStorageKey].filter((key) => key !== null);

/** What a document's file is, as its row records it (where it came from is kept until it is indexed). */
export type DocumentFile = Pick<
  typeof knowledgeDocuments.$inferInsert,
  'mediaType' | 'byteSize' | 'sha256' | 'storageKey'
>;

/**
 * The file a failed or cancelled replacement was indexed in place of, put back, so the document again
 * describes the passages that are searched (they are still the replaced file's). Nothing changes for a
 * document that was not being replaced.
 */
export const putBackReplacedFile = (() => {
  const { replacedStorageKey } = knowledgeDocuments;
  const keptUnlessReplaced = (current: AnyColumn, replaced: AnyColumn) =>
    sql`case when ${replacedStorageKey} is null then ${current} else ${replaced} end`;
  return {
    mediaType: keptUnlessReplaced(knowledgeDocuments.mediaType, knowledgeDocuments.replacedMediaType),
    byteSize: keptUnlessReplaced(knowledgeDocuments.byteSize, knowledgeDocuments.replacedByteSize),
    sha256: keptUnlessReplaced(knowledgeDocuments.sha256, knowledgeDocuments.replacedSha256),
    storageKey: keptUnlessReplaced(knowledgeDocuments.storageKey, knowledgeDocuments.replacedStorageKey),
    ...noReplacedFile,
  };
})();

/** What a new generation starts from: pending, no progress, no error. */
export const restarted = {
  ...nextGeneration,
  status: 'pending' as const,
  progress: 0,
  errorMessage: null,
};

export function createDocumentsRepository() {
  return {
    async insert(db: Executor, document: typeof knowledgeDocuments.$inferInsert): Promise<DocumentRow> {
      const [row] = await db.insert(knowledgeDocuments).values(document).returning();
      return row!;
    },

    /**
     * Serialises adding one content to one source, on every node, until the transaction ends: two uploads
     * of the same file at once both found no copy and both were added (PostgreSQL, an audit).
     */
    async lockContent(tx: Executor, sourceId: string, sha256: string): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`${sourceId}:${sha256}`}, 0))`);
    },

    /** A document of the source with exactly this content, indexed or on its way (not failed or cancelled). */
    async findSameContent(
      db: Executor,
      tenantId: string,
      sourceId: string,
      sha256: string,
    ): Promise<DocumentRow | undefined> {
      const [row] = await db
        .select()
        .from(knowledgeDocuments)
        .where(
          inSource(
            tenantId,
            sourceId,
            // Its file, or the file a replacement is indexed in place of, whose passages are still searched.
            or(eq(knowledgeDocuments.sha256, sha256), eq(knowledgeDocuments.replacedSha256, sha256)),
            // Being indexed or indexed; or a reindex cancelled or failed, whose last index is still searched.
            or(
              inArray(knowledgeDocuments.status, ['pending', 'processing', 'ready']),
              gt(knowledgeDocuments.chunkCount, 0),
            ),
          ),
        )
        .limit(1);
      return row;
    },

    /** The document of that id in the tenant, whatever its source (the ingestion job knows no source). */
    async findInTenant(db: Executor, tenantId: string, documentId: string): Promise<DocumentRow | undefined> {
      const [row] = await db
        .select()
        .from(knowledgeDocuments)
        .where(inTenant(knowledgeDocuments, tenantId, eq(knowledgeDocuments.id, documentId)));
      return row;
    },

    async findById(
      db: Executor,
      tenantId: string,
      sourceId: string,
      documentId: string,
    ): Promise<DocumentRow | undefined> {
      const [row] = await db
        .select()
        .from(knowledgeDocuments)
        .where(inSource(tenantId, sourceId, eq(knowledgeDocuments.id, documentId)));
      return row;
    },

    /** Newest first, keyset on (created_at, id); fetches limit + 1 to tell whether a next page exists. */
    async list(
      db: Executor,
      tenantId: string,
      sourceId: string,
      status: DocumentStatus | undefined,
      page: PageRequest,
    ) {
      return db
        .select({ row: knowledgeDocuments, cursorAt: cursorTimestamp(knowledgeDocuments.createdAt) })
        .from(knowledgeDocuments)
        .where(
          inSource(
            tenantId,
            sourceId,
            status ? eq(knowledgeDocuments.status, status) : undefined,
            afterCursor(knowledgeDocuments.createdAt, knowledgeDocuments.id, page.after),
          ),
        )
        .orderBy(...newestFirst(knowledgeDocuments.createdAt, knowledgeDocuments.id))
        .limit(page.limit + 1);
    },

    /** Locks the row for the rest of the transaction, so a running job's final write waits for (or misses) it. */
    async lock(db: Executor, tenantId: string, sourceId: string, documentId: string): Promise<DocumentRow | undefined> {
      const [row] = await db
        .select()
        .from(knowledgeDocuments)
        .where(inSource(tenantId, sourceId, eq(knowledgeDocuments.id, documentId)))
        .for('update');
      return row;
    },

    /**
     * A new generation and no job for it: a running job of the document stops without publishing, and
     * begins no write (index-writes.repository.ts). False when there is no such document.
     */
    async advanceGeneration(db: Executor, tenantId: string, sourceId: string, documentId: string): Promise<boolean> {
      const rows = await db
        .update(knowledgeDocuments)
        .set({ ...nextGeneration, updatedAt: new Date() })
        .where(inSource(tenantId, sourceId, eq(knowledgeDocuments.id, documentId)))
        .returning({ id: knowledgeDocuments.id });
      return rows.length > 0;
    },

    /** When the source is deleted: every job of its documents stops without publishing, and begins no write. */
    async advanceAllGenerations(db: Executor, tenantId: string, sourceId: string): Promise<void> {
      await db
        .update(knowledgeDocuments)
        .set({ ...nextGeneration, updatedAt: new Date() })
        .where(inSource(tenantId, sourceId));
    },

    async delete(db: Executor, tenantId: string, sourceId: string, documentId: string): Promise<void> {
      await db.delete(knowledgeDocuments).where(inSource(tenantId, sourceId, eq(knowledgeDocuments.id, documentId)));
    },

    /**
     * A new generation to index, from the document's stored file or from `file`, which replaces it (with
     * the `replaced…` columns naming the file whose passages are searched meanwhile).
     */
    async restart(
      db: Executor,
      tenantId: string,
      sourceId: string,
      documentId: string,
      file?: DocumentFile & Partial<Pick<DocumentRow, keyof typeof noReplacedFile>>,
    ): Promise<DocumentRow | undefined> {
      const [row] = await db
        .update(knowledgeDocuments)
        .set({ ...restarted, ...file, updatedAt: new Date() })
        .where(inSource(tenantId, sourceId, eq(knowledgeDocuments.id, documentId)))
        .returning();
      return row;
    },

    /** Every document of a source gets a new generation (its chunking or embedding model changed). */
    async restartAll(db: Executor, tenantId: string, sourceId: string): Promise<QueuedDocument[]> {
      return db
        .update(knowledgeDocuments)
        .set({ ...restarted, updatedAt: new Date() })
        .where(inSource(tenantId, sourceId))
        .returning({ id: knowledgeDocuments.id, generation: knowledgeDocuments.generation });
    },

    /**
     * Only a document still waiting or running can be cancelled; the new generation stops its job. A
     * replacement cancelled gives the document back its replaced file.
     */
    async cancel(
      db: Executor,
      tenantId: string,
      sourceId: string,
      documentId: string,
    ): Promise<DocumentRow | undefined> {
      const [row] = await db
        .update(knowledgeDocuments)
        .set({
          ...nextGeneration,
          ...putBackReplacedFile,
          status: 'cancelled',
          progress: 0,
          updatedAt: new Date(),
        })
        .where(
          inSource(
            tenantId,
            sourceId,
            eq(knowledgeDocuments.id, documentId),
            inArray(knowledgeDocuments.status, ['pending', 'processing']),
          ),
        )
        .returning();
      return row;
    },
  };
}

export type DocumentsRepository = ReturnType<typeof createDocumentsRepository>;
