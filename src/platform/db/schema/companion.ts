import {
  boolean,
  date,
  index,
  integer,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { agents } from './agents.js';
import { createdAt, tenantColumn, updatedAt } from './columns.js';
import { conversations, messages } from './conversations.js';
import { contacts } from './support.js';
import { users } from './users.js';

/**
 * A summary of a conversation up to one of its messages (docs/companion.md): it covers the previous
 * summary and every message after it, through `lastMessageId`. One per (conversation, last message), so a
 * job run twice, or on two nodes, stores it once.
 */
export const conversationSummaries = pgTable(
  'conversation_summaries',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    content: text('content').notNull(),
    /** The first message of the conversation it covers (through the previous summary) and its last. */
    firstMessageId: uuid('first_message_id').notNull(),
    lastMessageId: uuid('last_message_id').notNull(),
    /** How many messages were read for it (not counting those the previous summary covered). */
    messageCount: integer('message_count').notNull(),
    /** The user turns it covers, since the conversation began. */
    userTurns: integer('user_turns').notNull(),
    model: text('model').notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('conversation_summaries_range_unique').on(table.conversationId, table.lastMessageId),
    index('conversation_summaries_tenant_idx').on(table.tenantId),
  ],
);

/**
 * A short fact an agent with memory keeps about one user across conversations ("has a dog called Rex").
 * Never shared between users; deleting the user or the agent deletes it. `factKey` is the fact folded
 * for comparison, so one fact is kept once.
 */
export const agentMemories = pgTable(
  'agent_memories',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    /** Whose conversations: the user's own, or, for a support conversation, the desk user's (with `contactId`). */
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /**
     * The person a support conversation is with: the facts are the contact's, never the desk user's, so
     * one customer's facts reach no other customer's prompt. Null for a user's own memories.
     */
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'cascade' }),
    content: text('content').notNull(),
    factKey: text('fact_key').notNull(),
    /** The message it was drawn from; null once that message is gone, or for a fact the user wrote. */
    sourceMessageId: uuid('source_message_id').references(() => messages.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    // Nulls not distinct: a user's own facts (no contact) are kept once each too.
    unique('agent_memories_fact_unique')
      .on(table.agentId, table.userId, table.contactId, table.factKey)
      .nullsNotDistinct(),
    index('agent_memories_user_idx').on(table.userId),
    index('agent_memories_contact_idx').on(table.contactId),
    index('agent_memories_tenant_idx').on(table.tenantId),
    index('agent_memories_source_idx').on(table.sourceMessageId),
  ],
);

/**
 * How far memory extraction has read a conversation (docs/companion.md): every user message up to
 * `throughMessageId` had its facts drawn once. A job reads only the messages after it and moves it past
 * each one it finished, so a message is sent to the model once however many jobs were queued for it.
 * The lease (`leaseJobId` until `leaseUntil`) lets one job at a time read a conversation: a job that finds
 * another's lease leaves its messages to that job, which looks for newer messages before it lets go.
 */
export const memoryExtractionMarks = pgTable(
  'memory_extraction_marks',
  {
    conversationId: uuid('conversation_id')
      .primaryKey()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    tenantId: tenantColumn(),
    /** A message id, not a reference: the message may be deleted while the mark stays right. */
    throughMessageId: uuid('through_message_id'),
    leaseJobId: text('lease_job_id'),
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
  },
  (table) => [index('memory_extraction_marks_tenant_idx').on(table.tenantId)],
);

/** A user who turned an agent's proactive messages off, for all their conversations with it. */
export const proactiveOptOuts = pgTable(
  'proactive_opt_outs',
  {
    tenantId: tenantColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (table) => [
    primaryKey({ columns: [table.userId, table.agentId] }),
    index('proactive_opt_outs_agent_idx').on(table.agentId),
    index('proactive_opt_outs_tenant_idx').on(table.tenantId),
  ],
);

export type SuggestionStatus = 'pending' | 'applied' | 'dismissed';
export type SuggestionTarget = 'conversation' | 'agent';

/**
 * A proposal to adapt an agent's personality to how one user talks (docs/companion.md): the proposed
 * instructions, why, and how sure the model is. One per conversation and UTC day (`suggestedOn`), so two
 * nodes, or a retried job, store it once. Reviewed by the conversation's owner; `autoApplied` marks one
 * applied to its conversation on its own (the agent's `autoApplyMinConfidence`).
 */
export const personalitySuggestions = pgTable(
  'personality_suggestions',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    instructions: text('instructions').notNull(),
    reason: text('reason').notNull(),
    confidence: real('confidence').notNull(),
    model: text('model').notNull(),
    /** The last message the analysis read, and the user turns up to it. */
    throughMessageId: uuid('through_message_id').notNull(),
    userTurns: integer('user_turns').notNull(),
    suggestedOn: date('suggested_on', { mode: 'string' }).notNull(),
    status: text('status').$type<SuggestionStatus>().notNull().default('pending'),
    appliedTo: text('applied_to').$type<SuggestionTarget>(),
    autoApplied: boolean('auto_applied').notNull().default(false),
    decidedBy: uuid('decided_by').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('personality_suggestions_daily_unique').on(table.conversationId, table.suggestedOn),
    index('personality_suggestions_tenant_idx').on(table.tenantId),
    index('personality_suggestions_agent_idx').on(table.agentId),
    index('personality_suggestions_decided_by_idx').on(table.decidedBy),
  ],
);
