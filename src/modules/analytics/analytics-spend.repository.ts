import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { rowsOf } from '../../platform/db/raw-sql.js';
import type { ProviderKind } from '../../platform/db/schema/index.js';
import { providerKindSql } from '../pricing/index.js';
import { bucketOf, inScope, supportFilter, type AnalyticsScope } from './analytics-rows.js';

/** The ledger's calls of one bucket, path and model: what they used and cost. */
export interface SpendGroupRow {
  readonly bucket: string;
  readonly path: string;
  /** The agent's version the calls answered as; null for calls of no version (a judge, a title). */
  readonly agentVersion: number | null;
  readonly provider: string;
  readonly providerKind: string | null;
  readonly modelRef: string;
  readonly calls: number;
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** The priced calls' cost; null when none of the group's calls had a price. */
  readonly costUsd: number | null;
  /** Tokens of the group's calls the price table had no price for. */
  readonly unpricedTokens: number;
}

/**
 * The filters on a ledger row: its agent, and for inbox and operator the support conversation its
 * conversation belongs to (its current assignee), as the message figures are filtered.
 */
function ledgerFilters(scope: AnalyticsScope): SQL {
  const parts: SQL[] = [];
  if (scope.agentId) parts.push(sql`l.agent_id = ${scope.agentId}`);
  if (scope.inboxId || scope.operatorId) parts.push(supportFilter(scope, sql`fs.conversation_id = l.conversation_id`));
  return parts.length === 0 ? sql`` : sql`and ${sql.join(parts, sql` and `)}`;
}

/** Versions are one agent's own: grouped by only when the overview reads one agent, else one group. */
const versionOf = (scope: AnalyticsScope): SQL => (scope.agentId ? sql`l.agent_version` : sql`null::int`);

/**
 * What the overview says was spent, read from the usage ledger: the budgets' monthly counters are the
 * same rows summed (written by one statement), so the two agree to the cent. Each call's cost was fixed
 * when it was charged, at the price of that moment.
 */
export function createAnalyticsSpendRepository(serverKinds: ReadonlyMap<string, ProviderKind> = new Map()) {
  return {
    async spendGroups(db: Executor, scope: AnalyticsScope): Promise<SpendGroupRow[]> {
      const bucket = bucketOf(scope, sql`l.created_at`);
      const result = await db.execute(sql`
        select g.bucket, g.path, g.agent_version as "agentVersion", g.provider, g.model_ref as "modelRef",
          ${providerKindSql(sql`g.tenant_id`, sql`g.model_ref`, serverKinds)} as "providerKind",
          g.calls::int as calls, g.input_tokens::float8 as "inputTokens", g.output_tokens::float8 as "outputTokens",
          (g.cost_micros / 1000000.0)::float8 as "costUsd", g.unpriced_tokens::float8 as "unpricedTokens"
        from (
          select ${bucket} as bucket, l.tenant_id, l.path, l.provider, l.model_ref, ${versionOf(scope)} as agent_version,
            count(*) as calls, sum(l.input_tokens) as input_tokens, sum(l.output_tokens) as output_tokens,
            sum(l.cost_micros) as cost_micros,
            coalesce(sum(l.input_tokens + l.output_tokens) filter (where l.cost_micros is null), 0) as unpriced_tokens
          from usage_ledger l
          where ${inScope(scope, sql`l.tenant_id`, sql`l.created_at`)} ${ledgerFilters(scope)}
          group by 1, 2, 3, 4, 5, 6
        ) g`);
      return rowsOf<SpendGroupRow>(result);
    },
  };
}

export type AnalyticsSpendRepository = ReturnType<typeof createAnalyticsSpendRepository>;
