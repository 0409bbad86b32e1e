import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  date,
  index,
  integer,
  jsonb,
  customType,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { agents } from './agents.js';
import { createdAt, tenantColumn, updatedAt } from './columns.js';
import type { StoredAttachment, StoredCitation } from './knowledge.js';
import type { StoredToolCall } from './mcp.js';
import { users } from './users.js';

export const projects = pgTable(
  'projects',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('projects_tenant_owner_idx').on(table.tenantId, table.ownerId, table.createdAt),
    index('projects_owner_idx').on(table.ownerId),
  ],
);

export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    agentId: uuid('agent_id').references(() => agents.id, { onDelete: 'set null' }),
    projectId: uuid('project_id').references(() => projects.id, { onDelete: 'set null' }),
    title: text('title'),
    /** The agent's state carried between turns (free-form, owned by the chat turn). */
    state: jsonb('state').$type<Record<string, unknown>>().notNull().default({}),
    messageCount: integer('message_count').notNull().default(0),
    /**
     * How the agent talks in this conversation, given after the agent's instructions and taking precedence
     * over them: an applied personality suggestion (docs/companion.md). Null: the agent's own personality.
     */
    personalityOverride: text('personality_override'),
    /** The last UTC day a personality suggestion was looked for here, found or not: at most one look a day. */
    personalityCheckedOn: date('personality_checked_on', { mode: 'string' }),
    /**
     * Read receipts (docs/companion.md): the last message its owner marked read, and the last one anyone
     * else (an operator) did. Unread counts are the other side's messages after these.
     */
    ownerReadThrough: uuid('owner_read_through'),
    othersReadThrough: uuid('others_read_through'),
    archivedAt: timestamp('archived_at', { withTimezone: true, mode: 'date' }),
    /**
     * Proactive messages (docs/companion.md): the owner turned them off here; how many the agent sent in a
     * row that the owner has not answered; when a decision last said `wait`; and the claim of the node
     * deciding now (a decision id, and when it was taken), so one decision sends one message.
     */
    proactiveOff: boolean('proactive_off').notNull().default(false),
    proactiveUnanswered: integer('proactive_unanswered').notNull().default(0),
    proactiveCheckedAt: timestamp('proactive_checked_at', { withTimezone: true, mode: 'date' }),
    proactiveClaim: uuid('proactive_claim'),
    proactiveClaimedAt: timestamp('proactive_claimed_at', { withTimezone: true, mode: 'date' }),
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /**
     * The conversation's event log (docs/realtime.md, ADR 0021): the last seq handed out, gap-free, in the
     * transaction of the change it numbers (the triggers of migration 0047), and the seq of the last change
     * to the conversation itself (title, archive, project).
     */
    lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
    stateSeq: bigint('state_seq', { mode: 'number' }).notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    // The list queries: newest activity first, keyset on (last_activity_at, id).
    index('conversations_owner_activity_idx').on(
      table.tenantId,
      table.ownerId,
      table.lastActivityAt.desc(),
      table.id.desc(),
    ),
    index('conversations_tenant_activity_idx').on(table.tenantId, table.lastActivityAt.desc(), table.id.desc()),
    index('conversations_project_activity_idx')
      .on(table.projectId, table.lastActivityAt.desc(), table.id.desc())
      .where(sql`${table.projectId} is not null`),
    index('conversations_owner_idx').on(table.ownerId),
    index('conversations_agent_idx').on(table.agentId),
    // The proactive scheduler's scan: per agent, the conversations below its cap of unanswered messages
    // and quiet since before a time; those at their cap (most quiet ones, in time) are skipped in the index.
    index('conversations_proactive_scan_idx')
      .on(table.agentId, table.proactiveUnanswered, table.lastActivityAt)
      .where(sql`${table.proactiveOff} = false and ${table.archivedAt} is null`),
    index('conversations_tenant_created_idx').on(table.tenantId, table.createdAt),
  ],
);

export const messageRoles = ['user', 'assistant', 'system'] as const;
/** `awaiting_approval`: the reply stopped at a tool call the user must approve (chat tool loop); text column, no migration. */
export const messageStatuses = ['pending', 'streaming', 'complete', 'error', 'awaiting_approval'] as const;

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    role: text('role', { enum: messageRoles }).notNull(),
    content: text('content').notNull().default(''),
    reasoning: text('reasoning'),
    status: text('status', { enum: messageStatuses }).notNull(),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    model: text('model'),
    /** The version of the agent that wrote a reply (agent_versions.number); null for other messages. */
    agentVersion: integer('agent_version'),
    inputTokens: integer('input_tokens'),
    outputTokens: integer('output_tokens'),
    reasoningTokens: integer('reasoning_tokens'),
    totalTokens: integer('total_tokens'),
    timeToFirstTokenMs: integer('time_to_first_token_ms'),
    durationMs: integer('duration_ms'),
    finishReason: text('finish_reason'),
    /** The knowledge passages a reply drew on (see StoredCitation). */
    citations: jsonb('citations').$type<StoredCitation[]>(),
    /** How many passages the knowledge search found for a reply; null when it searched none (docs/analytics.md). */
    passagesFound: integer('passages_found'),
    /** Files a user message carries. */
    attachments: jsonb('attachments').$type<StoredAttachment[]>(),
    /** Tool calls made while writing a reply, with their results or pending approval. */
    toolCalls: jsonb('tool_calls').$type<StoredToolCall[]>(),
    createdAt: createdAt(),
    completedAt: timestamp('completed_at', { withTimezone: true, mode: 'date' }),
    /** When the other side read it: the owner for the agent's messages, an operator for the owner's. */
    readAt: timestamp('read_at', { withTimezone: true, mode: 'date' }),
    /**
     * While a reply is `streaming`: when the node writing it last said it still was (it renews this
     * every 20 s). A reply whose node stopped without storing it is found by this going stale, not by
     * its age: a retried or approved reply streams again long after it was created. Null on rows
     * written before the column, which are judged by `created_at`.
     */
    aliveAt: timestamp('alive_at', { withTimezone: true, mode: 'date' }),
    /**
     * A reply an operator wrote in a support conversation (role `assistant`, no model): who, and the name
     * the contact was shown, kept even if the user is later renamed or removed.
     */
    authorId: uuid('author_id').references(() => users.id, { onDelete: 'set null' }),
    authorName: text('author_name'),
    /** The operator's own id for a reply, so a resend stores it once. */
    clientMessageId: text('client_message_id'),
    /** An assistant message the agent sent on its own to a user who went quiet (not a reply). */
    proactive: boolean('proactive').notNull().default(false),
    /**
     * A split reply's bubbles (docs/companion.md): the turn's first reply message, which every bubble
     * names (itself included), and the bubble's place from 0. Null on every other message.
     */
    replyGroupId: uuid('reply_group_id'),
    replyPosition: integer('reply_position'),
    /**
     * The seq of the message's latest state (created, or its status changed): taken from its conversation's
     * `last_seq` in the same transaction, by a trigger unless the statement sets it (docs/realtime.md).
     */
    seq: bigint('seq', { mode: 'number' }).notNull().default(0),
  },
  // Ids are UUID v7, so (conversation_id, id) is history in time order.
  (table) => [
    index('messages_conversation_idx').on(table.conversationId, table.id),
    // A resume (`after`): the conversation's messages whose latest state is after a seq.
    index('messages_conversation_seq_idx').on(table.conversationId, table.seq),
    index('messages_tenant_idx').on(table.tenantId),
    // Analytics (docs/analytics.md): a tenant's messages in a date range.
    index('messages_tenant_created_idx').on(table.tenantId, table.createdAt),
    index('messages_author_idx')
      .on(table.authorId)
      .where(sql`${table.authorId} is not null`),
    uniqueIndex('messages_client_message_unique')
      .on(table.conversationId, table.clientMessageId)
      .where(sql`${table.clientMessageId} is not null`),
    // The sweep for replies a crashed node left half-written reads only these few rows.
    index('messages_streaming_idx')
      .on(table.createdAt)
      .where(sql`${table.status} = 'streaming'`),
  ],
);

/** Makes a message send safe to retry: same key and body → same result, one model call. */
/** PostgreSQL's 64-bit transaction id (`xid8`), read and written as its decimal text. */
const transactionId = customType<{ data: string; driverData: string }>({ dataType: () => 'xid8' });

/** What a conversation's log records: a message stored, a reply's start and end, the conversation changed. */
export const conversationEventTypes = [
  'message-created',
  'reply-started',
  'reply-settled',
  'conversation-updated',
] as const;

/**
 * A conversation's log (docs/realtime.md, ADR 26): one row per event its subscribers see, appended by the
 * triggers of migrations 0047 and 0054 in the statement of the change, with the seq that change took, so
 * it is gap-free and in commit order. Append-only: the maintenance sweep drops a conversation's oldest
 * events past retention (a prefix), and an erasure redacts the words of the events that held them.
 */
export const conversationEvents = pgTable(
  'conversation_events',
  {
    tenantId: tenantColumn(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    type: text('type', { enum: conversationEventTypes }).notNull(),
    /** The message the event is about; no foreign key, as the events go with their conversation, not their message. */
    messageId: uuid('message_id'),
    /** What a subscriber needs to render it: the message's row as stored then, or the conversation's state. */
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    /**
     * The transaction that wrote it: the log's readers across conversations (webhooks, email, analytics)
     * read in (tx, conversation, seq) order and only below the oldest transaction still running, where
     * nothing new can appear (conversation-log-feed.ts, ADR 27).
     */
    tx: transactionId('tx')
      .notNull()
      .default(sql`pg_current_xact_id()`),
  },
  (table) => [
    primaryKey({ columns: [table.conversationId, table.seq] }),
    index('conversation_events_feed_idx').on(table.tx, table.conversationId, table.seq),
    index('conversation_events_tenant_idx').on(table.tenantId),
    // Retention: the sweep finds the events past it by age.
    index('conversation_events_created_idx').on(table.createdAt),
  ],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    tenantId: tenantColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    userMessageId: uuid('user_message_id').notNull(),
    assistantMessageId: uuid('assistant_message_id').notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    primaryKey({ columns: [table.tenantId, table.userId, table.key] }),
    index('idempotency_keys_user_idx').on(table.userId),
    index('idempotency_keys_conversation_idx').on(table.conversationId),
    index('idempotency_keys_created_idx').on(table.createdAt),
  ],
);

/**
 * How far each reader of the log across conversations has read (conversation-log-feed.ts): the position
 * of the last event it handled, in the log's (tx, conversation, seq) order. One row per reader, locked
 * while it reads, so two nodes never hand the same events on twice.
 */
export const logCursors = pgTable('log_cursors', {
  reader: text('reader').primaryKey(),
  tx: transactionId('tx').notNull(),
  conversationId: uuid('conversation_id').notNull(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  updatedAt: updatedAt(),
});
