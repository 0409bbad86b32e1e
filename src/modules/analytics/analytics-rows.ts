import { sql, type SQL } from 'drizzle-orm';
import type { AnalyticsBucket } from './analytics.schemas.js';

/* What both repositories share: the scope of a request, the rows they answer, and SQL fragments. */

/** What one analytics request reads: a tenant (or all: null), a half-open UTC range, and filters. */
export interface AnalyticsScope {
  readonly tenantId: string | null;
  readonly from: Date;
  /** Exclusive: the start of the day after the range's last day. */
  readonly until: Date;
  readonly bucket: AnalyticsBucket;
  readonly agentId?: string;
  readonly inboxId?: string;
  readonly operatorId?: string;
}

/** Each query answers per bucket and, in the row whose bucket is null, for the whole range. */
interface Bucketed {
  readonly bucket: string | null;
}

export interface MessageGroupRow {
  readonly bucket: string;
  readonly model: string | null;
  readonly userMessages: number;
  readonly aiMessages: number;
  readonly operatorMessages: number;
  readonly knowledgeQueries: number;
  readonly knowledgeEmpty: number;
  readonly citedReplies: number;
}

export interface ConversationRow extends Bucketed {
  readonly conversations: number;
  readonly aiResponses: number;
  readonly aiResponseMs: readonly (number | null)[] | null;
}

export interface SupportRow extends Bucketed {
  readonly supportConversations: number;
  readonly handedOff: number;
  readonly aiResolved: number;
  readonly humanResponses: number;
  readonly humanResponseMs: readonly (number | null)[] | null;
  readonly resolutions: number;
  readonly resolutionMs: readonly (number | null)[] | null;
}

export interface RatingRow extends Bucketed {
  readonly ratings: number;
  readonly average: number | null;
  readonly r1: number;
  readonly r2: number;
  readonly r3: number;
  readonly r4: number;
  readonly r5: number;
}

export interface ToolRow extends Bucketed {
  readonly calls: number;
  readonly failures: number;
}

export interface ActiveRow {
  readonly activeUsers: number;
  readonly activeContacts: number;
}

/** The unit is inlined (one of two words), not a parameter: GROUP BY must see the same expression as SELECT. */
export const bucketOf = (scope: AnalyticsScope, column: SQL): SQL =>
  sql`to_char(date_trunc(${sql.raw(scope.bucket === 'week' ? "'week'" : "'day'")}, ${column} at time zone 'UTC'), 'YYYY-MM-DD')`;

export const inScope = (scope: AnalyticsScope, tenantColumn: SQL, timeColumn: SQL): SQL => {
  const tenant = scope.tenantId === null ? sql`true` : sql`${tenantColumn} = ${scope.tenantId}`;
  return sql`${tenant} and ${timeColumn} >= ${scope.from.toISOString()}::timestamptz and ${timeColumn} < ${scope.until.toISOString()}::timestamptz`;
};

/** Milliseconds between two timestamps, as float8. */
export const msBetween = (earlier: SQL, later: SQL): SQL => sql`extract(epoch from (${later} - ${earlier})) * 1000`;

/** The p50 and p90 of a duration, nulls left out. */
export const p50p90 = (value: SQL): SQL =>
  sql`percentile_cont(array[0.5, 0.9]::float8[]) within group (order by ${value})`;

/**
 * The columns of a MessageGroupRow, over a subquery `g` of sums by bucket and model ref: the counts.
 * Tokens and cost are the usage ledger's (analytics-spend.repository.ts), which counts every call.
 */
export const messageGroupColumns = (): SQL => sql`
  g.bucket, g.model,
  g.user_messages::int as "userMessages", g.ai_messages::int as "aiMessages",
  g.operator_messages::int as "operatorMessages",
  g.knowledge_queries::int as "knowledgeQueries", g.knowledge_empty::int as "knowledgeEmpty",
  g.cited_replies::int as "citedReplies"`;

/**
 * A support conversation of the inbox and operator filters (its current assignee), linked by `link`:
 * a conversation outside any inbox matches neither.
 */
export function supportFilter(scope: AnalyticsScope, link: SQL): SQL {
  const inbox = scope.inboxId ? sql`and fs.inbox_id = ${scope.inboxId}` : sql``;
  const operator = scope.operatorId ? sql`and fs.assignee_id = ${scope.operatorId}` : sql``;
  return sql`exists (select 1 from support_conversations fs where ${link} ${inbox} ${operator})`;
}

/**
 * A conversation's first user message (`first_user.created_at`) and the AI's first complete reply after
 * it (`first_ai.completed_at`), as lateral joins on `conversation` (a column of conversation ids): how
 * the time to the AI's first response is measured, from the raw rows and for the rollups alike.
 */
export const firstExchangeJoins = (conversation: SQL): SQL => sql`
  left join lateral (
    select m.created_at from messages m
    where m.conversation_id = ${conversation} and m.role = 'user' order by m.created_at, m.id limit 1
  ) first_user on true
  left join lateral (
    select m.completed_at from messages m
    where m.conversation_id = ${conversation} and m.role = 'assistant' and m.author_id is null
      and m.status = 'complete' and m.created_at >= first_user.created_at
    order by m.created_at, m.id limit 1
  ) first_ai on true`;
