import { and, asc, count, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../../platform/db/pagination.js';
import {
  evaluationResults,
  evaluationRuns,
  tenants,
  type EvaluationArmSummary,
  type EvaluationRunStatus,
} from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';

export type EvaluationRunRow = typeof evaluationRuns.$inferSelect;
export type EvaluationResultRow = typeof evaluationResults.$inferSelect;

const going: EvaluationRunStatus[] = ['queued', 'running'];

export function createEvaluationRunsRepository() {
  return {
    /** Holds the tenant's row until the transaction ends: two runs started at once are counted in turn. */
    async lockTenant(tx: Executor, tenantId: string): Promise<void> {
      await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).for('update');
    },

    async countGoing(db: Executor, tenantId: string): Promise<number> {
      const [row] = await db
        .select({ count: count() })
        .from(evaluationRuns)
        .where(inTenant(evaluationRuns, tenantId, inArray(evaluationRuns.status, going)));
      return row?.count ?? 0;
    },

    async insertRun(db: Executor, row: typeof evaluationRuns.$inferInsert): Promise<EvaluationRunRow> {
      const [inserted] = await db.insert(evaluationRuns).values(row).returning();
      return inserted!;
    },

    async findRun(db: Executor, tenantId: string, id: string): Promise<EvaluationRunRow | undefined> {
      const [row] = await db
        .select()
        .from(evaluationRuns)
        .where(inTenant(evaluationRuns, tenantId, eq(evaluationRuns.id, id)));
      return row;
    },

    async listRuns(db: Executor, tenantId: string, agentId: string, page: PageRequest) {
      return db
        .select({ row: evaluationRuns, cursorAt: cursorTimestamp(evaluationRuns.createdAt) })
        .from(evaluationRuns)
        .where(
          inTenant(
            evaluationRuns,
            tenantId,
            eq(evaluationRuns.agentId, agentId),
            afterCursor(evaluationRuns.createdAt, evaluationRuns.id, page.after),
          ),
        )
        .orderBy(...newestFirst(evaluationRuns.createdAt, evaluationRuns.id))
        .limit(page.limit + 1);
    },

    /** The agent's finished runs on a set, newest first: what the publish gate reads. */
    async completedRunsOnSet(db: Executor, tenantId: string, agentId: string, setId: string) {
      return db
        .select()
        .from(evaluationRuns)
        .where(
          inTenant(
            evaluationRuns,
            tenantId,
            eq(evaluationRuns.agentId, agentId),
            eq(evaluationRuns.setId, setId),
            eq(evaluationRuns.status, 'completed'),
          ),
        )
        .orderBy(...newestFirst(evaluationRuns.createdAt, evaluationRuns.id))
        .limit(50);
    },

    /**
     * Takes a queued run (or a running one, on a retry) as running; false when it has ended meanwhile,
     * as a stop ends a queued run: the row's lock orders the two, so only one of them goes on.
     */
    async markRunning(db: Executor, tenantId: string, id: string): Promise<boolean> {
      const rows = await db
        .update(evaluationRuns)
        .set({ status: 'running', startedAt: sql`coalesce(${evaluationRuns.startedAt}, now())` })
        .where(inTenant(evaluationRuns, tenantId, eq(evaluationRuns.id, id), inArray(evaluationRuns.status, going)))
        .returning({ id: evaluationRuns.id });
      return rows.length > 0;
    },

    async requestStop(db: Executor, tenantId: string, id: string): Promise<boolean> {
      const rows = await db
        .update(evaluationRuns)
        .set({ isStopRequested: true })
        .where(inTenant(evaluationRuns, tenantId, eq(evaluationRuns.id, id), inArray(evaluationRuns.status, going)))
        .returning({ id: evaluationRuns.id });
      return rows.length > 0;
    },

    async isStopRequested(db: Executor, tenantId: string, id: string): Promise<boolean> {
      const [row] = await db
        .select({ isStopRequested: evaluationRuns.isStopRequested })
        .from(evaluationRuns)
        .where(inTenant(evaluationRuns, tenantId, eq(evaluationRuns.id, id)));
      return row?.isStopRequested ?? true;
    },

    /** Ends a run that is still going; undefined when another node (or a stop) ended it first. */
    async finish(
      tx: Executor,
      tenantId: string,
      id: string,
      end: { status: EvaluationRunStatus; summary: EvaluationArmSummary[]; error: string | null },
      from: readonly EvaluationRunStatus[] = going,
    ): Promise<EvaluationRunRow | undefined> {
      const [row] = await tx
        .update(evaluationRuns)
        .set({ ...end, finishedAt: new Date() })
        .where(inTenant(evaluationRuns, tenantId, eq(evaluationRuns.id, id), inArray(evaluationRuns.status, [...from])))
        .returning();
      return row;
    },

    /** Runs of every tenant still queued after `olderThanMs`: their job may never have been sent. */
    async queuedSince(db: Executor, olderThanMs: number, limit: number) {
      return db
        .select({ tenantId: evaluationRuns.tenantId, runId: evaluationRuns.id })
        .from(evaluationRuns)
        .where(
          and(
            eq(evaluationRuns.status, 'queued'),
            lt(evaluationRuns.createdAt, sql`now() - make_interval(secs => ${olderThanMs / 1000})`),
          ),
        )
        .limit(limit);
    },

    /** Which (case, arm) pairs have a result: a resumed run answers only the others. */
    async answeredPairs(db: Executor, tenantId: string, runId: string): Promise<Set<string>> {
      const rows = await db
        .select({ caseIndex: evaluationResults.caseIndex, arm: evaluationResults.arm })
        .from(evaluationResults)
        .where(inTenant(evaluationResults, tenantId, eq(evaluationResults.runId, runId)));
      return new Set(rows.map((row) => `${row.caseIndex}:${row.arm}`));
    },

    /** Written once: a node that answered the same pair a moment earlier (before dying) keeps its result. */
    async insertResult(db: Executor, row: typeof evaluationResults.$inferInsert): Promise<void> {
      await db.insert(evaluationResults).values(row).onConflictDoNothing();
    },

    async results(db: Executor, tenantId: string, runId: string, range?: { from: number; to: number }) {
      return db
        .select()
        .from(evaluationResults)
        .where(
          inTenant(
            evaluationResults,
            tenantId,
            eq(evaluationResults.runId, runId),
            range && and(gte(evaluationResults.caseIndex, range.from), lt(evaluationResults.caseIndex, range.to)),
          ),
        )
        .orderBy(asc(evaluationResults.caseIndex), asc(evaluationResults.arm));
    },
  };
}

export type EvaluationRunsRepository = ReturnType<typeof createEvaluationRunsRepository>;
