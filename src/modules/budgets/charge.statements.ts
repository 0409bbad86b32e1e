import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { preparedFor } from '../../platform/db/prepared.js';

/**
 * One finished call's charge as data-modifying CTEs, which PostgreSQL runs with whatever statement holds
 * them, so the ledger row and the month's counters are written together or not at all: its ledger row;
 * for a call that reserved its estimate (`isSettling`), the reservation deleted; the month's counters,
 * with the reservation given back in the same update. Every value is a placeholder named `prefix` + its
 * name (`chargeValuesOf`), so the text never changes and a statement that holds the charge beside values
 * of its own (the chat turn's reply, issue 63) keeps both apart. `charged` answers the month's totals.
 */
export function chargeCtes(db: Executor, isSettling: boolean, prefix = '') {
  const value = (name: keyof ChargeValues) => sql.placeholder(prefix + name);
  const ledger = db.$with(`${prefix}ledger`, {}).as(sql`
    INSERT INTO usage_ledger (tenant_id, month, path, user_id, contact_id, agent_id, agent_version, conversation_id,
      provider, model_ref, input_tokens, output_tokens, cost_micros, latency_ms, outcome)
    VALUES (${value('tenantId')}::uuid, ${value('month')}::date, ${value('path')}::text, ${value('userId')}::uuid,
      ${value('contactId')}::uuid, ${value('agentId')}::uuid, ${value('agentVersion')}::int,
      ${value('conversationId')}::uuid,
      ${value('provider')}::text, ${value('modelRef')}::text, ${value('inputTokens')}::int,
      ${value('outputTokens')}::int, ${value('ledgerCostMicros')}::bigint, ${value('latencyMs')}::int,
      ${value('outcome')}::text)`);
  const released = db.$with(`${prefix}released`, {}).as(sql`
    DELETE FROM budget_reservations WHERE id = ${value('reservationId')}::uuid RETURNING tokens, cost_micros`);
  const releasedName = sql.identifier(`${prefix}released`);
  const giveBack = isSettling
    ? sql`reserved_tokens = greatest(u.reserved_tokens - coalesce((SELECT sum(tokens) FROM ${releasedName}), 0), 0),
        reserved_cost_micros =
          greatest(u.reserved_cost_micros - coalesce((SELECT sum(cost_micros) FROM ${releasedName}), 0), 0),`
    : sql``;
  const charged = db.$with(`${prefix}charged`, {}).as(sql`
    INSERT INTO tenant_monthly_usage AS u (tenant_id, month, input_tokens, output_tokens, cost_micros, model_calls)
    VALUES (${value('tenantId')}::uuid, ${value('month')}::date, ${value('inputTokens')}::bigint,
      ${value('outputTokens')}::bigint, ${value('costMicros')}::bigint, 1)
    ON CONFLICT (tenant_id, month) DO UPDATE SET
      input_tokens = u.input_tokens + excluded.input_tokens,
      output_tokens = u.output_tokens + excluded.output_tokens,
      cost_micros = u.cost_micros + excluded.cost_micros,
      model_calls = u.model_calls + 1,
      ${giveBack}
      updated_at = now()
    RETURNING u.input_tokens, u.output_tokens, u.cost_micros, u.model_calls`);
  const chargedName = sql.identifier(`${prefix}charged`);
  const total = (column: string): SQL<string | number> =>
    sql<string | number>`(SELECT ${sql.identifier(column)} FROM ${chargedName})`;
  return {
    ctes: [ledger, ...(isSettling ? [released] : []), charged],
    /** The month's totals after the charge, as columns of the statement's result. */
    totals: {
      input_tokens: total('input_tokens'),
      output_tokens: total('output_tokens'),
      cost_micros: total('cost_micros'),
      model_calls: total('model_calls'),
    },
  };
}

/** The values of one charge's placeholders (`chargeCtes`); `reservationId` only where it settles. */
export interface ChargeValues {
  readonly tenantId: string;
  readonly month: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costMicros: number;
  readonly path: string;
  readonly userId: string | null;
  readonly contactId: string | null;
  readonly agentId: string | null;
  readonly agentVersion: number | null;
  readonly conversationId: string | null;
  readonly provider: string;
  readonly modelRef: string;
  readonly ledgerCostMicros: number | null;
  readonly latencyMs: number;
  readonly outcome: string;
  readonly reservationId?: string;
}

/** The values under the names a statement built with `prefix` gives its placeholders. */
export function chargeValuesOf(values: ChargeValues, prefix = ''): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [prefix + name, value]));
}

/** One finished call charged in one statement of its own, prepared (it runs after every model call). */
function chargeStatement(db: Executor, isSettling: boolean) {
  const { ctes, totals } = chargeCtes(db, isSettling);
  return db
    .with(...ctes)
    .select(totals)
    .from(sql`(SELECT 1) AS one`)
    .prepare(isSettling ? 'budgets_settle_call' : 'budgets_add_usage');
}

export const addUsageStatement = preparedFor((db) => chargeStatement(db, false));
export const settleCallStatement = preparedFor((db) => chargeStatement(db, true));
