import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import {
  bucketOf,
  firstExchangeJoins,
  inScope,
  msBetween,
  p50p90,
  type ActiveRow,
  type AnalyticsScope,
  type ConversationRow,
  type MessageGroupRow,
  type RatingRow,
  type SupportRow,
  type ToolRow,
  messageGroupColumns,
  supportFilter,
} from './analytics-rows.js';
import { rowsOf } from '../../platform/db/raw-sql.js';

/** A percentile is given for the range's total only (the series has none per bucket). */
const totalOnly = (scope: AnalyticsScope, column: SQL, value: SQL): SQL =>
  sql`case when grouping(${bucketOf(scope, column)}) = 1 then ${value} end`;

/**
 * The filters, as conditions on a chat conversation's id: its agent, and for inbox and operator the
 * support conversation it belongs to (its current assignee). A conversation outside any inbox matches
 * no inbox or operator filter.
 */
function conversationFilters(scope: AnalyticsScope, conversationId: SQL): SQL {
  const parts: SQL[] = [];
  if (scope.agentId) {
    parts.push(
      sql`exists (select 1 from conversations fc where fc.id = ${conversationId} and fc.agent_id = ${scope.agentId})`,
    );
  }
  if (scope.inboxId || scope.operatorId) parts.push(supportFilter(scope, sql`fs.conversation_id = ${conversationId}`));
  return parts.length === 0 ? sql`` : sql`and ${sql.join(parts, sql` and `)}`;
}

/**
 * The figures straight from the raw tables (indexes in migration 0026). The overview reads them only with
 * an operator filter, which the rollups do not keep (a conversation changes hands); the tests hold the
 * rollups to these.
 */
export function createAnalyticsRawRepository() {
  return {
    /** Messages by bucket and model ref: counts by author and knowledge use. */
    async messageGroups(db: Executor, scope: AnalyticsScope): Promise<MessageGroupRow[]> {
      const result = await db.execute(sql`
        select ${messageGroupColumns()}
        from (
          select ${bucketOf(scope, sql`m.created_at`)} as bucket, m.tenant_id, m.model,
            count(*) filter (where m.role = 'user') as user_messages,
            count(*) filter (where m.role = 'assistant' and m.author_id is null) as ai_messages,
            count(*) filter (where m.role = 'assistant' and m.author_id is not null) as operator_messages,
            count(m.passages_found) as knowledge_queries,
            count(*) filter (where m.passages_found = 0) as knowledge_empty,
            count(*) filter (where m.passages_found is not null and jsonb_array_length(m.citations) > 0) as cited_replies
          from messages m
          where ${inScope(scope, sql`m.tenant_id`, sql`m.created_at`)} and m.role <> 'system'
            ${conversationFilters(scope, sql`m.conversation_id`)}
          group by 1, 2, 3
        ) g`);
      return rowsOf<MessageGroupRow>(result);
    },

    /** People who wrote in the range: users in their own chats, contacts through inboxes. */
    async activePeople(db: Executor, scope: AnalyticsScope): Promise<ActiveRow> {
      const result = await db.execute(sql`
        select count(distinct c.owner_id) filter (where sc.id is null)::int as "activeUsers",
          count(distinct sc.contact_id)::int as "activeContacts"
        from messages m
        join conversations c on c.id = m.conversation_id
        left join support_conversations sc on sc.conversation_id = c.id
        where ${inScope(scope, sql`m.tenant_id`, sql`m.created_at`)} and m.role = 'user'
          ${conversationFilters(scope, sql`m.conversation_id`)}`);
      return rowsOf<ActiveRow>(result)[0] ?? { activeUsers: 0, activeContacts: 0 };
    },

    /**
     * Conversations started in the range, and the AI's first response in each: from its first user
     * message to the completion of the first AI reply written after it.
     */
    async conversations(db: Executor, scope: AnalyticsScope): Promise<ConversationRow[]> {
      const result = await db.execute(sql`
        with scoped as (
          select c.id, c.created_at from conversations c
          where ${inScope(scope, sql`c.tenant_id`, sql`c.created_at`)} ${conversationFilters(scope, sql`c.id`)}
        ), firsts as (
          select s.created_at, first_user.created_at as user_at, first_ai.completed_at as ai_at
          from scoped s ${firstExchangeJoins(sql`s.id`)}
        )
        select case when grouping(${bucketOf(scope, sql`created_at`)}) = 1 then null
            else ${bucketOf(scope, sql`created_at`)} end as bucket,
          count(*)::int as conversations,
          count(ai_at)::int as "aiResponses",
          ${totalOnly(scope, sql`created_at`, p50p90(msBetween(sql`user_at`, sql`ai_at`)))} as "aiResponseMs"
        from firsts
        group by grouping sets ((${bucketOf(scope, sql`created_at`)}), ())`);
      return rowsOf<ConversationRow>(result);
    },

    /**
     * Support conversations started in the range: handed to a person (any status change to pending or
     * open), resolved by the AI alone (resolved, never handed), the human first response (from the
     * handoff to the first operator message) and the resolution time (from start to first resolution).
     */
    async supportConversations(db: Executor, scope: AnalyticsScope): Promise<SupportRow[]> {
      const agent = scope.agentId
        ? sql`and exists (select 1 from conversations fc where fc.id = sc.conversation_id and fc.agent_id = ${scope.agentId})`
        : sql``;
      const inbox = scope.inboxId ? sql`and sc.inbox_id = ${scope.inboxId}` : sql``;
      const operator = scope.operatorId ? sql`and sc.assignee_id = ${scope.operatorId}` : sql``;
      const result = await db.execute(sql`
        with scoped as (
          select sc.id, sc.conversation_id, sc.created_at from support_conversations sc
          where ${inScope(scope, sql`sc.tenant_id`, sql`sc.created_at`)} ${agent} ${inbox} ${operator}
        ), status_times as (
          select e.support_conversation_id as id,
            min(e.created_at) filter (where e.to_status in ('pending', 'open')) as handed_at,
            min(e.created_at) filter (where e.to_status = 'resolved') as resolved_at
          from support_events e join scoped s on s.id = e.support_conversation_id
          group by e.support_conversation_id
        ), first_operator as (
          select s.id, min(m.created_at) as operator_at
          from scoped s
          join status_times t on t.id = s.id
          join messages m on m.conversation_id = s.conversation_id
          where m.author_id is not null and m.created_at >= t.handed_at
          group by s.id
        ), facts as (
          select s.created_at, t.handed_at, t.resolved_at, o.operator_at
          from scoped s
          left join status_times t on t.id = s.id
          left join first_operator o on o.id = s.id
        )
        select case when grouping(${bucketOf(scope, sql`created_at`)}) = 1 then null
            else ${bucketOf(scope, sql`created_at`)} end as bucket,
          count(*)::int as "supportConversations",
          count(handed_at)::int as "handedOff",
          (count(*) filter (where resolved_at is not null and handed_at is null))::int as "aiResolved",
          count(operator_at)::int as "humanResponses",
          ${totalOnly(scope, sql`created_at`, p50p90(msBetween(sql`handed_at`, sql`operator_at`)))} as "humanResponseMs",
          count(resolved_at)::int as resolutions,
          ${totalOnly(scope, sql`created_at`, p50p90(msBetween(sql`created_at`, sql`resolved_at`)))} as "resolutionMs"
        from facts
        group by grouping sets ((${bucketOf(scope, sql`created_at`)}), ())`);
      return rowsOf<SupportRow>(result);
    },

    /** Ratings given in the range, of support conversations within the filters. */
    async ratings(db: Executor, scope: AnalyticsScope): Promise<RatingRow[]> {
      const link = sql`fs.id = r.support_conversation_id`;
      const agent = scope.agentId
        ? sql`and exists (select 1 from support_conversations ls join conversations fc on fc.id = ls.conversation_id
            where ls.id = r.support_conversation_id and fc.agent_id = ${scope.agentId})`
        : sql``;
      const support = scope.inboxId || scope.operatorId ? sql`and ${supportFilter(scope, link)}` : sql``;
      const result = await db.execute(sql`
        select case when grouping(${bucketOf(scope, sql`r.created_at`)}) = 1 then null
            else ${bucketOf(scope, sql`r.created_at`)} end as bucket,
          count(*)::int as ratings, avg(r.rating)::float8 as average,
          ${sql.join(
            [1, 2, 3, 4, 5].map(
              (value) => sql`(count(*) filter (where r.rating = ${value}))::int as ${sql.raw(`r${value}`)}`,
            ),
            sql`, `,
          )}
        from support_ratings r
        where ${inScope(scope, sql`r.tenant_id`, sql`r.created_at`)} ${agent} ${support}
        group by grouping sets ((${bucketOf(scope, sql`r.created_at`)}), ())`);
      return rowsOf<RatingRow>(result);
    },

    /** Tool executions in the range; a failure ended in an error, a timeout or invalid arguments (not a denial). */
    async tools(db: Executor, scope: AnalyticsScope): Promise<ToolRow[]> {
      const agent = scope.agentId ? sql`and t.agent_id = ${scope.agentId}` : sql``;
      const support =
        scope.inboxId || scope.operatorId
          ? sql`and ${supportFilter(scope, sql`fs.conversation_id = t.conversation_id`)}`
          : sql``;
      const result = await db.execute(sql`
        select case when grouping(${bucketOf(scope, sql`t.created_at`)}) = 1 then null
            else ${bucketOf(scope, sql`t.created_at`)} end as bucket,
          count(*)::int as calls,
          (count(*) filter (where t.outcome in ('error', 'timeout', 'invalid_arguments')))::int as failures
        from tool_executions t
        where ${inScope(scope, sql`t.tenant_id`, sql`t.created_at`)} ${agent} ${support}
        group by grouping sets ((${bucketOf(scope, sql`t.created_at`)}), ())`);
      return rowsOf<ToolRow>(result);
    },
  };
}

export type AnalyticsRawRepository = ReturnType<typeof createAnalyticsRawRepository>;
