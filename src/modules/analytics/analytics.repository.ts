import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { percentilesOf, type Duration } from './analytics-percentiles.js';
import {
  type ActiveRow,
  type AnalyticsScope,
  type ConversationRow,
  type MessageGroupRow,
  type RatingRow,
  type SupportRow,
  type ToolRow,
  messageGroupColumns,
} from './analytics-rows.js';
import { rowsOf } from '../../platform/db/raw-sql.js';

/** The filters' objects, each looked up in the one tenant read. */
const filterTables = {
  tenant: sql.raw('tenants'),
  agent: sql.raw('agents'),
  inbox: sql.raw('inboxes'),
  operator: sql.raw('users'),
} as const;

/** A daily rollup's bucket: its day, or the Monday of its week. */
const bucketOfDay = (scope: AnalyticsScope): SQL =>
  sql`to_char(date_trunc(${sql.raw(scope.bucket === 'week' ? "'week'" : "'day'")}, day::timestamp), 'YYYY-MM-DD')`;

/** The daily rows of the tenant read and the agent and inbox filters, on any day. */
function dimensionScope(scope: AnalyticsScope): SQL {
  const tenant = scope.tenantId === null ? sql`true` : sql`tenant_id = ${scope.tenantId}`;
  const agent = scope.agentId ? sql`and agent_key = ${scope.agentId}` : sql``;
  const inbox = scope.inboxId ? sql`and inbox_key = ${scope.inboxId}` : sql``;
  return sql`${tenant} ${agent} ${inbox}`;
}

/** The daily rows of the range, of the tenant read and the agent and inbox filters. */
function dailyScope(scope: AnalyticsScope): SQL {
  const from = scope.from.toISOString().slice(0, 10);
  const until = scope.until.toISOString().slice(0, 10);
  return sql`${dimensionScope(scope)} and day >= ${from}::date and day < ${until}::date`;
}

/** How many of each duration the tenant holds in all, within the filters (one row a day and group). */
async function readDurationsOfTenant(db: Executor, scope: AnalyticsScope): Promise<Record<Duration, number>> {
  if (scope.tenantId === null) return { aiResponse: 0, humanResponse: 0, resolution: 0 };
  const result = await db.execute(sql`
    select coalesce(sum(ai_responses), 0)::int as "aiResponse",
      coalesce(sum(human_responses), 0)::int as "humanResponse", coalesce(sum(resolutions), 0)::int as resolution
    from analytics_daily_conversations where ${dimensionScope(scope)}`);
  return rowsOf<Record<Duration, number>>(result)[0] ?? { aiResponse: 0, humanResponse: 0, resolution: 0 };
}

/**
 * The conversations' and the support figures both need the tenant's counts (to choose how to read the
 * percentiles); one overview builds one scope, so keyed on it they are read once.
 */
const durationsRead = new WeakMap<AnalyticsScope, Promise<Record<Duration, number>>>();
function durationsOfTenant(db: Executor, scope: AnalyticsScope): Promise<Record<Duration, number>> {
  let read = durationsRead.get(scope);
  if (!read) {
    read = readDurationsOfTenant(db, scope);
    durationsRead.set(scope, read);
  }
  return read;
}

/** The facts of conversations of the agent and inbox filters. */
function factFilters(scope: AnalyticsScope): SQL {
  const agent = scope.agentId ? sql`and agent_id = ${scope.agentId}` : sql``;
  const inbox = scope.inboxId ? sql`and inbox_id = ${scope.inboxId}` : sql``;
  return sql`${agent} ${inbox}`;
}

/** The percentiles belong to the range's total row; the buckets' rows have none (null). */
function withTotal<Row extends { readonly bucket: string | null }, Durations extends Partial<Row>>(
  rows: Row[],
  durations: Durations,
  none: Durations,
): Row[] {
  return rows.map((row) => ({ ...row, ...(row.bucket === null ? durations : none) }));
}

/** A bucket's label, or null in the grand total's row. */
const bucketOrTotal = (bucket: SQL): SQL => sql`case when grouping(${bucket}) = 1 then null else ${bucket} end`;

/**
 * The overview's SQL over the rollups (analytics-rollups.repository.ts keeps them): a few hundred daily
 * rows and one fact row per conversation in the range, instead of every message. The same figures as
 * analytics-raw.repository.ts, which the tests hold these to. No operator filter: see the service.
 */
export function createAnalyticsRepository() {
  return {
    /** Whether a filter's object exists (in `tenantId`, for all but tenants themselves). */
    async exists(db: Executor, kind: keyof typeof filterTables, id: string, tenantId: string): Promise<boolean> {
      const tenant = kind === 'tenant' ? sql`` : sql`and tenant_id = ${tenantId}`;
      const result = await db.execute(sql`select 1 from ${filterTables[kind]} where id = ${id} ${tenant} limit 1`);
      return rowsOf(result).length > 0;
    },

    /** Messages by bucket and model ref: counts by author and knowledge use. */
    async messageGroups(db: Executor, scope: AnalyticsScope): Promise<MessageGroupRow[]> {
      const result = await db.execute(sql`
        select ${messageGroupColumns()}
        from (
          select ${bucketOfDay(scope)} as bucket, tenant_id, nullif(model, '') as model,
            sum(user_messages) as user_messages, sum(ai_messages) as ai_messages,
            sum(operator_messages) as operator_messages,
            sum(knowledge_queries) as knowledge_queries, sum(knowledge_empty) as knowledge_empty,
            sum(cited_replies) as cited_replies
          from analytics_daily_messages
          where ${dailyScope(scope)}
          group by 1, 2, 3
        ) g`);
      return rowsOf<MessageGroupRow>(result);
    },

    /** People who wrote in the range: users in their own chats, contacts through inboxes. */
    async activePeople(db: Executor, scope: AnalyticsScope): Promise<ActiveRow> {
      const result = await db.execute(sql`
        select (count(*) filter (where not is_contact))::int as "activeUsers",
          (count(*) filter (where is_contact))::int as "activeContacts"
        from (select distinct is_contact, person_id from analytics_daily_people where ${dailyScope(scope)}) people`);
      return rowsOf<ActiveRow>(result)[0] ?? { activeUsers: 0, activeContacts: 0 };
    },

    /** Conversations started in the range, and the AI's first response in each (its percentiles in the total). */
    async conversations(db: Executor, scope: AnalyticsScope): Promise<ConversationRow[]> {
      const bucket = bucketOfDay(scope);
      const [counts, ofTenant] = await Promise.all([
        db.execute(sql`
          select ${bucketOrTotal(bucket)} as bucket, coalesce(sum(conversations), 0)::int as conversations,
            coalesce(sum(ai_responses), 0)::int as "aiResponses"
          from analytics_daily_conversations
          where ${dailyScope(scope)} and conversations > 0
          group by grouping sets ((${bucket}), ())`),
        durationsOfTenant(db, scope),
      ]);
      const rows = rowsOf<ConversationRow>(counts);
      const count = rows.find((row) => row.bucket === null)?.aiResponses ?? 0;
      const aiResponseMs = await percentilesOf(
        db,
        scope,
        'aiResponse',
        { count, ofTenant: ofTenant.aiResponse },
        factFilters(scope),
      );
      return withTotal(rows, { aiResponseMs }, { aiResponseMs: null });
    },

    /** Support conversations started in the range: handoffs, the AI alone, human response, resolution. */
    async supportConversations(db: Executor, scope: AnalyticsScope): Promise<SupportRow[]> {
      const bucket = bucketOfDay(scope);
      const [counts, ofTenant] = await Promise.all([
        db.execute(sql`
          select ${bucketOrTotal(bucket)} as bucket,
            coalesce(sum(support_conversations), 0)::int as "supportConversations",
            coalesce(sum(handed_off), 0)::int as "handedOff", coalesce(sum(ai_resolved), 0)::int as "aiResolved",
            coalesce(sum(human_responses), 0)::int as "humanResponses", coalesce(sum(resolutions), 0)::int as resolutions
          from analytics_daily_conversations
          where ${dailyScope(scope)} and support_conversations > 0
          group by grouping sets ((${bucket}), ())`),
        durationsOfTenant(db, scope),
      ]);
      const rows = rowsOf<SupportRow>(counts);
      const total = rows.find((row) => row.bucket === null);
      const [humanResponseMs, resolutionMs] = await Promise.all([
        percentilesOf(
          db,
          scope,
          'humanResponse',
          { count: total?.humanResponses ?? 0, ofTenant: ofTenant.humanResponse },
          factFilters(scope),
        ),
        percentilesOf(
          db,
          scope,
          'resolution',
          { count: total?.resolutions ?? 0, ofTenant: ofTenant.resolution },
          factFilters(scope),
        ),
      ]);
      return withTotal(rows, { humanResponseMs, resolutionMs }, { humanResponseMs: null, resolutionMs: null });
    },

    /** Ratings given in the range, of support conversations within the filters. */
    async ratings(db: Executor, scope: AnalyticsScope): Promise<RatingRow[]> {
      const bucket = bucketOfDay(scope);
      const result = await db.execute(sql`
        select ${bucketOrTotal(bucket)} as bucket, coalesce(sum(ratings), 0)::int as ratings,
          (sum(rating_sum)::numeric / nullif(sum(ratings), 0))::float8 as average,
          ${sql.join(
            [1, 2, 3, 4, 5].map(
              (value) => sql`coalesce(sum(${sql.raw(`rated_${value}`)}), 0)::int as ${sql.raw(`r${value}`)}`,
            ),
            sql`, `,
          )}
        from analytics_daily_activity
        where ${dailyScope(scope)} and ratings > 0
        group by grouping sets ((${bucket}), ())`);
      return rowsOf<RatingRow>(result);
    },

    /** Tool executions in the range; a failure ended in an error, a timeout or invalid arguments (not a denial). */
    async tools(db: Executor, scope: AnalyticsScope): Promise<ToolRow[]> {
      const bucket = bucketOfDay(scope);
      const result = await db.execute(sql`
        select ${bucketOrTotal(bucket)} as bucket, coalesce(sum(tool_calls), 0)::int as calls,
          coalesce(sum(tool_failures), 0)::int as failures
        from analytics_daily_activity
        where ${dailyScope(scope)} and tool_calls > 0
        group by grouping sets ((${bucket}), ())`);
      return rowsOf<ToolRow>(result);
    },
  };
}

export type AnalyticsRepository = ReturnType<typeof createAnalyticsRepository>;
