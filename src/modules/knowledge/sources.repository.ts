import { and, eq, isNotNull, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../platform/db/pagination.js';
import { knowledgeDocuments, knowledgeSources } from '../../platform/db/schema/index.js';
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
        .where(inTenant(knowledgeSources, tenantId, eq(knowledgeSources.id, sourceId)));
      return row;
    },

    async findWithCounts(db: Executor, tenantId: string, sourceId: string): Promise<SourceWithCounts | undefined> {
      const [row] = await db
        .select({ row: knowledgeSources, documentCount })
        .from(knowledgeSources)
        .where(inTenant(knowledgeSources, tenantId, eq(knowledgeSources.id, sourceId)));
      return row && { ...row.row, documentCount: row.documentCount };
    },

    /** Newest first, keyset on (created_at, id); fetches limit + 1 to tell whether a next page exists. */
    async list(db: Executor, tenantId: string, page: PageRequest) {
      const conditions: (SQL | undefined)[] = [
        afterCursor(knowledgeSources.createdAt, knowledgeSources.id, page.after),
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
        .where(inTenant(knowledgeSources, tenantId, eq(knowledgeSources.id, sourceId)))
        .returning();
      return row;
    },

    /** Documents, chunks, postings and term statistics go with it (foreign keys cascade). */
    async delete(db: Executor, tenantId: string, sourceId: string): Promise<void> {
      await db.delete(knowledgeSources).where(inTenant(knowledgeSources, tenantId, eq(knowledgeSources.id, sourceId)));
    },

    /**
     * The stored files of a source's documents, to remove from storage once the rows are gone. Locks the
     * documents before the source row is deleted: the order an indexing job locks them in.
     */
    async lockStorageKeys(db: Executor, tenantId: string, sourceId: string): Promise<string[]> {
      const rows = await db
        .select({ storageKey: knowledgeDocuments.storageKey })
        .from(knowledgeDocuments)
        .where(
          inTenant(
            knowledgeDocuments,
            tenantId,
            eq(knowledgeDocuments.sourceId, sourceId),
            isNotNull(knowledgeDocuments.storageKey),
          ),
        )
        .for('update');
      return rows.flatMap((row) => (row.storageKey ? [row.storageKey] : []));
    },
  };
}

export type SourcesRepository = ReturnType<typeof createSourcesRepository>;
