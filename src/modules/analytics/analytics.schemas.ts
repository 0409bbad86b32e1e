import { z } from 'zod';

/** The longest range one request may span: a year (and a day, for a leap year's). */
export const maxRangeDays = 366;
export const analyticsBuckets = ['day', 'week'] as const;
export type AnalyticsBucket = (typeof analyticsBuckets)[number];

/**
 * The days a range may name. Outside them the database's dates end (no year 0; a day after 9999-12-31
 * is written with six digits) and a week's Monday can fall before the first; no message was written
 * before 1970, and a range a thousand years ahead is a typing error, answered as one.
 */
export const firstCountedDay = '1970-01-01';
export const lastCountedDay = '2999-12-31';

export const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine(
    (value) =>
      !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value),
    'is not a calendar date',
  )
  .refine(
    (value) => value >= firstCountedDay && value <= lastCountedDay,
    `must be a day between ${firstCountedDay} and ${lastCountedDay}`,
  );

const dayMs = 86_400_000;

/**
 * The range of a query: `from` and `to` filled in (the last 30 days to today by default) and held to at
 * most maxRangeDays, `to` not before `from`. Shared by every analytics query.
 */
export function withRange<Query extends { from?: string; to?: string }>(
  query: Query,
  context: z.RefinementCtx,
): Query & { from: string; to: string } {
  const today = new Date().toISOString().slice(0, 10);
  const to = query.to ?? (query.from && query.from > today ? query.from : today);
  const thirtyDaysBefore = new Date(Date.parse(`${to}T00:00:00Z`) - 29 * dayMs).toISOString().slice(0, 10);
  const from = query.from ?? (thirtyDaysBefore < firstCountedDay ? firstCountedDay : thirtyDaysBefore);
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / dayMs + 1;
  if (days < 1) {
    context.addIssue({ code: 'custom', path: ['to'], message: `must be on or after from (${from})` });
    return z.NEVER;
  }
  if (days > maxRangeDays) {
    context.addIssue({
      code: 'custom',
      path: ['to'],
      message: `the range spans ${days} days; ask for at most ${maxRangeDays} at a time`,
    });
    return z.NEVER;
  }
  return { ...query, from, to };
}

/**
 * `from` and `to` are UTC days, both included; without them, the last 30 days to today. A platform admin
 * may add `tenantId` (one tenant, or `all`); the others read their own tenant only.
 */
export const analyticsQuery = z
  .strictObject({
    from: isoDate.optional(),
    to: isoDate.optional(),
    bucket: z.enum(analyticsBuckets).default('day'),
    agentId: z.uuid().optional(),
    inboxId: z.uuid().optional(),
    operatorId: z.uuid().optional(),
    tenantId: z.union([z.uuid(), z.literal('all')]).optional(),
    format: z.enum(['json', 'csv']).optional(),
  })
  .transform(withRange);
export type AnalyticsQuery = z.infer<typeof analyticsQuery>;

const percentiles = z.object({
  /** How many conversations the figure was measured over. */
  count: z.number().int(),
  p50Ms: z.number().nullable(),
  p90Ms: z.number().nullable(),
});

const share = z.number().nullable().describe('0 to 1; null when there is nothing to divide by');

export const modelUsageSchema = z.object({
  /** The tenant's provider name in the model ref (`openai` in `openai:gpt-4o-mini`); `offline` for the built-in model. */
  provider: z.string(),
  providerKind: z.string().nullable(),
  model: z.string(),
  /** AI replies written with this model (message rows). */
  replies: z.number().int(),
  /** Model calls of every path (the usage ledger): replies, titles, jobs, the API, the desk. */
  calls: z.number().int(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  /** null when the price table had no row for this provider kind and model when its calls were made. */
  costUsd: z.number().nullable(),
});

export const pathSpendSchema = z.object({
  /** What the calls were for: `chat`, `support`, `openai_api`, `title`, `summary`, `memory`, … */
  path: z.string(),
  calls: z.number().int(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
});

export const seriesPointSchema = z.object({
  /** The first UTC day of the bucket (a Monday for weeks, which may fall before `from`). */
  start: z.string(),
  conversations: z.number().int(),
  userMessages: z.number().int(),
  aiMessages: z.number().int(),
  operatorMessages: z.number().int(),
  supportConversations: z.number().int(),
  handedOff: z.number().int(),
  aiResolved: z.number().int(),
  ratings: z.number().int(),
  csatAverage: z.number().nullable(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  costUsd: z.number(),
  knowledgeQueries: z.number().int(),
  toolCalls: z.number().int(),
  toolFailures: z.number().int(),
});
export type SeriesPoint = z.infer<typeof seriesPointSchema>;

export const analyticsOverviewSchema = z.object({
  range: z.object({
    from: z.string(),
    to: z.string(),
    bucket: z.enum(analyticsBuckets),
    /** The tenant read; null when a platform admin read all tenants. */
    tenantId: z.uuid().nullable(),
    agentId: z.uuid().nullable(),
    inboxId: z.uuid().nullable(),
    operatorId: z.uuid().nullable(),
  }),
  totals: z.object({
    conversations: z.number().int(),
    messages: z.object({
      total: z.number().int(),
      user: z.number().int(),
      ai: z.number().int(),
      operator: z.number().int(),
    }),
    activeUsers: z.number().int(),
    activeContacts: z.number().int(),
    supportConversations: z.number().int(),
    aiResolved: z.number().int(),
    aiResolvedRate: share,
    handedOff: z.number().int(),
    handoffRate: share,
    firstResponseAi: percentiles,
    firstResponseHuman: percentiles,
    resolution: percentiles,
    csat: z.object({
      ratings: z.number().int(),
      average: z.number().nullable(),
      /** How many ratings of each value, 1 to 5. */
      distribution: z.object({ 1: z.number(), 2: z.number(), 3: z.number(), 4: z.number(), 5: z.number() }),
    }),
    /** Every model call of the range, from the usage ledger (the rows budgets count too). */
    modelCalls: z.number().int(),
    tokens: z.object({ input: z.number(), output: z.number() }),
    /** The priced calls' cost; calls of unpriced models add nothing (see `unpricedTokens`). */
    costUsd: z.number(),
    unpricedTokens: z.number(),
    /** Spend per path, most costly first. */
    spendByPath: z.array(pathSpendSchema),
    /** With `agentId`: spend per version of that agent, newest first (docs/agents.md); empty otherwise. */
    spendByVersion: z.array(
      z.object({
        version: z.number().int(),
        calls: z.number().int(),
        /** Of `calls`, those of evaluation runs (path `evaluation`). */
        evaluationCalls: z.number().int(),
        inputTokens: z.number(),
        outputTokens: z.number(),
        costUsd: z.number(),
      }),
    ),
    knowledge: z.object({
      queries: z.number().int(),
      foundNothing: z.number().int(),
      foundNothingRate: share,
      cited: z.number().int(),
      citedRate: share,
    }),
    tools: z.object({ calls: z.number().int(), failures: z.number().int(), failureRate: share }),
  }),
  models: z.array(modelUsageSchema),
  series: z.array(seriesPointSchema),
});
export type AnalyticsOverview = z.infer<typeof analyticsOverviewSchema>;
