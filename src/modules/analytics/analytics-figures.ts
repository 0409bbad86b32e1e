import type { ActiveRow, ConversationRow, MessageGroupRow, RatingRow, SupportRow, ToolRow } from './analytics-rows.js';
import type { SpendGroupRow } from './analytics-spend.repository.js';
import type { AnalyticsBucket, AnalyticsOverview, SeriesPoint } from './analytics.schemas.js';

export interface OverviewRows {
  readonly messages: readonly MessageGroupRow[];
  readonly active: ActiveRow;
  readonly conversations: readonly ConversationRow[];
  readonly support: readonly SupportRow[];
  readonly ratings: readonly RatingRow[];
  readonly tools: readonly ToolRow[];
  /** Tokens and cost: the usage ledger's calls, of every path. */
  readonly spend: readonly SpendGroupRow[];
}

const dayMs = 86_400_000;

/** Every bucket start of the range, so days with nothing show as zeros (weeks start on Monday, UTC). */
export function bucketStarts(from: string, to: string, bucket: AnalyticsBucket): string[] {
  let at = Date.parse(`${from}T00:00:00Z`);
  if (bucket === 'week') at -= ((new Date(at).getUTCDay() + 6) % 7) * dayMs;
  const end = Date.parse(`${to}T00:00:00Z`);
  const step = bucket === 'week' ? 7 * dayMs : dayMs;
  const starts: string[] = [];
  for (; at <= end; at += step) starts.push(new Date(at).toISOString().slice(0, 10));
  return starts;
}

const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
const round = (value: number | null, digits: number) =>
  value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;

function percentilesOf(count: number, values: readonly (number | null)[] | null | undefined) {
  return { count, p50Ms: round(values?.[0] ?? null, 0), p90Ms: round(values?.[1] ?? null, 0) };
}

const emptyPoint = (start: string): SeriesPoint => ({
  start,
  conversations: 0,
  userMessages: 0,
  aiMessages: 0,
  operatorMessages: 0,
  supportConversations: 0,
  handedOff: 0,
  aiResolved: 0,
  ratings: 0,
  csatAverage: null,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  knowledgeQueries: 0,
  toolCalls: 0,
  toolFailures: 0,
});

/** The series: one point per bucket, each query's per-bucket rows merged in. */
function seriesOf(starts: readonly string[], rows: OverviewRows): SeriesPoint[] {
  const points = new Map(starts.map((start) => [start, emptyPoint(start)]));
  const at = (bucket: string | null) => (bucket === null ? undefined : points.get(bucket));
  for (const row of rows.messages) {
    const point = at(row.bucket);
    if (!point) continue;
    point.userMessages += row.userMessages;
    point.aiMessages += row.aiMessages;
    point.operatorMessages += row.operatorMessages;
    point.knowledgeQueries += row.knowledgeQueries;
  }
  for (const row of rows.spend) {
    const point = at(row.bucket);
    if (!point) continue;
    point.inputTokens += row.inputTokens;
    point.outputTokens += row.outputTokens;
    point.costUsd += row.costUsd ?? 0;
  }
  for (const row of rows.conversations) {
    const point = at(row.bucket);
    if (point) point.conversations = row.conversations;
  }
  for (const row of rows.support) {
    const point = at(row.bucket);
    if (!point) continue;
    point.supportConversations = row.supportConversations;
    point.handedOff = row.handedOff;
    point.aiResolved = row.aiResolved;
  }
  for (const row of rows.ratings) {
    const point = at(row.bucket);
    if (!point) continue;
    point.ratings = row.ratings;
    point.csatAverage = round(row.average, 3);
  }
  for (const row of rows.tools) {
    const point = at(row.bucket);
    if (!point) continue;
    point.toolCalls = row.calls;
    point.toolFailures = row.failures;
  }
  return [...points.values()].map((point) => ({ ...point, costUsd: round(point.costUsd, 6) ?? 0 }));
}

/**
 * Calls, tokens and cost by provider and model over the whole range (the ledger), most tokens first,
 * with the AI replies each model wrote (the message rows).
 */
function modelsOf(rows: OverviewRows): AnalyticsOverview['models'] {
  const replies = new Map<string, number>();
  for (const row of rows.messages) {
    if (row.model !== null) replies.set(row.model, (replies.get(row.model) ?? 0) + row.aiMessages);
  }
  const byRef = new Map<string, AnalyticsOverview['models'][number]>();
  for (const row of rows.spend) {
    const key = `${row.providerKind ?? ''}\u0000${row.modelRef}`;
    const colon = row.modelRef.indexOf(':');
    const entry = byRef.get(key) ?? {
      provider: row.provider,
      providerKind: row.providerKind,
      model: colon >= 0 ? row.modelRef.slice(colon + 1) : row.modelRef,
      replies: 0,
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: null,
    };
    if (entry.calls === 0) entry.replies = replies.get(row.modelRef) ?? 0;
    entry.calls += row.calls;
    entry.inputTokens += row.inputTokens;
    entry.outputTokens += row.outputTokens;
    if (row.costUsd !== null) entry.costUsd = (entry.costUsd ?? 0) + row.costUsd;
    byRef.set(key, entry);
  }
  return [...byRef.values()]
    .map((entry) => ({ ...entry, costUsd: round(entry.costUsd, 6) }))
    .sort(
      (a, b) => b.inputTokens + b.outputTokens - (a.inputTokens + a.outputTokens) || a.model.localeCompare(b.model),
    );
}

/** Calls, tokens and cost per path over the whole range, most costly first. */
function spendByPathOf(rows: readonly SpendGroupRow[]): AnalyticsOverview['totals']['spendByPath'] {
  const byPath = new Map<string, AnalyticsOverview['totals']['spendByPath'][number]>();
  for (const row of rows) {
    const entry = byPath.get(row.path) ?? { path: row.path, calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
    entry.calls += row.calls;
    entry.inputTokens += row.inputTokens;
    entry.outputTokens += row.outputTokens;
    entry.costUsd += row.costUsd ?? 0;
    byPath.set(row.path, entry);
  }
  return [...byPath.values()]
    .map((entry) => ({ ...entry, costUsd: round(entry.costUsd, 6) ?? 0 }))
    .sort((a, b) => b.costUsd - a.costUsd || b.calls - a.calls || a.path.localeCompare(b.path));
}

/**
 * Calls, tokens and cost per version of the agent read (`agentId`), newest version first; evaluation
 * runs' calls counted apart, so a version tried before it was published is told from one in use.
 */
function spendByVersionOf(rows: readonly SpendGroupRow[]): AnalyticsOverview['totals']['spendByVersion'] {
  const byVersion = new Map<number, AnalyticsOverview['totals']['spendByVersion'][number]>();
  for (const row of rows) {
    if (row.agentVersion === null) continue;
    const entry = byVersion.get(row.agentVersion) ?? {
      version: row.agentVersion,
      calls: 0,
      evaluationCalls: 0,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
    };
    entry.calls += row.calls;
    if (row.path === 'evaluation') entry.evaluationCalls += row.calls;
    entry.inputTokens += row.inputTokens;
    entry.outputTokens += row.outputTokens;
    entry.costUsd += row.costUsd ?? 0;
    byVersion.set(row.agentVersion, entry);
  }
  return [...byVersion.values()]
    .map((entry) => ({ ...entry, costUsd: round(entry.costUsd, 6) ?? 0 }))
    .sort((a, b) => b.version - a.version);
}

/** The overview's figures from the queries' rows: the null-bucket rows are the range's totals. */
export function buildOverview(range: AnalyticsOverview['range'], rows: OverviewRows): AnalyticsOverview {
  const sum = (pick: (row: MessageGroupRow) => number) => rows.messages.reduce((total, row) => total + pick(row), 0);
  const spent = (pick: (row: SpendGroupRow) => number) => rows.spend.reduce((total, row) => total + pick(row), 0);
  const user = sum((row) => row.userMessages);
  const ai = sum((row) => row.aiMessages);
  const operator = sum((row) => row.operatorMessages);
  const conversations = rows.conversations.find((row) => row.bucket === null);
  const support = rows.support.find((row) => row.bucket === null);
  const ratings = rows.ratings.find((row) => row.bucket === null);
  const tools = rows.tools.find((row) => row.bucket === null);
  const supportCount = support?.supportConversations ?? 0;
  const knowledgeQueries = sum((row) => row.knowledgeQueries);
  const foundNothing = sum((row) => row.knowledgeEmpty);
  const cited = sum((row) => row.citedReplies);
  const calls = tools?.calls ?? 0;
  const failures = tools?.failures ?? 0;
  return {
    range,
    totals: {
      conversations: conversations?.conversations ?? 0,
      messages: { total: user + ai + operator, user, ai, operator },
      activeUsers: rows.active.activeUsers,
      activeContacts: rows.active.activeContacts,
      supportConversations: supportCount,
      aiResolved: support?.aiResolved ?? 0,
      aiResolvedRate: share(support?.aiResolved ?? 0, supportCount),
      handedOff: support?.handedOff ?? 0,
      handoffRate: share(support?.handedOff ?? 0, supportCount),
      firstResponseAi: percentilesOf(conversations?.aiResponses ?? 0, conversations?.aiResponseMs),
      firstResponseHuman: percentilesOf(support?.humanResponses ?? 0, support?.humanResponseMs),
      resolution: percentilesOf(support?.resolutions ?? 0, support?.resolutionMs),
      csat: {
        ratings: ratings?.ratings ?? 0,
        average: round(ratings?.average ?? null, 3),
        distribution: {
          1: ratings?.r1 ?? 0,
          2: ratings?.r2 ?? 0,
          3: ratings?.r3 ?? 0,
          4: ratings?.r4 ?? 0,
          5: ratings?.r5 ?? 0,
        },
      },
      modelCalls: spent((row) => row.calls),
      tokens: { input: spent((row) => row.inputTokens), output: spent((row) => row.outputTokens) },
      costUsd:
        round(
          spent((row) => row.costUsd ?? 0),
          6,
        ) ?? 0,
      unpricedTokens: spent((row) => row.unpricedTokens),
      spendByPath: spendByPathOf(rows.spend),
      // Version numbers are an agent's own: summed over several agents they would mean nothing.
      spendByVersion: range.agentId ? spendByVersionOf(rows.spend) : [],
      knowledge: {
        queries: knowledgeQueries,
        foundNothing,
        foundNothingRate: share(foundNothing, knowledgeQueries),
        cited,
        citedRate: share(cited, knowledgeQueries),
      },
      tools: { calls, failures, failureRate: share(failures, calls) },
    },
    models: modelsOf(rows),
    series: seriesOf(bucketStarts(range.from, range.to, range.bucket), rows),
  };
}
