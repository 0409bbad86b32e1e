import { asc, count, eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../../platform/db/pagination.js';
import { evaluationCases, evaluationSets } from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';

export type EvaluationSetRow = typeof evaluationSets.$inferSelect;
export type EvaluationCaseRow = typeof evaluationCases.$inferSelect;
export type NewEvaluationCase = typeof evaluationCases.$inferInsert;

export function createEvaluationSetsRepository() {
  const caseCounts = async (db: Executor, tenantId: string, setIds: readonly string[]) => {
    if (setIds.length === 0) return new Map<string, number>();
    const rows = await db
      .select({ setId: evaluationCases.setId, count: count() })
      .from(evaluationCases)
      .where(inTenant(evaluationCases, tenantId, inArray(evaluationCases.setId, [...setIds])))
      .groupBy(evaluationCases.setId);
    return new Map(rows.map((row) => [row.setId, row.count]));
  };

  return {
    caseCounts,

    async insertSet(db: Executor, row: typeof evaluationSets.$inferInsert): Promise<EvaluationSetRow> {
      const [inserted] = await db.insert(evaluationSets).values(row).returning();
      return inserted!;
    },

    async findSet(db: Executor, tenantId: string, id: string): Promise<EvaluationSetRow | undefined> {
      const [row] = await db
        .select()
        .from(evaluationSets)
        .where(inTenant(evaluationSets, tenantId, eq(evaluationSets.id, id)));
      return row;
    },

    /** Locks the set, so that cases counted against its bound are not added beside by another request. */
    async findSetForUpdate(tx: Executor, tenantId: string, id: string): Promise<EvaluationSetRow | undefined> {
      const [row] = await tx
        .select()
        .from(evaluationSets)
        .where(inTenant(evaluationSets, tenantId, eq(evaluationSets.id, id)))
        .for('update');
      return row;
    },

    async listSets(db: Executor, tenantId: string, page: PageRequest) {
      const rows = await db
        .select({ row: evaluationSets, cursorAt: cursorTimestamp(evaluationSets.createdAt) })
        .from(evaluationSets)
        .where(inTenant(evaluationSets, tenantId, afterCursor(evaluationSets.createdAt, evaluationSets.id, page.after)))
        .orderBy(...newestFirst(evaluationSets.createdAt, evaluationSets.id))
        .limit(page.limit + 1);
      return rows;
    },

    async updateSet(db: Executor, tenantId: string, id: string, patch: { name?: string; description?: string }) {
      const [row] = await db
        .update(evaluationSets)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(inTenant(evaluationSets, tenantId, eq(evaluationSets.id, id)))
        .returning();
      return row;
    },

    async deleteSet(db: Executor, tenantId: string, id: string): Promise<boolean> {
      const rows = await db
        .delete(evaluationSets)
        .where(inTenant(evaluationSets, tenantId, eq(evaluationSets.id, id)))
        .returning({ id: evaluationSets.id });
      return rows.length > 0;
    },

    async insertCases(db: Executor, rows: readonly NewEvaluationCase[]): Promise<EvaluationCaseRow[]> {
      if (rows.length === 0) return [];
      return db
        .insert(evaluationCases)
        .values([...rows])
        .returning();
    },

    async findCase(db: Executor, tenantId: string, setId: string, caseId: string) {
      const [row] = await db
        .select()
        .from(evaluationCases)
        .where(inTenant(evaluationCases, tenantId, eq(evaluationCases.setId, setId), eq(evaluationCases.id, caseId)));
      return row;
    },

    async updateCase(
      db: Executor,
      tenantId: string,
      setId: string,
      caseId: string,
      change: Pick<NewEvaluationCase, 'messages' | 'expectations' | 'note'>,
    ) {
      const [row] = await db
        .update(evaluationCases)
        .set(change)
        .where(inTenant(evaluationCases, tenantId, eq(evaluationCases.setId, setId), eq(evaluationCases.id, caseId)))
        .returning();
      return row;
    },

    async deleteCase(db: Executor, tenantId: string, setId: string, caseId: string): Promise<boolean> {
      const rows = await db
        .delete(evaluationCases)
        .where(inTenant(evaluationCases, tenantId, eq(evaluationCases.setId, setId), eq(evaluationCases.id, caseId)))
        .returning({ id: evaluationCases.id });
      return rows.length > 0;
    },

    async listCases(db: Executor, tenantId: string, setId: string, page: PageRequest) {
      return db
        .select({ row: evaluationCases, cursorAt: cursorTimestamp(evaluationCases.createdAt) })
        .from(evaluationCases)
        .where(
          inTenant(
            evaluationCases,
            tenantId,
            eq(evaluationCases.setId, setId),
            afterCursor(evaluationCases.createdAt, evaluationCases.id, page.after),
          ),
        )
        .orderBy(...newestFirst(evaluationCases.createdAt, evaluationCases.id))
        .limit(page.limit + 1);
    },

    /** Every case of a set, oldest first: what a run starting now reads. */
    async allCases(db: Executor, tenantId: string, setId: string): Promise<EvaluationCaseRow[]> {
      return db
        .select()
        .from(evaluationCases)
        .where(inTenant(evaluationCases, tenantId, eq(evaluationCases.setId, setId)))
        .orderBy(asc(evaluationCases.createdAt), asc(evaluationCases.id));
    },
  };
}

export type EvaluationSetsRepository = ReturnType<typeof createEvaluationSetsRepository>;
