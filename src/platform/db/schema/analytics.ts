import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { tenantColumn } from './columns.js';

/*
 * Analytics rollups (docs/analytics.md): what the overview reads instead of the raw rows. Triggers on the
 * raw tables note each change in analytics_changes (migration 0036); a job, and each overview request
 * for its tenant, recompute the days and conversations noted. `parley analytics rebuild` recomputes a
 * tenant from scratch. The application never writes these tables row by row.
 */

/**
 * One change to the raw rows, noted by a trigger in the writer's transaction: a day of a tenant to
 * recount, a conversation or support conversation whose facts to recompute (`whole`: and every day the
 * conversation has rows on: its agent or inbox changed), or none of these: the whole tenant.
 * Append-only, so a writer never waits on the job; no foreign key, so deleting a tenant (whose
 * cascades fire the triggers) is never refused.
 */
export const analyticsChanges = pgTable(
  'analytics_changes',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    tenantId: uuid('tenant_id').notNull(),
    day: date('day', { mode: 'string' }),
    conversationId: uuid('conversation_id'),
    supportConversationId: uuid('support_conversation_id'),
    whole: boolean('whole').notNull().default(false),
  },
  (table) => [index('analytics_changes_tenant_idx').on(table.tenantId, table.id)],
);

/** The key of "none" in a rollup's agent or inbox column (a key column cannot be null). */
export const noneKey = '00000000-0000-0000-0000-000000000000';

const dimensions = () => ({
  tenantId: tenantColumn(),
  day: date('day', { mode: 'string' }).notNull(),
  /** The conversation's agent (a tool call's own agent), or noneKey. */
  agentKey: uuid('agent_key').notNull(),
  /** The support conversation's inbox, or noneKey for a plain chat. */
  inboxKey: uuid('inbox_key').notNull(),
});

/** Messages of a day by agent, inbox and model ref ('' for none): counts by author, tokens, knowledge use. */
export const analyticsDailyMessages = pgTable(
  'analytics_daily_messages',
  {
    ...dimensions(),
    model: text('model').notNull(),
    userMessages: integer('user_messages').notNull(),
    aiMessages: integer('ai_messages').notNull(),
    operatorMessages: integer('operator_messages').notNull(),
    inputTokens: bigint('input_tokens', { mode: 'number' }).notNull(),
    outputTokens: bigint('output_tokens', { mode: 'number' }).notNull(),
    knowledgeQueries: integer('knowledge_queries').notNull(),
    knowledgeEmpty: integer('knowledge_empty').notNull(),
    citedReplies: integer('cited_replies').notNull(),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.day, table.agentKey, table.inboxKey, table.model] })],
);

/** Who wrote on a day: a user in a chat of their own, or a contact through an inbox (for distinct counts). */
export const analyticsDailyPeople = pgTable(
  'analytics_daily_people',
  {
    ...dimensions(),
    isContact: boolean('is_contact').notNull(),
    personId: uuid('person_id').notNull(),
  },
  (table) => [
    primaryKey({
      columns: [table.tenantId, table.day, table.agentKey, table.inboxKey, table.isContact, table.personId],
    }),
  ],
);

/**
 * Conversations started on a day, counted from the fact rows below (chat conversations by their start,
 * support conversations by theirs): what the overview's series shows per bucket.
 */
export const analyticsDailyConversations = pgTable(
  'analytics_daily_conversations',
  {
    ...dimensions(),
    conversations: integer('conversations').notNull(),
    aiResponses: integer('ai_responses').notNull(),
    supportConversations: integer('support_conversations').notNull(),
    handedOff: integer('handed_off').notNull(),
    aiResolved: integer('ai_resolved').notNull(),
    humanResponses: integer('human_responses').notNull(),
    resolutions: integer('resolutions').notNull(),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.day, table.agentKey, table.inboxKey] })],
);

/** Tool calls and ratings of a day. */
export const analyticsDailyActivity = pgTable(
  'analytics_daily_activity',
  {
    ...dimensions(),
    toolCalls: integer('tool_calls').notNull(),
    toolFailures: integer('tool_failures').notNull(),
    ratings: integer('ratings').notNull(),
    ratingSum: integer('rating_sum').notNull(),
    rated1: integer('rated_1').notNull(),
    rated2: integer('rated_2').notNull(),
    rated3: integer('rated_3').notNull(),
    rated4: integer('rated_4').notNull(),
    rated5: integer('rated_5').notNull(),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.day, table.agentKey, table.inboxKey] })],
);

/** One row per chat conversation: its agent, its inbox (if a support conversation), the AI's first response. */
export const analyticsConversationFacts = pgTable(
  'analytics_conversation_facts',
  {
    conversationId: uuid('conversation_id').primaryKey(),
    tenantId: tenantColumn(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    agentId: uuid('agent_id'),
    inboxId: uuid('inbox_id'),
    /** Milliseconds; null when it has no user message or no complete AI reply after it. */
    aiResponseMs: doublePrecision('ai_response_ms'),
  },
  (table) => [
    index('analytics_conversation_facts_created_idx').on(table.tenantId, table.createdAt),
    // The percentiles walk this in value order to the two values each lies between (analytics-percentiles.ts).
    index('analytics_conversation_facts_ai_response_idx')
      .on(table.tenantId, table.aiResponseMs, table.createdAt, table.agentId, table.inboxId)
      .where(sql`${table.aiResponseMs} is not null`),
  ],
);

/**
 * One row per support conversation (which outlives its chat conversation: then it has no agent):
 * durations in milliseconds, null when they did not happen.
 */
export const analyticsSupportFacts = pgTable(
  'analytics_support_facts',
  {
    supportConversationId: uuid('support_conversation_id').primaryKey(),
    tenantId: tenantColumn(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    agentId: uuid('agent_id'),
    inboxId: uuid('inbox_id').notNull(),
    handedOff: boolean('handed_off').notNull(),
    aiResolved: boolean('ai_resolved').notNull(),
    humanResponseMs: doublePrecision('human_response_ms'),
    resolutionMs: doublePrecision('resolution_ms'),
  },
  (table) => [
    // Covers the sorted percentiles of a short range as well as the recount of a day.
    index('analytics_support_facts_created_idx').on(
      table.tenantId,
      table.createdAt,
      table.agentId,
      table.inboxId,
      table.humanResponseMs,
      table.resolutionMs,
    ),
    // The percentiles of a long range walk these in value order (analytics-percentiles.ts).
    index('analytics_support_facts_human_response_idx')
      .on(table.tenantId, table.humanResponseMs, table.createdAt, table.agentId, table.inboxId)
      .where(sql`${table.humanResponseMs} is not null`),
    index('analytics_support_facts_resolution_idx')
      .on(table.tenantId, table.resolutionMs, table.createdAt, table.agentId, table.inboxId)
      .where(sql`${table.resolutionMs} is not null`),
  ],
);
