import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { noneKey } from '../../platform/db/schema/index.js';
import { rowsOf, uuidArray } from '../../platform/db/raw-sql.js';
import { firstExchangeJoins } from './analytics-rows.js';

/** What the triggers noted (migration 0036): a day to recount, conversations to recompute, or (none) the tenant. */
export interface NotedChange {
  readonly day: string | null;
  readonly conversationId: string | null;
  readonly supportConversationId: string | null;
  readonly whole: boolean;
}

/** The days to recount: some, or every day the tenant has rows on (a rebuild). */
export type Days = readonly string[] | 'all';
/** The conversations to recompute: some, or all of the tenant's. */
export type Conversations = readonly string[] | 'all';

const none = sql`${noneKey}::uuid`;
const rollupTables = [
  'analytics_daily_messages',
  'analytics_daily_people',
  'analytics_daily_activity',
  'analytics_daily_conversations',
  'analytics_conversation_facts',
  'analytics_support_facts',
];
const dayOf = (column: SQL): SQL => sql`(${column} at time zone 'UTC')::date`;
const msBetween = (earlier: SQL, later: SQL): SQL => sql`extract(epoch from (${later} - ${earlier})) * 1000`;
const dateArray = (days: readonly string[]): SQL => sql`${`{${days.join(',')}}`}::date[]`;

/** Rows of `days` by their time column: a range the (tenant, time) index reads, then the exact days. */
function onDays(days: Days, column: SQL): SQL {
  if (days === 'all') return sql`true`;
  const sorted = [...days].sort();
  return sql`${column} >= (${sorted[0]}::date)::timestamp at time zone 'UTC'
    and ${column} < (${sorted.at(-1)}::date + 1)::timestamp at time zone 'UTC'
    and ${dayOf(column)} = any(${dateArray(sorted)})`;
}

/** The distinct days of the `created_at` of a CTE's rows (facts removed or written). */
const daysOfRows = (cte: 'gone' | 'made' | 'touched'): SQL =>
  sql`select distinct to_char(${dayOf(sql`created_at`)}, 'YYYY-MM-DD') as day from ${sql.raw(cte)}`;

/** The days several results name, once each. */
const daysIn = (...results: unknown[]): string[] => [
  ...new Set(results.flatMap((result) => rowsOf<{ day: string }>(result).map((row) => row.day))),
];

const ofDays = (days: Days): SQL => (days === 'all' ? sql`` : sql`and day = any(${dateArray(days)})`);

/**
 * The SQL that keeps the rollups: each recount replaces a tenant's rows for the days or conversations
 * named with what the raw rows say now (the same definitions as analytics-raw.repository.ts). Callers
 * hold the tenant's lock (lockTenant) so two recounts of one tenant never interleave.
 */
export function createAnalyticsRollupsRepository() {
  return {
    /** Serialises the recounts of one tenant, across nodes, until the transaction ends. */
    async lockTenant(tx: Executor, tenantId: string): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`analytics:${tenantId}`}, 0))`);
    },

    /**
     * After a rebuild rewrote every row: fresh statistics for the planner, and a visibility map that
     * lets the percentiles read their index alone (embedded storage has no autovacuum to do it).
     */
    async tidyAfterRebuild(db: Executor): Promise<void> {
      await db.execute(sql`vacuum (analyze) ${sql.raw([...rollupTables, 'analytics_changes'].join(', '))}`);
    },

    /**
     * The notes are a queue: every one is deleted soon after it is written, and the dead rows would slow
     * the next reads. PostgreSQL's autovacuum clears them; embedded storage has none, so the job does.
     */
    async vacuumChanges(db: Executor): Promise<void> {
      await db.execute(sql`vacuum analytics_changes`);
    },

    /** Every tenant's id, oldest first (a rebuild of them all). */
    async tenantIds(db: Executor): Promise<string[]> {
      const result = await db.execute(sql`select id from tenants order by created_at, id`);
      return rowsOf<{ id: string }>(result).map((row) => row.id);
    },

    /** Tenants with changes waiting (a handful: the job drains them). */
    async tenantsWithChanges(db: Executor): Promise<string[]> {
      const result = await db.execute(sql`select distinct tenant_id as "tenantId" from analytics_changes`);
      return rowsOf<{ tenantId: string }>(result).map((row) => row.tenantId);
    },

    /** How many changes of a tenant wait, and whether one asks for the whole tenant. */
    async pendingChanges(tx: Executor, tenantId: string): Promise<{ count: number; wholeTenant: boolean }> {
      const result = await tx.execute(sql`
        select count(*)::int as count,
          coalesce(bool_or(day is null and conversation_id is null and support_conversation_id is null), false)
            as "wholeTenant"
        from analytics_changes where tenant_id = ${tenantId}`);
      return rowsOf<{ count: number; wholeTenant: boolean }>(result)[0] ?? { count: 0, wholeTenant: false };
    },

    /**
     * Takes a tenant's oldest noted changes, up to `limit` (null: all). They are gone for good when the
     * transaction commits; a change whose writer has not committed yet is not seen, and stays for later.
     */
    async takeChanges(tx: Executor, tenantId: string, limit: number | null): Promise<NotedChange[]> {
      const some = limit === null ? sql`` : sql`order by id limit ${limit}`;
      const result = await tx.execute(sql`
        delete from analytics_changes where id in (
          select id from analytics_changes where tenant_id = ${tenantId} ${some})
        returning to_char(day, 'YYYY-MM-DD') as day, conversation_id as "conversationId",
          support_conversation_id as "supportConversationId", whole`);
      return rowsOf<NotedChange>(result);
    },

    /** The conversations' log events the rollups read (on `e`): messages stored and replies ended. */
    messagesInLog(): SQL {
      return sql`e.type in ('message-created', 'reply-settled')`;
    },

    /** Notes changes for a later recount (the log's reader, when a tenant's recount failed). */
    async noteChanges(tx: Executor, tenantId: string, changes: readonly NotedChange[]): Promise<void> {
      for (const change of changes) {
        await tx.execute(sql`
          insert into analytics_changes (tenant_id, day, conversation_id, support_conversation_id, whole)
          values (${tenantId}, ${change.day}::date, ${change.conversationId}, ${change.supportConversationId},
            ${change.whole})`);
      }
    },

    /** Every day a conversation has counted rows on: its messages, tool calls and rating. */
    async daysOfConversations(tx: Executor, tenantId: string, conversationIds: readonly string[]): Promise<string[]> {
      const ids = uuidArray(conversationIds);
      const result = await tx.execute(sql`
        select distinct to_char(day, 'YYYY-MM-DD') as day from (
          select ${dayOf(sql`m.created_at`)} as day from messages m
            where m.conversation_id = any(${ids}) and m.tenant_id = ${tenantId}
          union all
          select ${dayOf(sql`t.created_at`)} from tool_executions t
            where t.conversation_id = any(${ids}) and t.tenant_id = ${tenantId}
          union all
          select ${dayOf(sql`r.created_at`)} from support_ratings r
            join support_conversations sc on sc.id = r.support_conversation_id
            where sc.conversation_id = any(${ids}) and r.tenant_id = ${tenantId}
        ) d`);
      return rowsOf<{ day: string }>(result).map((row) => row.day);
    },

    /** Recounts messages, people, tool calls and ratings of the days named. */
    async recountActivityDays(tx: Executor, tenantId: string, days: Days): Promise<void> {
      if (days !== 'all' && days.length === 0) return;
      for (const table of rollupTables.slice(0, 3)) {
        await tx.execute(sql`delete from ${sql.raw(table)} where tenant_id = ${tenantId} ${ofDays(days)}`);
      }
      const messagesOfDays = sql`
        from messages m
        join conversations c on c.id = m.conversation_id
        left join support_conversations sc on sc.conversation_id = m.conversation_id
        where m.tenant_id = ${tenantId} and ${onDays(days, sql`m.created_at`)}`;
      await tx.execute(sql`
        insert into analytics_daily_messages (tenant_id, day, agent_key, inbox_key, model, user_messages, ai_messages,
          operator_messages, input_tokens, output_tokens, knowledge_queries, knowledge_empty, cited_replies)
        select m.tenant_id, ${dayOf(sql`m.created_at`)}, coalesce(c.agent_id, ${none}), coalesce(sc.inbox_id, ${none}),
          coalesce(m.model, ''),
          count(*) filter (where m.role = 'user'),
          count(*) filter (where m.role = 'assistant' and m.author_id is null),
          count(*) filter (where m.role = 'assistant' and m.author_id is not null),
          coalesce(sum(m.input_tokens), 0), coalesce(sum(m.output_tokens), 0),
          count(m.passages_found),
          count(*) filter (where m.passages_found = 0),
          count(*) filter (where m.passages_found is not null and jsonb_array_length(m.citations) > 0)
        ${messagesOfDays} and m.role <> 'system'
        group by 1, 2, 3, 4, 5`);
      await tx.execute(sql`
        insert into analytics_daily_people (tenant_id, day, agent_key, inbox_key, is_contact, person_id)
        select distinct m.tenant_id, ${dayOf(sql`m.created_at`)}, coalesce(c.agent_id, ${none}),
          coalesce(sc.inbox_id, ${none}), sc.id is not null, coalesce(sc.contact_id, c.owner_id)
        ${messagesOfDays} and m.role = 'user'`);
      await tx.execute(sql`
        insert into analytics_daily_activity (tenant_id, day, agent_key, inbox_key, tool_calls, tool_failures,
          ratings, rating_sum, rated_1, rated_2, rated_3, rated_4, rated_5)
        select ${tenantId}::uuid, day, agent_key, inbox_key, sum(tool_calls), sum(tool_failures), sum(ratings),
          sum(rating_sum), sum(r1), sum(r2), sum(r3), sum(r4), sum(r5)
        from (
          select ${dayOf(sql`t.created_at`)} as day, coalesce(t.agent_id, ${none}) as agent_key,
            coalesce(sc.inbox_id, ${none}) as inbox_key, count(*) as tool_calls,
            count(*) filter (where t.outcome in ('error', 'timeout', 'invalid_arguments')) as tool_failures,
            0 as ratings, 0 as rating_sum, 0 as r1, 0 as r2, 0 as r3, 0 as r4, 0 as r5
          from tool_executions t
          left join support_conversations sc on sc.conversation_id = t.conversation_id
          where t.tenant_id = ${tenantId} and ${onDays(days, sql`t.created_at`)}
          group by 1, 2, 3
          union all
          select ${dayOf(sql`r.created_at`)}, coalesce(c.agent_id, ${none}), sc.inbox_id, 0, 0, count(*), sum(r.rating),
            ${sql.join(
              [1, 2, 3, 4, 5].map((value) => sql`count(*) filter (where r.rating = ${value})`),
              sql`, `,
            )}
          from support_ratings r
          join support_conversations sc on sc.id = r.support_conversation_id
          left join conversations c on c.id = sc.conversation_id
          where r.tenant_id = ${tenantId} and ${onDays(days, sql`r.created_at`)}
          group by 1, 2, 3
        ) counted
        group by day, agent_key, inbox_key`);
    },

    /**
     * Recomputes chat conversations' facts: the agent, the inbox, and the AI's first response (from the
     * first user message to the completion of the first AI reply after it). A conversation gone has none.
     */
    async recomputeConversationFacts(tx: Executor, tenantId: string, conversations: Conversations): Promise<string[]> {
      if (conversations !== 'all' && conversations.length === 0) return [];
      const ids = conversations === 'all' ? null : uuidArray(conversations);
      const some = ids ? sql`and conversation_id = any(${ids})` : sql``;
      // Rewritten only where they changed: a conversation's later turns leave its facts as they were, and a
      // recount after each of them writes nothing (ADR 27: what follows a turn costs it no rows).
      const changed = await tx.execute(sql`
        with fresh as (
          select c.id as conversation_id, c.tenant_id, c.created_at, c.agent_id, sc.inbox_id,
            ${msBetween(sql`first_user.created_at`, sql`first_ai.completed_at`)} as ai_response_ms
          from conversations c
          left join support_conversations sc on sc.conversation_id = c.id ${firstExchangeJoins(sql`c.id`)}
          where c.tenant_id = ${tenantId} ${ids ? sql`and c.id = any(${ids})` : sql``}
        ), gone as (
          delete from analytics_conversation_facts f
          where f.tenant_id = ${tenantId} ${some}
            and not exists (select 1 from fresh where fresh.conversation_id = f.conversation_id)
          returning f.created_at
        ), was as (
          select f.created_at from analytics_conversation_facts f join fresh using (conversation_id)
          where (f.created_at, f.agent_id, f.inbox_id, f.ai_response_ms)
            is distinct from (fresh.created_at, fresh.agent_id, fresh.inbox_id, fresh.ai_response_ms)
        ), made as (
          insert into analytics_conversation_facts (conversation_id, tenant_id, created_at, agent_id, inbox_id, ai_response_ms)
          select conversation_id, tenant_id, created_at, agent_id, inbox_id, ai_response_ms from fresh
          on conflict (conversation_id) do update set tenant_id = excluded.tenant_id, created_at = excluded.created_at,
            agent_id = excluded.agent_id, inbox_id = excluded.inbox_id, ai_response_ms = excluded.ai_response_ms
          where (analytics_conversation_facts.created_at, analytics_conversation_facts.agent_id,
              analytics_conversation_facts.inbox_id, analytics_conversation_facts.ai_response_ms)
            is distinct from (excluded.created_at, excluded.agent_id, excluded.inbox_id, excluded.ai_response_ms)
          returning created_at
        ), touched as (select created_at from gone union all select created_at from was union all select created_at from made)
        ${daysOfRows('touched')}`);
      return daysIn(changed);
    },

    /**
     * Recomputes support conversations' facts, those named and those of the chat conversations named:
     * the first handoff (to pending or open), the first resolution, the operator's first message after
     * the handoff. A support conversation outlives its chat conversation (then it has no agent).
     */
    async recomputeSupportFacts(
      tx: Executor,
      tenantId: string,
      named: { readonly support: readonly string[]; readonly conversations: readonly string[] } | 'all',
    ): Promise<string[]> {
      if (named !== 'all' && named.support.length === 0 && named.conversations.length === 0) return [];
      const some =
        named === 'all'
          ? sql``
          : sql`and (sc.id = any(${uuidArray(named.support)}) or sc.conversation_id = any(${uuidArray(named.conversations)}))`;
      const gone = await tx.execute(sql`
        with gone as (delete from analytics_support_facts f where f.tenant_id = ${tenantId} ${
          named === 'all'
            ? sql``
            : sql`and (f.support_conversation_id = any(${uuidArray(named.support)}) or f.support_conversation_id in (
              select sc.id from support_conversations sc where sc.conversation_id = any(${uuidArray(named.conversations)})))`
        } returning f.created_at)
        ${daysOfRows('gone')}`);
      const made = await tx.execute(sql`
        with made as (
        insert into analytics_support_facts (support_conversation_id, tenant_id, created_at, agent_id, inbox_id,
          handed_off, ai_resolved, human_response_ms, resolution_ms)
        select sc.id, sc.tenant_id, sc.created_at, c.agent_id, sc.inbox_id,
          status_times.handed_at is not null,
          status_times.resolved_at is not null and status_times.handed_at is null,
          ${msBetween(sql`status_times.handed_at`, sql`first_operator.created_at`)},
          ${msBetween(sql`sc.created_at`, sql`status_times.resolved_at`)}
        from support_conversations sc
        left join conversations c on c.id = sc.conversation_id
        left join lateral (
          select min(e.created_at) filter (where e.to_status in ('pending', 'open')) as handed_at,
            min(e.created_at) filter (where e.to_status = 'resolved') as resolved_at
          from support_events e where e.support_conversation_id = sc.id
        ) status_times on true
        left join lateral (
          select min(m.created_at) as created_at from messages m
          where m.conversation_id = sc.conversation_id and m.author_id is not null
            and m.created_at >= status_times.handed_at
        ) first_operator on true
        where sc.tenant_id = ${tenantId} ${some}
        returning created_at) ${daysOfRows('made')}`);
      return daysIn(gone, made);
    },

    /** Recounts the conversations started on the days named, from the fact rows (recomputed first). */
    async recountConversationDays(tx: Executor, tenantId: string, days: Days): Promise<void> {
      if (days !== 'all' && days.length === 0) return;
      await tx.execute(sql`delete from analytics_daily_conversations where tenant_id = ${tenantId} ${ofDays(days)}`);
      await tx.execute(sql`
        insert into analytics_daily_conversations (tenant_id, day, agent_key, inbox_key, conversations, ai_responses,
          support_conversations, handed_off, ai_resolved, human_responses, resolutions)
        select ${tenantId}::uuid, day, agent_key, inbox_key, sum(conversations), sum(ai_responses),
          sum(support_conversations), sum(handed_off), sum(ai_resolved), sum(human_responses), sum(resolutions)
        from (
          select ${dayOf(sql`created_at`)} as day, coalesce(agent_id, ${none}) as agent_key,
            coalesce(inbox_id, ${none}) as inbox_key, count(*) as conversations,
            count(ai_response_ms) as ai_responses, 0 as support_conversations, 0 as handed_off,
            0 as ai_resolved, 0 as human_responses, 0 as resolutions
          from analytics_conversation_facts
          where tenant_id = ${tenantId} and ${onDays(days, sql`created_at`)}
          group by 1, 2, 3
          union all
          select ${dayOf(sql`created_at`)}, coalesce(agent_id, ${none}), inbox_id, 0, 0, count(*),
            count(*) filter (where handed_off), count(*) filter (where ai_resolved),
            count(human_response_ms), count(resolution_ms)
          from analytics_support_facts
          where tenant_id = ${tenantId} and ${onDays(days, sql`created_at`)}
          group by 1, 2, 3
        ) counted
        group by day, agent_key, inbox_key`);
    },
  };
}

export type AnalyticsRollupsRepository = ReturnType<typeof createAnalyticsRollupsRepository>;
