import { and, eq, inArray, isNotNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../platform/db/pagination.js';
import {
  agentKnowledgeSources,
  isLiveSource,
  knowledgeDocuments,
  knowledgeSources,
} from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type SourceRow = typeof knowledgeSources.$inferSelect;
export type SourceWithCounts = SourceRow & { readonly documentCount: number };

type SourceChanges = Partial<
  Pick<
    SourceRow,
    | 'name'
    | 'description'
    | 'embeddingModel'
    | 'embeddingDimensions'
    | 'rerankModel'
    | 'chunkTokens'
    | 'chunkOverlapTokens'
  >
>;

/**
 * Counted on read: a source's documents are few enough, and a stored counter would be one more thing to keep
 * true. The outer columns are written out qualified: Drizzle leaves them bare in a one-table select, where
 * they would bind to the subquery's own table.
 */
const documentCount = sql<number>`(select count(*)::int from ${knowledgeDocuments} d
  where d.tenant_id = "knowledge_sources"."tenant_id" and d.source_id = "knowledge_sources"."id")`.mapWith(Number);

const storageKeysOf = (documents: readonly { storageKey: string | null }[]): string[] =>
  documents.flatMap((document) => (document.storageKey ? [document.storageKey] : []));

/** Locks a deleted source's row for the rest of the transaction; false when it is live or gone. */
async function lockHidden(db: Executor, tenantId: string, sourceId: string): Promise<boolean> {
  const rows = await db
    .select({ id: knowledgeSources.id })
    .from(knowledgeSources)
    .where(
      inTenant(knowledgeSources, tenantId, eq(knowledgeSources.id, sourceId), isNotNull(knowledgeSources.deletedAt)),
    )
    .for('update');
  return rows.length > 0;
}

export function createSourcesRepository() {
  return {
    async insert(db: Executor, source: typeof knowledgeSources.$inferInsert): Promise<SourceRow> {
      const [row] = await db.insert(knowledgeSources).values(source).returning();
      return row!;
    },

    async findById(db: Executor, tenantId: string, sourceId: string): Promise<SourceRow | undefined> {
      const [row] = await db
        .select()
        .from(knowledgeSources)
        .where(inTenant(knowledgeSources, tenantId, eq(knowledgeSources.id, sourceId), isLiveSource));
      return row;
    },

    async findWithCounts(db: Executor, tenantId: string, sourceId: string): Promise<SourceWithCounts | undefined> {
      const [row] = await db
        .select({ row: knowledgeSources, documentCount })
        .from(knowledgeSources)
        .where(inTenant(knowledgeSources, tenantId, eq(knowledgeSources.id, sourceId), isLiveSource));
      return row && { ...row.row, documentCount: row.documentCount };
    },

    /** Newest first, keyset on (created_at, id); fetches limit + 1 to tell whether a next page exists. */
    async list(db: Executor, tenantId: string, page: PageRequest) {
      const conditions: (SQL | undefined)[] = [
        afterCursor(knowledgeSources.createdAt, knowledgeSources.id, page.after),
        isLiveSource,
      ];
      const rows = await db
        .select({ row: knowledgeSources, documentCount, cursorAt: cursorTimestamp(knowledgeSources.createdAt) })
        .from(knowledgeSources)
        .where(inTenant(knowledgeSources, tenantId, and(...conditions)))
        .orderBy(...newestFirst(knowledgeSources.createdAt, knowledgeSources.id))
        .limit(page.limit + 1);
      return rows.map(({ row, documentCount: count, cursorAt }) => ({
        row: { ...row, documentCount: count },
        cursorAt,
      }));
    },

    async update(
      db: Executor,
      tenantId: string,
      sourceId: string,
      changes: SourceChanges,
    ): Promise<SourceRow | undefined> {
      const [row] = await db
        .update(knowledgeSources)
        .set({ ...changes, updatedAt: new Date() })
        .where(inTenant(knowledgeSources, tenantId, eq(knowledgeSources.id, sourceId), isLiveSource))
        .returning();
      return row;
    },

    /**
     * The first step of a delete: the source is gone for every reader, its agents no longer answer from
     * it, and its name is free. False when it was not there (or another delete came first).
     */
    async hide(db: Executor, tenantId: string, sourceId: string): Promise<boolean> {
      await db
        .delete(agentKnowledgeSources)
        .where(inTenant(agentKnowledgeSources, tenantId, eq(agentKnowledgeSources.sourceId, sourceId)));
      const rows = await db
        .update(knowledgeSources)
        .set({ deletedAt: new Date() })
        .where(inTenant(knowledgeSources, tenantId, eq(knowledgeSources.id, sourceId), isLiveSource))
        .returning({ id: knowledgeSources.id });
      return rows.length > 0;
    },

    /**
     * A step of a delete, once the source's index is gone: up to `limit` of its documents. Answers how many
     * went and their stored files, to remove once this commits; none when the source is not hidden.
     */
    async removeHiddenDocuments(
      db: Executor,
      tenantId: string,
      sourceId: string,
      limit: number,
    ): Promise<{ documents: number; storageKeys: string[] }> {
      if (!(await lockHidden(db, tenantId, sourceId))) return { documents: 0, storageKeys: [] };
      const batch = db
        .select({ id: knowledgeDocuments.id })
        .from(knowledgeDocuments)
        .where(inTenant(knowledgeDocuments, tenantId, eq(knowledgeDocuments.sourceId, sourceId)))
        .limit(limit);
      const removed = await db
        .delete(knowledgeDocuments)
        .where(inTenant(knowledgeDocuments, tenantId, inArray(knowledgeDocuments.id, batch)))
        .returning({ storageKey: knowledgeDocuments.storageKey });
      return { documents: removed.length, storageKeys: storageKeysOf(removed) };
    },

    /**
     * The last step of a delete, once its batches removed its index and documents: the hidden source's
     * row, and with it (foreign keys cascade) anything inserted meanwhile, such as a document whose upload
     * began before the delete. Answers those documents' stored files, to remove once this commits. The
     * row is locked first, so such a document is either counted here or refused.
     */
    async deleteHidden(db: Executor, tenantId: string, sourceId: string): Promise<string[]> {
      if (!(await lockHidden(db, tenantId, sourceId))) return [];
      const files = await db
        .select({ storageKey: knowledgeDocuments.storageKey })
        .from(knowledgeDocuments)
        .where(
          inTenant(
            knowledgeDocuments,
            tenantId,
            eq(knowledgeDocuments.sourceId, sourceId),
            isNotNull(knowledgeDocuments.storageKey),
          ),
        );
      await db.delete(knowledgeSources).where(inTenant(knowledgeSources, tenantId, eq(knowledgeSources.id, sourceId)));
      return storageKeysOf(files);
    },

    /**
     * Deleted sources whose removal has not finished, across tenants on purpose: the index upkeep runs as
     * the system, and removes only what no reader sees.
     */
    async deletedBefore(db: Executor, before: Date): Promise<{ tenantId: string; id: string }[]> {
      return db
        .select({ tenantId: knowledgeSources.tenantId, id: knowledgeSources.id })
        .from(knowledgeSources)
        .where(lt(knowledgeSources.deletedAt, before));
    },
  };
}

export type SourcesRepository = ReturnType<typeof createSourcesRepository>;
