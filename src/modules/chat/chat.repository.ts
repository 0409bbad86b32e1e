import { and, asc, desc, eq, gt, inArray, isNull, lt, notExists, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../../platform/db/client.js';
import { conversations, idempotencyKeys, messages } from '../../platform/db/schema/index.js';
import { storableText } from '../../platform/db/storable-text.js';
import { inTenant } from '../../platform/db/tenant-scope.js';
import { createChatTurnRepository, type MessageRow } from './turn/chat-turn.repository.js';
import { createHistoryRepository } from './turn/history.repository.js';

export type { AssistantMessageResult, MessageRow, RecordedReply, TurnContextRow } from './turn/chat-turn.repository.js';
export type { NewTurn } from './turn/turn-store.repository.js';
export type { HistoryMessage, SummaryMark } from './turn/history.repository.js';
import type { ReplyDraft } from './reply-control/reply-stops.js';

export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;

export interface ReplyToReopen {
  readonly tenantId: string;
  readonly conversationId: string;
  readonly messageId: string;
  readonly modelRef: string;
  readonly now: Date;
}

const laterMessages = alias(messages, 'later_messages');

/** A reply being written again starts from nothing, like a new one. */
const reopenedReply = {
  content: '',
  reasoning: null,
  status: 'streaming',
  errorCode: null,
  errorMessage: null,
  inputTokens: null,
  outputTokens: null,
  reasoningTokens: null,
  totalTokens: null,
  timeToFirstTokenMs: null,
  durationMs: null,
  finishReason: null,
  completedAt: null,
  citations: null,
  passagesFound: null,
} as const satisfies Partial<MessageRow>;

/**
 * The SQL of chat: a turn's statements (chat-turn.repository.ts), the history read outside them
 * (history.repository.ts), retries, titles, idempotency keys.
 */
export function createChatRepository() {
  return {
    ...createChatTurnRepository(),
    ...createHistoryRepository(),
    async findIdempotencyKey(
      db: Executor,
      tenantId: string,
      userId: string,
      key: string,
    ): Promise<IdempotencyKeyRow | undefined> {
      const [row] = await db
        .select()
        .from(idempotencyKeys)
        .where(inTenant(idempotencyKeys, tenantId, eq(idempotencyKeys.userId, userId), eq(idempotencyKeys.key, key)));
      return row;
    },

    /**
     * Says this node still writes these replies (reply-leases.ts). By id alone, across tenants: they are
     * the node's own replies in flight, and nothing is read back. On the database's clock, as the sweep
     * that judges leases reads it: a node whose clock is off cannot make a live reply look stale.
     */
    async renewStreamingReplies(db: Executor, messageIds: readonly string[]): Promise<void> {
      await db
        .update(messages)
        .set({ aliveAt: sql`now()` })
        .where(and(inArray(messages.id, [...messageIds]), eq(messages.status, 'streaming')));
    },

    /**
     * Renews one reply's lease and saves what it has said so far, while it is still `streaming`: a
     * reply stored meanwhile (complete, stopped, failed) keeps what its turn stored.
     */
    async saveReplyDraft(db: Executor, draft: ReplyDraft): Promise<void> {
      const { text, reasoning } = draft;
      await db
        .update(messages)
        .set({ content: storableText(text), reasoning: storableText(reasoning) || null, aliveAt: sql`now()` })
        .where(and(eq(messages.id, draft.messageId), eq(messages.status, 'streaming')));
    },

    /**
     * Puts a failed reply back to `streaming`, only if it is still failed and still the conversation's
     * latest message; undefined otherwise. Being one conditional UPDATE, two retries racing each other
     * cannot both win.
     */
    async reopenFailedReply(db: Executor, reply: ReplyToReopen): Promise<MessageRow | undefined> {
      const { tenantId, conversationId, messageId } = reply;
      // The conversation first, as deleting it locks it and then its messages (the cascade): locking the
      // message first deadlocked against that delete on PostgreSQL.
      await db
        .select({ id: conversations.id })
        .from(conversations)
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)))
        .for('no key update');
      const [row] = await db
        .update(messages)
        .set({ ...reopenedReply, model: reply.modelRef, aliveAt: reply.now })
        .where(
          inTenant(
            messages,
            tenantId,
            eq(messages.id, messageId),
            eq(messages.conversationId, conversationId),
            eq(messages.role, 'assistant'),
            eq(messages.status, 'error'),
            notExists(
              db
                .select({ id: laterMessages.id })
                .from(laterMessages)
                .where(
                  inTenant(
                    laterMessages,
                    tenantId,
                    eq(laterMessages.conversationId, conversationId),
                    gt(laterMessages.id, messageId),
                  ),
                ),
            ),
          ),
        )
        .returning();
      if (!row) return undefined;
      await db
        .update(conversations)
        .set({ lastActivityAt: reply.now, updatedAt: reply.now })
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)));
      return row;
    },

    /** The message just before `messageId` in its conversation (what a reply answers). */
    async messageBefore(
      db: Executor,
      tenantId: string,
      conversationId: string,
      messageId: string,
    ): Promise<MessageRow | undefined> {
      const [row] = await db
        .select()
        .from(messages)
        .where(inTenant(messages, tenantId, eq(messages.conversationId, conversationId), lt(messages.id, messageId)))
        .orderBy(desc(messages.id))
        .limit(1);
      return row;
    },

    async firstUserMessage(db: Executor, tenantId: string, conversationId: string): Promise<string | undefined> {
      const [row] = await db
        .select({ content: messages.content })
        .from(messages)
        .where(inTenant(messages, tenantId, eq(messages.conversationId, conversationId), eq(messages.role, 'user')))
        .orderBy(asc(messages.id))
        .limit(1);
      return row?.content;
    },

    async findMessage(db: Executor, tenantId: string, messageId: string): Promise<MessageRow | undefined> {
      const [row] = await db
        .select()
        .from(messages)
        .where(inTenant(messages, tenantId, eq(messages.id, messageId)));
      return row;
    },

    /**
     * Sets the title unless someone (the user, or another turn) set one first. Answers the seq the
     * change took in the conversation's log (conversations_take_seq) and the rest of the state it logged,
     * or undefined when it was not made.
     */
    async setTitleIfEmpty(
      db: Executor,
      tenantId: string,
      conversationId: string,
      title: string,
    ): Promise<{ stateSeq: number; archivedAt: Date | null; projectId: string | null } | undefined> {
      const [row] = await db
        .update(conversations)
        .set({ title })
        .where(
          inTenant(conversations, tenantId, and(eq(conversations.id, conversationId), isNull(conversations.title))),
        )
        .returning({
          stateSeq: conversations.stateSeq,
          archivedAt: conversations.archivedAt,
          projectId: conversations.projectId,
        });
      return row;
    },
  };
}

export type ChatRepository = ReturnType<typeof createChatRepository>;
