import { and, eq, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { conversations, inboxes, messages, supportConversations } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';
import { ratingRequestIdPrefix } from './mailed-lines.js';

/** The SQL of the notices the email channel writes into its conversations (acknowledgements, rating requests). */
export function createEmailNoticesRepository() {
  return {
    /**
     * Writes a notice as a system line of the chat conversation, once per client id (the conversation's
     * unique client ids): false when it was written before. Its insert logs it, and the outbox mails it.
     */
    async insertNotice(
      db: Executor,
      row: { id: string; tenantId: string; conversationId: string; clientMessageId: string; content: string },
    ): Promise<boolean> {
      const now = new Date();
      const inserted = await db
        .insert(messages)
        .values({ ...row, role: 'system', status: 'complete', createdAt: now, completedAt: now })
        .onConflictDoNothing()
        .returning({ id: messages.id });
      if (inserted.length === 0) return false;
      await db
        .update(conversations)
        .set({ messageCount: sql`${conversations.messageCount} + 1`, lastActivityAt: now, updatedAt: now })
        .where(inTenant(conversations, row.tenantId, eq(conversations.id, row.conversationId)));
      return true;
    },

    /** A support conversation as a rating link needs it: whose, in which inbox, and its state. */
    async findRatable(db: Executor, tenantId: string, supportConversationId: string) {
      const [row] = await db
        .select({
          inboxId: supportConversations.inboxId,
          contactId: supportConversations.contactId,
          status: supportConversations.status,
          statusChangedAt: supportConversations.statusChangedAt,
        })
        .from(supportConversations)
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.id, supportConversationId)))
        .limit(1);
      return row;
    },

    /** The chat conversation behind a support conversation, where its lines are written. */
    async findChatConversationId(db: Executor, tenantId: string, supportConversationId: string) {
      const [row] = await db
        .select({ id: supportConversations.conversationId })
        .from(supportConversations)
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.id, supportConversationId)))
        .limit(1);
      return row?.id ?? undefined;
    },

    /**
     * The sweep's read across tenants (a system task): conversations of email inboxes that ask for ratings,
     * resolved since `since` and not yet asked to rate that resolution, with the contact's first words
     * (the request's language). support_conversations_queue_idx has no tenant here: the `since` bound and
     * the handful of resolutions an interval brings keep it small.
     */
    async listUnaskedResolutions(db: Executor, since: Date, limit: number) {
      return db
        .select({
          tenantId: supportConversations.tenantId,
          supportConversationId: supportConversations.id,
          conversationId: supportConversations.conversationId,
          resolvedAt: supportConversations.statusChangedAt,
          firstWords: sql<string | null>`(select m.content from messages m
            where m.conversation_id = ${supportConversations.conversationId} and m.role = 'user'
            order by m.created_at limit 1)`,
        })
        .from(supportConversations)
        .innerJoin(inboxes, eq(inboxes.id, supportConversations.inboxId))
        .where(
          and(
            eq(supportConversations.status, 'resolved'),
            sql`${supportConversations.statusChangedAt} > ${since}`,
            eq(inboxes.kind, 'email'),
            eq(inboxes.isCsatEnabled, true),
            sql`${supportConversations.conversationId} is not null`,
            sql`not exists (select 1 from messages m where m.conversation_id = ${supportConversations.conversationId}
              and m.client_message_id like ${`${ratingRequestIdPrefix}%`} and m.created_at >= ${supportConversations.statusChangedAt})`,
          ),
        )
        .limit(limit);
    },
  };
}

export type EmailNoticesRepository = ReturnType<typeof createEmailNoticesRepository>;
