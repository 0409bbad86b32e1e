import { and, asc, eq, gt, inArray, lte, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { conversationEvents, conversations, messages, users } from '../../platform/db/schema/index.js';
import type { LoggedEvent } from './conversation-log.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type RealtimeMessageRow = typeof messages.$inferSelect;

/** What the realtime layer reads: a conversation's log since a seq, for a resuming client or a gap. */
export function createRealtimeRepository() {
  return {
    /**
     * Where the conversation's log stands: its last seq, the oldest seq it still keeps (null: none), and
     * the conversation's own state. Read before the events, so every seq up to `lastSeq` is committed by
     * then (a seq is taken by locking this row until commit).
     */
    async conversationLog(db: Executor, tenantId: string, conversationId: string) {
      const [row] = await db
        .select({
          lastSeq: conversations.lastSeq,
          // The primary key's first entry for the conversation (bigint: a string from node-postgres).
          firstSeq: sql<
            string | number | null
          >`(select min(${conversationEvents.seq}) from ${conversationEvents} where ${conversationEvents.conversationId} = ${conversations.id})`,
          title: conversations.title,
          archivedAt: conversations.archivedAt,
          projectId: conversations.projectId,
        })
        .from(conversations)
        .where(inTenant(conversations, tenantId, eq(conversations.id, conversationId)));
      return row && { ...row, firstSeq: row.firstSeq === null ? null : Number(row.firstSeq) };
    },

    /** The log's events after seq `after` through `through`, in seq order (its primary key). */
    async eventsAfter(
      db: Executor,
      tenantId: string,
      conversationId: string,
      range: { readonly after: number; readonly through: number },
      limit: number,
    ): Promise<LoggedEvent[]> {
      return db
        .select({
          seq: conversationEvents.seq,
          type: conversationEvents.type,
          messageId: conversationEvents.messageId,
          payload: conversationEvents.payload,
        })
        .from(conversationEvents)
        .where(
          inTenant(
            conversationEvents,
            tenantId,
            eq(conversationEvents.conversationId, conversationId),
            gt(conversationEvents.seq, range.after),
            lte(conversationEvents.seq, range.through),
          ),
        )
        .orderBy(asc(conversationEvents.seq))
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
