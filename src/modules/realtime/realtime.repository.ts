import { and, asc, eq, gte, inArray, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { messages } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type RealtimeMessageRow = typeof messages.$inferSelect;

/** What the realtime layer reads: a conversation's messages since a moment, for a resuming client. */
export function createRealtimeRepository() {
  return {
    /**
     * Messages that changed at or after `since` (created, or completed), those still being written, and
     * those waiting for an approval (whose row has no completion time), oldest first. Ids are UUID v7,
     * so messages_conversation_idx serves the order.
     */
    async messagesChangedSince(
      db: Executor,
      tenantId: string,
      conversationId: string,
      since: Date,
    ): Promise<RealtimeMessageRow[]> {
      return db
        .select()
        .from(messages)
        .where(
          inTenant(
            messages,
            tenantId,
            eq(messages.conversationId, conversationId),
            or(
              inArray(messages.status, ['streaming', 'awaiting_approval']),
              gte(sql`coalesce(${messages.completedAt}, ${messages.createdAt})`, since),
            ),
          ),
        )
        .orderBy(asc(messages.id));
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
  };
}

export type RealtimeRepository = ReturnType<typeof createRealtimeRepository>;
