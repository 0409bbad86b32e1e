import { and, asc, eq, gt, inArray, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { conversations, messages, users } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type RealtimeMessageRow = typeof messages.$inferSelect;

/** What the realtime layer reads: a conversation's messages since a moment, for a resuming client. */
export function createRealtimeRepository() {
  return {
    /**
     * Where the conversation's log stands: its last seq, and its own state with the seq of its last
     * change. Read before the messages, so every seq up to `lastSeq` is committed by then (a seq is
     * taken by locking this row until commit).
     */
    async conversationLog(db: Executor, tenantId: string, conversationId: string) {
      const [row] = await db
        .select({
          lastSeq: conversations.lastSeq,
          stateSeq: conversations.stateSeq,
          title: conversations.title,
          archivedAt: conversations.archivedAt,
          projectId: conversations.projectId,
        })
        .from(conversations)
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)));
      return row;
    },

    /**
     * Messages whose latest state came after seq `after`, and those still being written, in log order
     * (messages_conversation_seq_idx).
     */
    async messagesChangedAfter(
      db: Executor,
      tenantId: string,
      conversationId: string,
      after: number,
      limit: number,
    ): Promise<RealtimeMessageRow[]> {
      return db
        .select()
        .from(messages)
        .where(
          inTenant(
            messages,
            tenantId,
            eq(messages.conversationId, conversationId),
            or(gt(messages.seq, after), eq(messages.status, 'streaming')),
          ),
        )
        .orderBy(asc(messages.seq))
        .limit(limit);
    },

    /** The conversation's replies still being written (their events come from the relay's logs). */
    async streamingReplies(db: Executor, tenantId: string, conversationId: string): Promise<RealtimeMessageRow[]> {
      return db
        .select()
        .from(messages)
        .where(
          and(
            inTenant(messages, tenantId, eq(messages.conversationId, conversationId)),
            eq(messages.status, 'streaming'),
          ),
        )
        .orderBy(asc(messages.id));
    },

    async findMessage(db: Executor, tenantId: string, messageId: string): Promise<RealtimeMessageRow | undefined> {
      const [row] = await db
        .select()
        .from(messages)
        .where(inTenant(messages, tenantId, eq(messages.id, messageId)))
        .limit(1);
      return row;
    },

    /** The conversation's latest reply in one of `statuses` (a `stop` or `approve` that names no message). */
    async latestReplyIn(
      db: Executor,
      tenantId: string,
      conversationId: string,
      statuses: readonly RealtimeMessageRow['status'][],
    ): Promise<RealtimeMessageRow | undefined> {
      const [row] = await db
        .select()
        .from(messages)
        .where(
          inTenant(
            messages,
            tenantId,
            eq(messages.conversationId, conversationId),
            eq(messages.role, 'assistant'),
            inArray(messages.status, [...statuses]),
          ),
        )
        .orderBy(sql`${messages.id} desc`)
        .limit(1);
      return row;
    },

    /** The name a user is shown by: their display name, or their email without one. */
    async displayNameOf(db: Executor, tenantId: string, userId: string): Promise<string | null> {
      const [row] = await db
        .select({ displayName: users.displayName, email: users.email })
        .from(users)
        .where(inTenant(users, tenantId, eq(users.id, userId)));
      return row ? (row.displayName ?? row.email) : null;
    },
  };
}

export type RealtimeRepository = ReturnType<typeof createRealtimeRepository>;
