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
import { storageKeysOf } from './documents.repository.js';

export type SourceRow = typeof knowledgeSources.$inferSelect;
export type SourceWithCounts = SourceRow & { readonly documentCount: number; readonly searchableChunks: number };

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

/**
 * The passages a search can find now: each document's count is set when its chunks are published, so
 * chunks still being written (which the source's BM25 statistics, `chunk_count`, already hold) are not
 * counted until they can be found; a document being indexed again counts its published version.
 */
const searchableChunks = sql<number>`(select coalesce(sum(d.chunk_count), 0)::bigint from ${knowledgeDocuments} d
  where d.tenant_id = "knowledge_sources"."tenant_id" and d.source_id = "knowledge_sources"."id")`.mapWith(Number);

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
        .select({ row: knowledgeSources, documentCount, searchableChunks })
        .from(knowledgeSources)
        .where(inTenant(knowledgeSources, tenantId, eq(knowledgeSources.id, sourceId), isLiveSource));
      return row && { ...row.row, documentCount: row.documentCount, searchableChunks: row.searchableChunks };
    },

    /** Newest first, keyset on (created_at, id); fetches limit + 1 to tell whether a next page exists. */
    async list(db: Executor, tenantId: string, page: PageRequest) {
      const conditions: (SQL | undefined)[] = [
        afterCursor(knowledgeSources.createdAt, knowledgeSources.id, page.after),
        isLiveSource,
      ];
      const rows = await db
        .select({
          row: knowledgeSources,
          documentCount,
          searchableChunks,
          cursorAt: cursorTimestamp(knowledgeSources.createdAt),
        })
        .from(knowledgeSources)
        .where(inTenant(knowledgeSources, tenantId, and(...conditions)))
        .orderBy(...newestFirst(knowledgeSources.createdAt, knowledgeSources.id))
        .limit(page.limit + 1);
      return rows.map(({ row, documentCount: count, searchableChunks: chunks, cursorAt }) => ({
        row: { ...row, documentCount: count, searchableChunks: chunks },
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
     * Every removal step of a deleted source begins with this: its row, locked for the rest of the
     * transaction. False when the source is live or already gone, and the step must do nothing.
     */
    async lockDeleted(db: Executor, tenantId: string, sourceId: string): Promise<boolean> {
      const rows = await db
        .select({ id: knowledgeSources.id })
        .from(knowledgeSources)
        .where(
          inTenant(
            knowledgeSources,
            tenantId,
            eq(knowledgeSources.id, sourceId),
            isNotNull(knowledgeSources.deletedAt),
          ),
        )
        .for('update');
      return rows.length > 0;
    },

    /**
     * Up to `limit` of a deleted source's documents, or all that are left. Answers how many went and
     * their stored files, to remove once this commits.
     */
    async removeDocuments(
      db: Executor,
      tenantId: string,
      sourceId: string,
      limit?: number,
    ): Promise<{ documents: number; storageKeys: string[] }> {
      const ofSource = eq(knowledgeDocuments.sourceId, sourceId);
      const which =
        limit === undefined
          ? ofSource
          : inArray(
              knowledgeDocuments.id,
              db
                .select({ id: knowledgeDocuments.id })
                .from(knowledgeDocuments)
                .where(inTenant(knowledgeDocuments, tenantId, ofSource))
                .limit(limit),
            );
      const removed = await db
        .delete(knowledgeDocuments)
        .where(inTenant(knowledgeDocuments, tenantId, which))
        .returning({
          storageKey: knowledgeDocuments.storageKey,
          replacedStorageKey: knowledgeDocuments.replacedStorageKey,
        });
      const storageKeys = removed.flatMap(storageKeysOf);
      return { documents: removed.length, storageKeys };
    },

    /** The row of a deleted source; its foreign keys take whatever its batches left. */
    async deleteRow(db: Executor, tenantId: string, sourceId: string): Promise<void> {
      await db.delete(knowledgeSources).where(inTenant(knowledgeSources, tenantId, eq(knowledgeSources.id, sourceId)));
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
