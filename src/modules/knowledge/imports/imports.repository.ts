import { and, asc, desc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { knowledgeImportFiles, knowledgeImports } from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';

// The database's clock, not the node's: whether a lease went stale is judged by one clock on every node.
const databaseNow = sql<Date>`now()`;

export type ImportRow = typeof knowledgeImports.$inferSelect;
export type ImportFileRow = typeof knowledgeImportFiles.$inferSelect;
export type ImportCounts = Pick<ImportRow, 'fileCount' | 'addedCount' | 'duplicateCount' | 'failedCount'>;

export function createImportsRepository() {
  return {
    async insert(db: Executor, row: typeof knowledgeImports.$inferInsert): Promise<ImportRow> {
      const [inserted] = await db
        .insert(knowledgeImports)
        .values({ ...row, updatedAt: databaseNow })
        .returning();
      return inserted!;
    },

    /** One file's outcome and the import's counts after it, together. */
    async recordFile(db: Executor, file: typeof knowledgeImportFiles.$inferInsert, counts: ImportCounts) {
      await db.transaction(async (tx) => {
        await tx.insert(knowledgeImportFiles).values(file);
        await tx
          .update(knowledgeImports)
          .set({ ...counts, updatedAt: databaseNow })
          .where(inTenant(knowledgeImports, file.tenantId, eq(knowledgeImports.id, file.importId)));
      });
    },

    async finish(
      db: Executor,
      tenantId: string,
      importId: string,
      end: Pick<ImportRow, 'status' | 'errorMessage'>,
    ): Promise<ImportRow | undefined> {
      const now = new Date();
      const [row] = await db
        .update(knowledgeImports)
        .set({ ...end, updatedAt: now, finishedAt: now })
        .where(inTenant(knowledgeImports, tenantId, eq(knowledgeImports.id, importId)))
        .returning();
      return row;
    },

    /** The running import's lease: its node is still at it, whatever its next file takes. */
    async renew(db: Executor, tenantId: string, importId: string): Promise<void> {
      await db
        .update(knowledgeImports)
        .set({ updatedAt: databaseNow })
        .where(
          inTenant(
            knowledgeImports,
            tenantId,
            eq(knowledgeImports.id, importId),
            eq(knowledgeImports.status, 'running'),
          ),
        );
    },

    /**
     * Marks failed, with `message`, every running import whose lease is older than `staleAfterMs`: its
     * node stopped. Across tenants on purpose (a sweep); returns what it marked.
     */
    async failAbandoned(db: Executor, staleAfterMs: number, message: string): Promise<ImportRow[]> {
      return db
        .update(knowledgeImports)
        .set({ status: 'failed', errorMessage: message, updatedAt: databaseNow, finishedAt: databaseNow })
        .where(
          and(
            eq(knowledgeImports.status, 'running'),
            lt(knowledgeImports.updatedAt, sql`now() - make_interval(secs => ${staleAfterMs / 1000})`),
          ),
        )
        .returning();
    },

    async findById(db: Executor, tenantId: string, sourceId: string, importId: string) {
      const [row] = await db
        .select()
        .from(knowledgeImports)
        .where(
          inTenant(
            knowledgeImports,
            tenantId,
            eq(knowledgeImports.sourceId, sourceId),
            eq(knowledgeImports.id, importId),
          ),
        );
      return row;
    },

    async listRecent(db: Executor, tenantId: string, sourceId: string, limit: number): Promise<ImportRow[]> {
      return db
        .select()
        .from(knowledgeImports)
        .where(inTenant(knowledgeImports, tenantId, eq(knowledgeImports.sourceId, sourceId)))
        .orderBy(desc(knowledgeImports.createdAt), desc(knowledgeImports.id))
        .limit(limit);
    },

    /** The outcomes after `afterPosition`, in the order the files came. */
    async listFiles(
      db: Executor,
      tenantId: string,
      importId: string,
      page: { afterPosition: number; limit: number; outcome?: ImportFileRow['outcome'] | undefined },
    ): Promise<ImportFileRow[]> {
      return db
        .select()
        .from(knowledgeImportFiles)
        .where(
          inTenant(
            knowledgeImportFiles,
            tenantId,
            and(
              eq(knowledgeImportFiles.importId, importId),
              gt(knowledgeImportFiles.position, page.afterPosition),
              page.outcome ? eq(knowledgeImportFiles.outcome, page.outcome) : undefined,
            ),
          ),
        )
        .orderBy(asc(knowledgeImportFiles.position))
        .limit(page.limit);
    },
  };
}

export type ImportsRepository = ReturnType<typeof createImportsRepository>;
