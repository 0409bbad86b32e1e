import { and, asc, desc, eq, gt, isNull, lt, ne, notExists, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Executor } from '../../platform/db/client.js';
import { conversations, idempotencyKeys, messages } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type MessageRow = typeof messages.$inferSelect;
export type IdempotencyKeyRow = typeof idempotencyKeys.$inferSelect;
export type AssistantMessageResult = Pick<
  MessageRow,
  | 'content'
  | 'reasoning'
  | 'status'
  | 'errorCode'
  | 'errorMessage'
  | 'inputTokens'
  | 'outputTokens'
  | 'reasoningTokens'
  | 'totalTokens'
  | 'timeToFirstTokenMs'
  | 'durationMs'
  | 'finishReason'
  | 'completedAt'
>;

export interface NewTurn {
  readonly tenantId: string;
  readonly conversationId: string;
  readonly userMessageId: string;
  readonly assistantMessageId: string;
  readonly content: string;
  readonly modelRef: string;
  readonly now: Date;
}

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
} as const satisfies Partial<MessageRow>;

/** The SQL of a chat turn: its two messages, the conversation's counters and state, idempotency keys. */
export function createChatRepository() {
  return {
    /** Claims the key; false when it is already taken (the caller then replays the first request). */
    async claimIdempotencyKey(db: Executor, row: typeof idempotencyKeys.$inferInsert): Promise<boolean> {
      const inserted = await db
        .insert(idempotencyKeys)
        .values(row)
        .onConflictDoNothing()
        .returning({ key: idempotencyKeys.key });
      return inserted.length === 1;
    },

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

    /** Stores the user's message and the assistant's placeholder (`streaming`) and bumps the conversation. */
    async insertTurnMessages(db: Executor, turn: NewTurn): Promise<{ user: MessageRow; assistant: MessageRow }> {
      const common = { tenantId: turn.tenantId, conversationId: turn.conversationId };
      const [user] = await db
        .insert(messages)
        .values({
          ...common,
          id: turn.userMessageId,
          role: 'user',
          content: turn.content,
          status: 'complete',
          createdAt: turn.now,
          completedAt: turn.now,
        })
        .returning();
      const [assistant] = await db
        .insert(messages)
        .values({
          ...common,
          id: turn.assistantMessageId,
          role: 'assistant',
          status: 'streaming',
          model: turn.modelRef,
          createdAt: turn.now,
        })
        .returning();
      await db
        .update(conversations)
        .set({ messageCount: sql`${conversations.messageCount} + 2`, lastActivityAt: turn.now, updatedAt: turn.now })
        .where(inTenant(conversations, turn.tenantId, eq(conversations.id, turn.conversationId)));
      return { user: user!, assistant: assistant! };
    },

    /**
     * The last `limit` messages before `beforeMessageId` worth sending to a model: the user's, and the
     * assistant's complete, non-empty replies (failed or unfinished ones would mislead it).
     */
    async recentHistory(
      db: Executor,
      tenantId: string,
      conversationId: string,
      beforeMessageId: string,
      limit: number,
    ): Promise<Pick<MessageRow, 'role' | 'content'>[]> {
      const rows = await db
        .select({ role: messages.role, content: messages.content })
        .from(messages)
        .where(
          inTenant(
            messages,
            tenantId,
            eq(messages.conversationId, conversationId),
            lt(messages.id, beforeMessageId),
            ne(messages.content, ''),
            or(eq(messages.role, 'user'), eq(messages.status, 'complete')),
          ),
        )
        .orderBy(desc(messages.id))
        .limit(limit);
      return rows.reverse();
    },

    /**
     * Puts a failed reply back to `streaming`, only if it is still failed and still the conversation's
     * latest message; undefined otherwise. Being one conditional UPDATE, two retries racing each other
     * cannot both win.
     */
    async reopenFailedReply(db: Executor, reply: ReplyToReopen): Promise<MessageRow | undefined> {
      const { tenantId, conversationId, messageId } = reply;
      const [row] = await db
        .update(messages)
        .set({ ...reopenedReply, model: reply.modelRef })
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

    async completeAssistantMessage(
      db: Executor,
      tenantId: string,
      messageId: string,
      result: AssistantMessageResult,
    ): Promise<MessageRow | undefined> {
      const [row] = await db
        .update(messages)
        .set(result)
        .where(inTenant(messages, tenantId, eq(messages.id, messageId)))
        .returning();
      return row;
    },

    /** The agent's state between turns; merged in SQL so two turns finishing together both count. */
    async recordTurn(
      db: Executor,
      tenantId: string,
      conversationId: string,
      modelRef: string,
      now: Date,
    ): Promise<void> {
      await db
        .update(conversations)
        .set({
          state: sql`${conversations.state} || jsonb_build_object('lastModel', ${modelRef}::text, 'turns', coalesce((${conversations.state}->>'turns')::int, 0) + 1)`,
          lastActivityAt: now,
          updatedAt: now,
        })
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)));
    },

    /** Sets the title unless someone (the user, or another turn) set one first. */
    async setTitleIfEmpty(db: Executor, tenantId: string, conversationId: string, title: string): Promise<boolean> {
      const rows = await db
        .update(conversations)
        .set({ title })
        .where(
          inTenant(conversations, tenantId, and(eq(conversations.id, conversationId), isNull(conversations.title))),
        )
        .returning({ id: conversations.id });
      return rows.length === 1;
    },
  };
}

export type ChatRepository = ReturnType<typeof createChatRepository>;
