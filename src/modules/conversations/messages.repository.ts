import { asc, desc, eq, gt, lt } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { messages } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type MessageRow = typeof messages.$inferSelect;

export type HistoryWindow =
  | { readonly kind: 'latest' }
  | { readonly kind: 'before'; readonly messageId: string }
  | { readonly kind: 'after'; readonly messageId: string };

/** Reads of a conversation's messages. Ids are UUID v7, so messages_conversation_idx is history in order. */
export function createMessagesRepository() {
  return {
    /**
     * Up to `limit` messages next to the window's edge, oldest first; `limit + 1` are read so the
     * caller can tell whether more lie beyond.
     */
    async listWindow(
      db: Executor,
      tenantId: string,
      conversationId: string,
      window: HistoryWindow,
      limit: number,
    ): Promise<MessageRow[]> {
      const inConversation = eq(messages.conversationId, conversationId);
      if (window.kind === 'after') {
        return db
          .select()
          .from(messages)
          .where(inTenant(messages, tenantId, inConversation, gt(messages.id, window.messageId)))
          .orderBy(asc(messages.id))
          .limit(limit + 1);
      }
      const rows = await db
        .select()
        .from(messages)
        .where(
          inTenant(
            messages,
            tenantId,
            inConversation,
            window.kind === 'before' ? lt(messages.id, window.messageId) : undefined,
          ),
        )
        .orderBy(desc(messages.id))
        .limit(limit + 1);
      return rows.reverse();
    },

    async findById(db: Executor, tenantId: string, messageId: string): Promise<MessageRow | undefined> {
      const [row] = await db
        .select()
        .from(messages)
        .where(inTenant(messages, tenantId, eq(messages.id, messageId)));
      return row;
    },
  };
}

export type MessagesRepository = ReturnType<typeof createMessagesRepository>;

/**
 * The message stored under a client's id in a conversation, if any: how a resend (the widget's, an
 * operator's) finds what its first send stored (one per client id: messages_client_message_unique).
 */
export async function findByClientMessageId(
  db: Executor,
  tenantId: string,
  conversationId: string,
  clientMessageId: string,
): Promise<MessageRow | undefined> {
  const [row] = await db
    .select()
    .from(messages)
    .where(
      inTenant(
        messages,
        tenantId,
        eq(messages.conversationId, conversationId),
        eq(messages.clientMessageId, clientMessageId),
      ),
    )
    .limit(1);
  return row;
}
