import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { ProviderKind } from '../../platform/db/schema/index.js';

/** A model's price in USD per million tokens, as the price table holds it. */
export interface ModelPrice {
  readonly providerKind: ProviderKind;
  readonly model: string;
  readonly inputUsdPerMillion: number;
  readonly outputUsdPerMillion: number;
}

/** Tokens a model used; `providerKind` null when the ref names no provider of the tenant (the offline model). */
export interface ModelUsage {
  readonly providerKind: ProviderKind | null;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface UsageCost {
  /** The cost of every priced model's tokens. */
  readonly costUsd: number;
  /** The usage no price covers: counted as zero above, so a caller can say the cost is a floor. */
  readonly unpriced: readonly ModelUsage[];
}

const tokensPerMillion = 1_000_000;

/** The USD cost of one model's tokens at one price. */
export function tokenCostUsd(
  price: Pick<ModelPrice, 'inputUsdPerMillion' | 'outputUsdPerMillion'>,
  usage: Pick<ModelUsage, 'inputTokens' | 'outputTokens'>,
): number {
  return (
    (usage.inputTokens * price.inputUsdPerMillion + usage.outputTokens * price.outputUsdPerMillion) / tokensPerMillion
  );
}

/** Turns token counts by model into a cost: each usage priced by its (provider kind, model) row. */
export function costOfUsage(prices: readonly ModelPrice[], usage: readonly ModelUsage[]): UsageCost {
  const byKey = new Map(prices.map((price) => [priceKey(price.providerKind, price.model), price]));
  let costUsd = 0;
  const unpriced: ModelUsage[] = [];
  for (const item of usage) {
    const price = item.providerKind ? byKey.get(priceKey(item.providerKind, item.model)) : undefined;
    if (price) costUsd += tokenCostUsd(price, item);
    else if (item.inputTokens > 0 || item.outputTokens > 0) unpriced.push(item);
  }
  return { costUsd, unpriced };
}

const priceKey = (kind: string, model: string) => `${kind}\u0000${model}`;

/** The provider name of a model ref (`<provider>:<model>`), in SQL: what the tenant's `providers.name` holds. */
export function modelRefProviderSql(modelRef: SQLWrapper): SQL<string> {
  return sql<string>`split_part(${modelRef}, ':', 1)`;
}

/** The model id of a model ref, in SQL: everything after the first colon (ids may hold colons themselves). */
export function modelRefModelSql(modelRef: SQLWrapper): SQL<string> {
  return sql<string>`substr(${modelRef}, strpos(${modelRef}, ':') + 1)`;
}

/**
 * The kind of the provider a model ref names, in SQL: the tenant's provider of that name, or else the
 * server-wide provider of that name (configured by env), or null.
 */
export function providerKindSql(
  tenantId: SQLWrapper,
  modelRef: SQLWrapper,
  serverKinds: ReadonlyMap<string, ProviderKind>,
): SQL<ProviderKind | null> {
  const name = modelRefProviderSql(modelRef);
  const tenantKind = sql`(select pr.kind from providers pr where pr.tenant_id = ${tenantId} and pr.name = ${name})`;
  if (serverKinds.size === 0) return sql<ProviderKind | null>`${tenantKind}`;
  const cases = [...serverKinds].map(([server, kind]) => sql`when ${server} then ${kind}`);
  return sql<ProviderKind | null>`coalesce(${tenantKind}, case ${name} ${sql.join(cases, sql` `)} end)`;
}

/**
 * The SQL form of costOfUsage for one model ref of one tenant: the ref's provider kind (providerKindSql),
 * then the price of (kind, model). Null when no price covers it. Use it over sums already grouped by
 * tenant and model ref (one lookup a group), e.g. `usageCostSql({ tenantId: messages.tenantId, modelRef:
 * messages.model, inputTokens: sql\`sum(input_tokens)\`, outputTokens: sql\`sum(output_tokens)\` })` in a
 * query grouped by both.
 */
export function usageCostSql(usage: {
  readonly tenantId: SQLWrapper;
  readonly modelRef: SQLWrapper;
  readonly inputTokens: SQLWrapper;
  readonly outputTokens: SQLWrapper;
  /** The server-wide providers' kinds by name (serverProviderKinds); none: tenant providers only. */
  readonly serverKinds?: ReadonlyMap<string, ProviderKind>;
}): SQL<number | null> {
  return sql<number | null>`(
    select (coalesce(${usage.inputTokens}, 0)::float8 * mp.input_usd_per_million
      + coalesce(${usage.outputTokens}, 0)::float8 * mp.output_usd_per_million) / ${tokensPerMillion}
    from model_prices mp
    where mp.provider_kind = ${providerKindSql(usage.tenantId, usage.modelRef, usage.serverKinds ?? new Map())}
      and mp.model = ${modelRefModelSql(usage.modelRef)}
  )`;
}
