import { sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { preparedFor } from '../../platform/db/prepared.js';

const value = sql.placeholder;

/**
 * One finished call charged in one statement, prepared (it runs after every model call, a chat turn's
 * included: issue 63): its ledger row as a data-modifying CTE, which PostgreSQL runs with the statement,
 * so the row and the month's counters are written together or not at all; for a call that reserved its
 * estimate (`isSettling`), the reservation deleted and given back in the same update. Answers the month's
 * totals. Every value is a placeholder, so the text never changes.
 */
function chargeStatement(db: Executor, isSettling: boolean) {
  const ledger = db.$with('ledger', {}).as(sql`
    INSERT INTO usage_ledger (tenant_id, month, path, user_id, contact_id, agent_id, conversation_id, provider,
      model_ref, input_tokens, output_tokens, cost_micros, latency_ms, outcome)
    VALUES (${value('tenantId')}::uuid, ${value('month')}::date, ${value('path')}::text, ${value('userId')}::uuid,
      ${value('contactId')}::uuid, ${value('agentId')}::uuid, ${value('conversationId')}::uuid,
      ${value('provider')}::text, ${value('modelRef')}::text, ${value('inputTokens')}::int,
      ${value('outputTokens')}::int, ${value('ledgerCostMicros')}::bigint, ${value('latencyMs')}::int,
      ${value('outcome')}::text)`);
  const released = db.$with('released', {}).as(sql`
    DELETE FROM budget_reservations WHERE id = ${value('reservationId')}::uuid RETURNING tokens, cost_micros`);
  const giveBack = isSettling
    ? sql`reserved_tokens = greatest(u.reserved_tokens - coalesce((SELECT sum(tokens) FROM released), 0), 0),
        reserved_cost_micros =
          greatest(u.reserved_cost_micros - coalesce((SELECT sum(cost_micros) FROM released), 0), 0),`
    : sql``;
  const charged = db.$with('charged', {}).as(sql`
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
  return db
    .with(ledger, ...(isSettling ? [released] : []), charged)
    .select({
      input_tokens: sql<string | number>`(SELECT input_tokens FROM charged)`,
      output_tokens: sql<string | number>`(SELECT output_tokens FROM charged)`,
      cost_micros: sql<string | number>`(SELECT cost_micros FROM charged)`,
      model_calls: sql<string | number>`(SELECT model_calls FROM charged)`,
    })
    .from(sql`(SELECT 1) AS one`)
    .prepare(isSettling ? 'budgets_settle_call' : 'budgets_add_usage');
}

export const addUsageStatement = preparedFor((db) => chargeStatement(db, false));
export const settleCallStatement = preparedFor((db) => chargeStatement(db, true));
