import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { inScope, p50p90, type AnalyticsScope } from './analytics-rows.js';
import { rowsOf } from '../../platform/db/raw-sql.js';

/** The durations the overview gives percentiles of, each with its fact table. */
const durations = {
  aiResponse: { table: 'analytics_conversation_facts', column: 'ai_response_ms' },
  humanResponse: { table: 'analytics_support_facts', column: 'human_response_ms' },
  resolution: { table: 'analytics_support_facts', column: 'resolution_ms' },
} as const;

export type Duration = keyof typeof durations;

// Below this many values sorting them costs under a millisecond: no need to be clever.
const sortBelow = 2_000;
// The walk reads the tenant's values in order up to the 90th percentile of the range's: worth it when
// the range holds a good share of them (a 90-day overview of a 90-day history), not for a day of years.
const walkFromShare = 0.3;

const fractions = [0.5, 0.9] as const;

/**
 * The p50 and p90 of a duration over the range's facts (null when there is none), exactly as
 * PostgreSQL's percentile_cont gives them. Sorting a million-message range's 100,000 durations was the
 * overview's largest cost; when the range holds most of the tenant's values, each percentile instead
 * reads the two values it lies between by walking the duration's index in value order (`offset k limit
 * 2`), and interpolates as percentile_cont does. `count` is how many values the range holds, `ofTenant`
 * how many the tenant holds in all (within the same filters).
 */
export async function percentilesOf(
  db: Executor,
  scope: AnalyticsScope,
  duration: Duration,
  counts: { readonly count: number; readonly ofTenant: number },
  filters: SQL,
): Promise<[number, number] | null> {
  const { table, column } = durations[duration];
  const value = sql.raw(column);
  const from = sql`from ${sql.raw(table)}
    where ${inScope(scope, sql`tenant_id`, sql`created_at`)} and ${value} is not null ${filters}`;
  if (counts.count === 0) return null;
  const walks = scope.tenantId !== null && counts.count >= sortBelow && counts.count >= walkFromShare * counts.ofTenant;
  const sorted = async () => {
    const result = await db.execute(sql`select ${p50p90(value)} as values ${from}`);
    return rowsOf<{ values: [number, number] | null }>(result)[0]?.values ?? null;
  };
  if (!walks) return sorted();
  const walked = await Promise.all(
    fractions.map(async (fraction) => {
      // percentile_cont: the value at 0-based position fraction × (n − 1), between its two neighbours.
      const position = fraction * (counts.count - 1);
      const lower = Math.floor(position);
      const result = await db.execute(sql`select ${value} as value ${from} order by ${value} offset ${lower} limit 2`);
      const [first, second = first] = rowsOf<{ value: number }>(result).map((row) => Number(row.value));
      return first === undefined || second === undefined ? null : first + (second - first) * (position - lower);
    }),
  );
  const [p50, p90] = walked;
  // A recount committed between the counts and the walk can leave the position past the end: sort then.
  return p50 === null || p90 === null || p50 === undefined || p90 === undefined ? sorted() : [p50, p90];
}
