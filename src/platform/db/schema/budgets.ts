import { bigint, date, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { tenantColumn, updatedAt } from './columns.js';
import { users } from './users.js';

/** What a tenant may spend: each limit is optional (null: no limit). One row per tenant that set any. */
export const tenantBudgets = pgTable('tenant_budgets', {
  tenantId: tenantColumn().primaryKey(),
  /** Tokens in and out together, per calendar month (UTC). */
  monthlyTokens: bigint('monthly_tokens', { mode: 'number' }),
  /** In millionths of the price table's currency, per calendar month (UTC). */
  monthlyCostMicros: bigint('monthly_cost_micros', { mode: 'number' }),
  /** Messages one person may send a day (UTC), on every path that answers a person. */
  dailyMessagesPerUser: integer('daily_messages_per_user'),
  updatedAt: updatedAt(),
});

/**
 * What a tenant used in one month, incremented when each model call finishes (one upsert adding to
 * the row, so concurrent calls on any node all count): the check before a call reads one row.
 */
export const tenantMonthlyUsage = pgTable(
  'tenant_monthly_usage',
  {
    tenantId: tenantColumn(),
    /** The first day of the month, UTC. */
    month: date('month', { mode: 'string' }).notNull(),
    inputTokens: bigint('input_tokens', { mode: 'number' }).notNull().default(0),
    outputTokens: bigint('output_tokens', { mode: 'number' }).notNull().default(0),
    costMicros: bigint('cost_micros', { mode: 'number' }).notNull().default(0),
    modelCalls: integer('model_calls').notNull().default(0),
    /**
     * What calls running now may still use: each call reserves its estimate before it starts (admitted
     * only while use plus reservations is below the budget) and gives it back when it is charged. The
     * sum of the live rows of `budget_reservations` for this month.
     */
    reservedTokens: bigint('reserved_tokens', { mode: 'number' }).notNull().default(0),
    reservedCostMicros: bigint('reserved_cost_micros', { mode: 'number' }).notNull().default(0),
    updatedAt: updatedAt(),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.month] })],
);

/**
 * One running call's reservation, so that one a node never settled (it died mid-call) is given back
 * by the maintenance sweep once it expires, not held until the month ends.
 */
export const budgetReservations = pgTable(
  'budget_reservations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    month: date('month', { mode: 'string' }).notNull(),
    tokens: bigint('tokens', { mode: 'number' }).notNull(),
    costMicros: bigint('cost_micros', { mode: 'number' }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (table) => [
    index('budget_reservations_tenant_idx').on(table.tenantId),
    index('budget_reservations_expires_idx').on(table.expiresAt),
  ],
);

/** Messages one person sent in one day (UTC): counted when the message is admitted, under its cap. */
export const userDailyMessages = pgTable(
  'user_daily_messages',
  {
    tenantId: tenantColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    messages: integer('messages').notNull().default(0),
  },
  (table) => [
    primaryKey({ columns: [table.tenantId, table.userId, table.day] }),
    index('user_daily_messages_user_idx').on(table.userId),
  ],
);

/** A budget's use crossing a share of it (80%), stored once per budget and period. */
export const budgetThresholdEvents = pgTable(
  'budget_threshold_events',
  {
    tenantId: tenantColumn(),
    /** `monthly_tokens` or `monthly_cost`. */
    budget: text('budget').notNull(),
    /** The first day of the period (month), UTC. */
    period: date('period', { mode: 'string' }).notNull(),
    percent: integer('percent').notNull(),
    used: bigint('used', { mode: 'number' }).notNull(),
    budgetLimit: bigint('budget_limit', { mode: 'number' }).notNull(),
    reachedAt: timestamp('reached_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.budget, table.period, table.percent] })],
);

/**
 * One row per model call, however it ended: who it was for, on which path, what it used and cost.
 * Written by the same statement that adds the call to `tenant_monthly_usage`, so the budgets' monthly
 * counters are this ledger summed, and analytics (which reads the ledger) agrees with them to the cent.
 * People and conversations are kept as plain ids: deleting them must not rewrite what was spent.
 */
export const usageLedger = pgTable(
  'usage_ledger',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tenantId: tenantColumn(),
    /** The budget month the call was charged to (first day, UTC). */
    month: date('month', { mode: 'string' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** What the call was for: `chat`, `openai_api`, `title`, `summary`, … (`ai/usage-paths.ts`). */
    path: text('path').notNull(),
    userId: uuid('user_id'),
    contactId: uuid('contact_id'),
    agentId: uuid('agent_id'),
    /** The agent's version the call answered as (agent_versions.number), when it was one's. */
    agentVersion: integer('agent_version'),
    conversationId: uuid('conversation_id'),
    /** The model ref's provider name (`openai`, a tenant's provider, `offline`) and the whole ref. */
    provider: text('provider').notNull(),
    modelRef: text('model_ref').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    /** Millionths of the price table's currency; null when the table has no price for the model. */
    costMicros: bigint('cost_micros', { mode: 'number' }),
    latencyMs: integer('latency_ms').notNull(),
    /** `finished`, `stopped` (the reader ended it), `failed` (mid-way or refused by the provider). */
    outcome: text('outcome').notNull(),
  },
  (table) => [
    index('usage_ledger_tenant_created_idx').on(table.tenantId, table.createdAt),
    index('usage_ledger_tenant_month_idx').on(table.tenantId, table.month),
  ],
);
