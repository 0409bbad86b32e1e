import { and, desc, eq, max, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import {
  budgetThresholdEvents,
  tenantBudgets,
  tenantMonthlyUsage,
  tenants,
  userDailyMessages,
} from '../../platform/db/schema/index.js';
import { rowsOf } from '../../platform/db/raw-sql.js';
import { addUsageStatement, settleCallStatement, type ChargeValues } from './charge.statements.js';
import { countedMessageSql } from './daily-message-count.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

/** The ledger's row of one call, written by the statement that adds the call to its month. */
export interface LedgerEntry {
  readonly path: string;
  readonly userId: string | null;
  readonly contactId: string | null;
  readonly agentId: string | null;
  readonly agentVersion: number | null;
  readonly conversationId: string | null;
  readonly provider: string;
  readonly modelRef: string;
  /** Null: the price table has no price for the model. */
  readonly costMicros: number | null;
  readonly latencyMs: number;
  readonly outcome: string;
}

/**
 * The values of the charge statements (charge.statements.ts): the month's counters and the ledger's row,
 * and the reservation the charge gives back when the call made one.
 */
export function chargeValues(
  usage: { tenantId: string; month: string; inputTokens: number; outputTokens: number; costMicros: number },
  entry: LedgerEntry,
  reservationId?: string,
): ChargeValues {
  return {
    ...(reservationId !== undefined && { reservationId }),
    tenantId: usage.tenantId,
    month: usage.month,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    costMicros: usage.costMicros,
    path: entry.path,
    userId: entry.userId,
    contactId: entry.contactId,
    agentId: entry.agentId,
    agentVersion: entry.agentVersion,
    conversationId: entry.conversationId,
    provider: entry.provider,
    modelRef: entry.modelRef,
    ledgerCostMicros: entry.costMicros,
    latencyMs: entry.latencyMs,
    outcome: entry.outcome,
  };
}

/** One running call's hold on its tenant's month: what `settle` gives back. */
export interface Reservation {
  readonly id: string;
  readonly tenantId: string;
  readonly month: string;
}

/** The month's totals as a charge statement answers them (bigint columns: strings from some drivers). */
export interface UsageTotalsRow {
  input_tokens: string | number;
  output_tokens: string | number;
  cost_micros: string | number;
  model_calls: string | number;
}

export const asUsage = (row: UsageTotalsRow): MonthlyUsage => ({
  inputTokens: Number(row.input_tokens),
  outputTokens: Number(row.output_tokens),
  costMicros: Number(row.cost_micros),
  modelCalls: Number(row.model_calls),
});

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

    /** The month's use and what its running calls hold (the sum of their reservations), read together. */
    async findUsageAndHeld(
      db: Executor,
      tenantId: string,
      month: string,
    ): Promise<{ usage: MonthlyUsage; held: { tokens: number; costMicros: number } }> {
      const [row] = await db
        .select({
          ...usageColumns,
          heldTokens: tenantMonthlyUsage.reservedTokens,
          heldCostMicros: tenantMonthlyUsage.reservedCostMicros,
        })
        .from(tenantMonthlyUsage)
        .where(inTenant(tenantMonthlyUsage, tenantId, eq(tenantMonthlyUsage.month, month)));
      if (!row) return { usage: noUsage, held: { tokens: 0, costMicros: 0 } };
      const { heldTokens, heldCostMicros, ...usage } = row;
      return { usage, held: { tokens: heldTokens, costMicros: heldCostMicros } };
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
     * Adds one call to the month's row and writes its ledger row, in one statement: concurrent calls on
     * any node each add their own tokens (the row lock serialises the additions), and the totals come back.
     */
    async addUsage(
      db: Executor,
      usage: { tenantId: string; month: string; inputTokens: number; outputTokens: number; costMicros: number },
      entry: LedgerEntry,
    ): Promise<MonthlyUsage> {
      const [row] = await addUsageStatement(db).execute({ ...chargeValues(usage, entry) });
      return asUsage(row!);
    },

    /** A charge as `chargeValues` made it: `settle` where it gives back a reservation, else `addUsage`. */
    async charge(db: Executor, values: ChargeValues): Promise<MonthlyUsage> {
      const statement = values.reservationId === undefined ? addUsageStatement : settleCallStatement;
      const [row] = await statement(db).execute({ ...values });
      return asUsage(row!);
    },

    /**
     * Reserves `tokens` and `costMicros` of the month for one call, only while what was used plus what
     * running calls hold is below each budget. One statement: the upsert locks the month's row and is
     * re-checked against its newest version, so calls at the edge on any number of nodes are admitted
     * one at a time, and together they can pass a budget by at most one call's reservation. The row
     * in `budget_reservations` lets the sweep give back a reservation whose node died. Undefined: refused.
     */
    async reserve(
      db: Executor,
      hold: { tenantId: string; month: string; tokens: number; costMicros: number; expiresAt: Date },
    ): Promise<Reservation | undefined> {
      const { tenantId, month, tokens, costMicros, expiresAt } = hold;
      const result = await db.execute(sql`
        WITH budget AS (
          SELECT monthly_tokens, monthly_cost_micros FROM tenant_budgets WHERE tenant_id = ${tenantId}::uuid
        ), held AS (
          INSERT INTO tenant_monthly_usage AS u (tenant_id, month, reserved_tokens, reserved_cost_micros)
          SELECT ${tenantId}::uuid, ${month}::date, ${tokens}::bigint, ${costMicros}::bigint FROM budget
           WHERE coalesce(budget.monthly_tokens > 0, true) AND coalesce(budget.monthly_cost_micros > 0, true)
          ON CONFLICT (tenant_id, month) DO UPDATE
            SET reserved_tokens = u.reserved_tokens + excluded.reserved_tokens,
                reserved_cost_micros = u.reserved_cost_micros + excluded.reserved_cost_micros
            WHERE (SELECT coalesce(u.input_tokens + u.output_tokens + u.reserved_tokens < b.monthly_tokens, true)
                      AND coalesce(u.cost_micros + u.reserved_cost_micros < b.monthly_cost_micros, true)
                     FROM budget b)
          RETURNING u.tenant_id
        )
        INSERT INTO budget_reservations (tenant_id, month, tokens, cost_micros, expires_at)
        SELECT ${tenantId}::uuid, ${month}::date, ${tokens}::bigint, ${costMicros}::bigint, ${expiresAt.toISOString()}::timestamptz
          FROM held
        RETURNING id`);
      const [row] = rowsOf<{ id: string }>(result);
      return row ? { id: row.id, tenantId, month } : undefined;
    },

    /**
     * Charges one call's use, writes its ledger row and gives back its reservation, in one statement. A reservation the sweep
     * already gave back (the call outlived it) is not given back twice; the use is charged either way.
     */
    async settle(
      db: Executor,
      reservation: Reservation,
      use: { inputTokens: number; outputTokens: number; costMicros: number },
      entry: LedgerEntry,
    ): Promise<MonthlyUsage> {
      const { id, tenantId, month } = reservation;
      const [row] = await settleCallStatement(db).execute({ ...chargeValues({ tenantId, month, ...use }, entry, id) });
      return asUsage(row!);
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
      const counted = countedMessageSql({
        tenantId: sql`${admit.tenantId}`,
        userId: sql`${admit.userId}`,
        day: sql`${admit.day}`,
        cap: sql`${admit.cap}`,
      });
      const [row] = rowsOf<{ messages: number }>(await db.execute(counted));
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
