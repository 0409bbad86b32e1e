/** What `GET /v1/analytics/overview` answers (docs/analytics.md), as the dashboard reads it. */
export interface Percentiles {
  count: number;
  p50Ms: number | null;
  p90Ms: number | null;
}

export interface SeriesPoint {
  start: string;
  conversations: number;
  userMessages: number;
  aiMessages: number;
  operatorMessages: number;
  supportConversations: number;
  handedOff: number;
  aiResolved: number;
  ratings: number;
  csatAverage: number | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  knowledgeQueries: number;
  toolCalls: number;
  toolFailures: number;
}

/** One path's model calls (chat, support, openai_api, title, summary, …) over the range. */
export interface PathSpend {
  path: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface AnalyticsOverview {
  range: { from: string; to: string; bucket: 'day' | 'week' };
  totals: {
    conversations: number;
    messages: { total: number; user: number; ai: number; operator: number };
    activeUsers: number;
    activeContacts: number;
    supportConversations: number;
    aiResolved: number;
    aiResolvedRate: number | null;
    handedOff: number;
    handoffRate: number | null;
    firstResponseAi: Percentiles;
    firstResponseHuman: Percentiles;
    resolution: Percentiles;
    csat: { ratings: number; average: number | null; distribution: Record<'1' | '2' | '3' | '4' | '5', number> };
    modelCalls: number;
    tokens: { input: number; output: number };
    costUsd: number;
    unpricedTokens: number;
    spendByPath: PathSpend[];
    /** With an agent chosen: its spend per version, newest first. */
    spendByVersion: (Omit<PathSpend, 'path'> & { version: number; evaluationCalls: number })[];
    knowledge: {
      queries: number;
      foundNothing: number;
      foundNothingRate: number | null;
      cited: number;
      citedRate: number | null;
    };
    tools: { calls: number; failures: number; failureRate: number | null };
  };
  models: {
    provider: string;
    providerKind: string | null;
    model: string;
    replies: number;
    calls: number;
    inputTokens: number;
    outputTokens: number;
    costUsd: number | null;
  }[];
  series: SeriesPoint[];
}

export interface AnalyticsFilters {
  from: string;
  to: string;
  bucket: 'day' | 'week';
  agentId: string;
  inboxId: string;
  operatorId: string;
}

export const analyticsPath = '/analytics';

/** The overview's query string; empty filters are left out. */
export function overviewQuery(filters: AnalyticsFilters): string {
  const params = new URLSearchParams({ from: filters.from, to: filters.to, bucket: filters.bucket });
  if (filters.agentId) params.set('agentId', filters.agentId);
  if (filters.inboxId) params.set('inboxId', filters.inboxId);
  if (filters.operatorId) params.set('operatorId', filters.operatorId);
  return params.toString();
}

const dayMs = 86_400_000;
const isoDay = (time: number) => new Date(time).toISOString().slice(0, 10);

/** The last 30 days by day, nothing narrowed: where the dashboard and an operator's ratings open. */
export function defaultFilters(): AnalyticsFilters {
  const today = Date.now();
  return {
    from: isoDay(today - 29 * dayMs),
    to: isoDay(today),
    bucket: 'day',
    agentId: '',
    inboxId: '',
    operatorId: '',
  };
}
