import { and, asc, desc, eq, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import {
  contactTokens,
  contacts,
  conversations,
  inboxes,
  messages,
  supportConversations,
  supportEvents,
  supportRatings,
  users,
  widgetMessageClaims,
  type VisitorContext,
} from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';
import { findByClientMessageId } from '../conversations/index.js';

export type StoredWidgetInbox = typeof inboxes.$inferSelect;
export type StoredMessage = typeof messages.$inferSelect;

/** How many messages of one conversation the widget reads at once. */
const maxMessages = 200;

export function createWidgetRepository() {
  return {
    /**
     * The inbox a widget names in its snippet. The one lookup without a tenant: the inbox id is the
     * public handle a visitor starts from, and the tenant is learnt from it.
     */
    async findInbox(db: Executor, inboxId: string): Promise<StoredWidgetInbox | undefined> {
      const [row] = await db.select().from(inboxes).where(eq(inboxes.id, inboxId)).limit(1);
      return row;
    },

    /** A session by its token's hash (unique across tenants, like refresh tokens), with its inbox. */
    async findSession(db: Executor, tokenHash: string) {
      const [row] = await db
        .select({ session: contactTokens, inbox: inboxes })
        .from(contactTokens)
        .innerJoin(inboxes, eq(inboxes.id, contactTokens.inboxId))
        .where(eq(contactTokens.tokenHash, tokenHash))
        .limit(1);
      return row;
    },

    /** Whether a session still exists (rotating the inbox's signing secret ends the verified ones). */
    async hasSession(db: Executor, tenantId: string, sessionId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: contactTokens.id })
        .from(contactTokens)
        .where(inTenant(contactTokens, tenantId, eq(contactTokens.id, sessionId)))
        .limit(1);
      return row !== undefined;
    },

    async insertSession(db: Executor, session: typeof contactTokens.$inferInsert): Promise<void> {
      await db.insert(contactTokens).values(session);
    },

    async touchSession(db: Executor, tenantId: string, sessionId: string, contactId: string, at: Date) {
      await db
        .update(contactTokens)
        .set({ lastUsedAt: at })
        .where(inTenant(contactTokens, tenantId, eq(contactTokens.id, sessionId)));
      await db
        .update(contacts)
        .set({ lastSeenAt: at })
        .where(inTenant(contacts, tenantId, eq(contacts.id, contactId)));
    },

    /** What the widget knows of the visitor now, and that they were seen. */
    async recordVisitor(db: Executor, tenantId: string, contactId: string, visitor: VisitorContext) {
      await db
        .update(contacts)
        .set({ visitor, lastSeenAt: new Date(visitor.seenAt) })
        .where(inTenant(contacts, tenantId, eq(contacts.id, contactId)));
    },

    async findContactByExternalId(db: Executor, tenantId: string, externalId: string) {
      const [row] = await db
        .select()
        .from(contacts)
        .where(inTenant(contacts, tenantId, eq(contacts.externalId, externalId)))
        .limit(1);
      return row;
    },

    async insertContact(db: Executor, contact: typeof contacts.$inferInsert) {
      const [row] = await db.insert(contacts).values(contact).onConflictDoNothing().returning();
      return row;
    },

    async updateContact(
      db: Executor,
      tenantId: string,
      contactId: string,
      changes: Partial<Pick<typeof contacts.$inferInsert, 'email' | 'emailSource' | 'name'>>,
    ) {
      await db
        .update(contacts)
        .set({ ...changes, updatedAt: new Date() })
        .where(inTenant(contacts, tenantId, eq(contacts.id, contactId)));
    },

    async insertChatConversation(db: Executor, row: typeof conversations.$inferInsert): Promise<void> {
      await db.insert(conversations).values(row);
    },

    /** The contact's support conversations in this inbox, newest first. */
    async listOfContact(db: Executor, tenantId: string, inboxId: string, contactId: string, limit: number) {
      return db
        .select()
        .from(supportConversations)
        .where(
          inTenant(
            supportConversations,
            tenantId,
            eq(supportConversations.inboxId, inboxId),
            eq(supportConversations.contactId, contactId),
          ),
        )
        .orderBy(desc(supportConversations.createdAt), desc(supportConversations.id))
        .limit(limit);
    },

    /** One of the contact's conversations in this inbox, with its operator's name; undefined for anyone else's. */
    async findOwnConversation(db: Executor, tenantId: string, inboxId: string, contactId: string, id: string) {
      const [row] = await db
        .select({ conversation: supportConversations, operatorName: users.displayName })
        .from(supportConversations)
        .leftJoin(users, eq(users.id, supportConversations.assigneeId))
        .where(
          inTenant(
            supportConversations,
            tenantId,
            eq(supportConversations.id, id),
            eq(supportConversations.inboxId, inboxId),
            eq(supportConversations.contactId, contactId),
          ),
        )
        .limit(1);
      return row;
    },

    /** The chat messages a contact may see (never drafts of other kinds), oldest first. */
    async listMessages(db: Executor, tenantId: string, conversationId: string) {
      const rows = await db
        .select()
        .from(messages)
        .where(inTenant(messages, tenantId, eq(messages.conversationId, conversationId)))
        .orderBy(desc(messages.id))
        .limit(maxMessages);
      return rows.reverse();
    },

    async findMessage(db: Executor, tenantId: string, messageId: string) {
      const [row] = await db
        .select()
        .from(messages)
        .where(inTenant(messages, tenantId, eq(messages.id, messageId)))
        .limit(1);
      return row;
    },

    /** Whether a message of this chat conversation carries the file (as the visitor's image). */
    async isImageOf(db: Executor, tenantId: string, conversationId: string, fileId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: messages.id })
        .from(messages)
        .where(
          inTenant(
            messages,
            tenantId,
            and(
              eq(messages.conversationId, conversationId),
              sql`${messages.attachments} @> ${JSON.stringify([{ fileId }])}::jsonb`,
            ),
          ),
        )
        .limit(1);
      return row !== undefined;
    },

    /** A message written without a model (the contact's while a person has it, or a system line). */
    async insertMessage(db: Executor, row: typeof messages.$inferInsert): Promise<StoredMessage> {
      const [inserted] = await db.insert(messages).values(row).returning();
      await db
        .update(conversations)
        .set({
          messageCount: sql`${conversations.messageCount} + 1`,
          lastActivityAt: row.createdAt ?? new Date(),
          updatedAt: new Date(),
        })
        .where(inTenant(conversations, row.tenantId, eq(conversations.id, row.conversationId)));
      return inserted!;
    },

    /** The contact's message stored under this client id in the chat behind their conversation, if any. */
    findByClientMessageId,

    /** Claims a clientMessageId; false when it was claimed before (a resend). */
    async claimClientMessage(db: Executor, tenantId: string, supportConversationId: string, clientMessageId: string) {
      const rows = await db
        .insert(widgetMessageClaims)
        .values({ tenantId, supportConversationId, clientMessageId })
        .onConflictDoNothing()
        .returning({ id: widgetMessageClaims.clientMessageId });
      return rows.length === 1;
    },

    async findClaim(db: Executor, tenantId: string, supportConversationId: string, clientMessageId: string) {
      const [row] = await db
        .select()
        .from(widgetMessageClaims)
        .where(
          inTenant(
            widgetMessageClaims,
            tenantId,
            eq(widgetMessageClaims.supportConversationId, supportConversationId),
            eq(widgetMessageClaims.clientMessageId, clientMessageId),
          ),
        )
        .limit(1);
      return row;
    },

    async settleClaim(
      db: Executor,
      tenantId: string,
      supportConversationId: string,
      clientMessageId: string,
      messageId: string,
    ) {
      await db
        .update(widgetMessageClaims)
        .set({ messageId })
        .where(
          inTenant(
            widgetMessageClaims,
            tenantId,
            eq(widgetMessageClaims.supportConversationId, supportConversationId),
            eq(widgetMessageClaims.clientMessageId, clientMessageId),
          ),
        );
    },

    /** A claim whose message was never stored (the send failed), so that a resend may try again. */
    async dropUnsettledClaim(db: Executor, tenantId: string, supportConversationId: string, clientMessageId: string) {
      await db
        .delete(widgetMessageClaims)
        .where(
          inTenant(
            widgetMessageClaims,
            tenantId,
            eq(widgetMessageClaims.supportConversationId, supportConversationId),
            eq(widgetMessageClaims.clientMessageId, clientMessageId),
            isNull(widgetMessageClaims.messageId),
          ),
        );
    },

    /** The last person who had the conversation (took it or was given it), if anyone ever did. */
    async lastAssigneeOf(db: Executor, tenantId: string, supportConversationId: string) {
      const [row] = await db
        .select({ assigneeId: supportEvents.assigneeId })
        .from(supportEvents)
        .where(
          inTenant(
            supportEvents,
            tenantId,
            eq(supportEvents.supportConversationId, supportConversationId),
            isNotNull(supportEvents.assigneeId),
          ),
        )
        .orderBy(desc(supportEvents.id))
        .limit(1);
      return row?.assigneeId ?? undefined;
    },

    /**
     * Stores the contact's rating of the conversation's latest resolution (`resolvedAt`): a first one, or
     * in place of a rating given before it (the conversation was reopened and resolved again). False when
     * the latest resolution is rated already.
     */
    async upsertRating(db: Executor, rating: typeof supportRatings.$inferInsert, resolvedAt: Date): Promise<boolean> {
      // Never stamped before the resolution it rates, whatever the clocks of the nodes that wrote the two say.
      const ratedAt = sql`greatest(now(), ${resolvedAt.toISOString()}::timestamptz)`;
      const rows = await db
        .insert(supportRatings)
        .values({ ...rating, createdAt: ratedAt })
        .onConflictDoUpdate({
          target: supportRatings.supportConversationId,
          set: {
            rating: sql`excluded.rating`,
            comment: sql`excluded.comment`,
            operatorId: sql`excluded.operator_id`,
            isAiOnly: sql`excluded.is_ai_only`,
            createdAt: ratedAt,
          },
          setWhere: lt(supportRatings.createdAt, resolvedAt),
        })
        .returning({ id: supportRatings.supportConversationId });
      return rows.length === 1;
    },

    async findRating(db: Executor, tenantId: string, supportConversationId: string) {
      const [row] = await db
        .select()
        .from(supportRatings)
        .where(inTenant(supportRatings, tenantId, eq(supportRatings.supportConversationId, supportConversationId)))
        .orderBy(asc(supportRatings.createdAt))
        .limit(1);
      return row;
    },
  };
}

export type WidgetRepository = ReturnType<typeof createWidgetRepository>;
