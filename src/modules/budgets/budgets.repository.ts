import { and, desc, eq, max, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import {
  budgetThresholdEvents,
  tenantBudgets,
  tenantMonthlyUsage,
  tenants,
  userDailyMessages,
} from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type BudgetRow = typeof tenantBudgets.$inferSelect;
export type ThresholdEventRow = typeof budgetThresholdEvents.$inferSelect;

export interface MonthlyUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costMicros: number;
  readonly modelCalls: number;
}

export interface BudgetLimits {
  readonly monthlyTokens: number | null;
  readonly monthlyCostMicros: number | null;
  readonly dailyMessagesPerUser: number | null;
}

const noUsage: MonthlyUsage = { inputTokens: 0, outputTokens: 0, costMicros: 0, modelCalls: 0 };

const usageColumns = {
  inputTokens: tenantMonthlyUsage.inputTokens,
  outputTokens: tenantMonthlyUsage.outputTokens,
  costMicros: tenantMonthlyUsage.costMicros,
  modelCalls: tenantMonthlyUsage.modelCalls,
};

export function createBudgetsRepository() {
  return {
    async tenantExists(db: Executor, tenantId: string): Promise<boolean> {
      const [row] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
      return row !== undefined;
    },

    async findBudget(db: Executor, tenantId: string): Promise<BudgetRow | undefined> {
      const [row] = await db.select().from(tenantBudgets).where(inTenant(tenantBudgets, tenantId));
      return row;
    },

    /**
     * The check before a model call, in one primary-key read: the tenant's limits and this month's use.
     * Undefined when the tenant set no budget (nothing to check).
     */
    async findBudgetWithUsage(
      db: Executor,
      tenantId: string,
      month: string,
    ): Promise<{ budget: BudgetRow; usage: MonthlyUsage } | undefined> {
      const [row] = await db
        .select({ budget: tenantBudgets, usage: usageColumns })
        .from(tenantBudgets)
        .leftJoin(
          tenantMonthlyUsage,
          and(eq(tenantMonthlyUsage.tenantId, tenantBudgets.tenantId), eq(tenantMonthlyUsage.month, month)),
        )
        .where(inTenant(tenantBudgets, tenantId));
      if (!row) return undefined;
      return { budget: row.budget, usage: row.usage ?? noUsage };
    },

    async findUsage(db: Executor, tenantId: string, month: string): Promise<MonthlyUsage> {
      const [row] = await db
        .select(usageColumns)
        .from(tenantMonthlyUsage)
        .where(inTenant(tenantMonthlyUsage, tenantId, eq(tenantMonthlyUsage.month, month)));
      return row ?? noUsage;
    },

    async saveBudget(db: Executor, tenantId: string, limits: BudgetLimits, now: Date): Promise<BudgetRow> {
      const [row] = await db
        .insert(tenantBudgets)
        .values({ tenantId, ...limits, updatedAt: now })
        .onConflictDoUpdate({ target: tenantBudgets.tenantId, set: { ...limits, updatedAt: now } })
        .returning();
      return row!;
    },

    /**
     * Adds one finished call to the month's row in one statement: concurrent calls on any node each
     * add their own tokens (the row lock serialises the additions), and the totals come back.
     */
    async addUsage(
      db: Executor,
      usage: { tenantId: string; month: string; inputTokens: number; outputTokens: number; costMicros: number },
    ): Promise<MonthlyUsage> {
      const [row] = await db
        .insert(tenantMonthlyUsage)
        .values({ ...usage, modelCalls: 1 })
        .onConflictDoUpdate({
          target: [tenantMonthlyUsage.tenantId, tenantMonthlyUsage.month],
          set: {
            inputTokens: sql`${tenantMonthlyUsage.inputTokens} + ${usage.inputTokens}`,
            outputTokens: sql`${tenantMonthlyUsage.outputTokens} + ${usage.outputTokens}`,
            costMicros: sql`${tenantMonthlyUsage.costMicros} + ${usage.costMicros}`,
            modelCalls: sql`${tenantMonthlyUsage.modelCalls} + 1`,
            updatedAt: sql`now()`,
          },
        })
        .returning(usageColumns);
      return row!;
    },

    /**
     * Counts one message of a person's day if it stays within `cap` (null: no cap, always counted).
     * The increment and its condition are one statement, so two messages at the edge cannot both pass
     * on any number of nodes. Answers the day's count, or undefined when the cap refused it.
     */
    async admitMessage(
      db: Executor,
      admit: { tenantId: string; userId: string; day: string; cap: number | null },
    ): Promise<number | undefined> {
      const [row] = await db
        .insert(userDailyMessages)
        .values({ tenantId: admit.tenantId, userId: admit.userId, day: admit.day, messages: 1 })
        .onConflictDoUpdate({
          target: [userDailyMessages.tenantId, userDailyMessages.userId, userDailyMessages.day],
          set: { messages: sql`${userDailyMessages.messages} + 1` },
          ...(admit.cap !== null && { setWhere: sql`${userDailyMessages.messages} < ${admit.cap}` }),
        })
        .returning({ messages: userDailyMessages.messages });
      return row?.messages;
    },

    /** The most messages any one person of the tenant sent on `day`: how near the busiest is to the cap. */
    async mostMessagesOn(db: Executor, tenantId: string, day: string): Promise<number> {
      const [row] = await db
        .select({ most: max(userDailyMessages.messages) })
        .from(userDailyMessages)
        .where(inTenant(userDailyMessages, tenantId, eq(userDailyMessages.day, day)));
      return row?.most ?? 0;
    },

    /** Stores a threshold crossing once per budget, period and share; true only for the statement that stored it. */
    async insertThresholdEvent(db: Executor, event: typeof budgetThresholdEvents.$inferInsert): Promise<boolean> {
      const rows = await db
        .insert(budgetThresholdEvents)
        .values(event)
        .onConflictDoNothing()
        .returning({ tenantId: budgetThresholdEvents.tenantId });
      return rows.length > 0;
    },

    async listThresholdEvents(db: Executor, tenantId: string, limit: number): Promise<ThresholdEventRow[]> {
      return db
        .select()
        .from(budgetThresholdEvents)
        .where(inTenant(budgetThresholdEvents, tenantId))
        .orderBy(desc(budgetThresholdEvents.reachedAt))
        .limit(limit);
    },
  };
}

export type BudgetsRepository = ReturnType<typeof createBudgetsRepository>;
