import { and, asc, desc, eq, gt, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import {
  agentKnowledgeSources,
  agents,
  contacts,
  conversations,
  inboxes,
  messages,
  supportConversations,
  supportEvents,
  users,
} from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';
import { findByClientMessageId } from '../../conversations/index.js';
import { deskUserEmail } from '../../users/desk-user-address.js';

export { deskUserEmail };

export type DeskMessageRow = typeof messages.$inferSelect;

/**
 * The SQL of the operator's side: the linked chat conversation's messages, operators' replies in it,
 * and the desk user that owns support chats (ADR 16).
 */
export function createDeskMessagesRepository() {
  return {
    /** The tenant's desk user, if it was made. */
    async findDeskUser(db: Executor, tenantId: string): Promise<string | undefined> {
      const [row] = await db
        .select({ id: users.id })
        .from(users)
        .where(inTenant(users, tenantId, sql`lower(${users.email}) = ${deskUserEmail(tenantId)}`))
        .limit(1);
      return row?.id;
    },

    /** Makes the desk user once; of two nodes making it at once, the second finds the first's (unique email). */
    async insertDeskUser(db: Executor, tenantId: string, id: string): Promise<void> {
      await db
        .insert(users)
        .values({
          id,
          tenantId,
          email: deskUserEmail(tenantId),
          displayName: 'Support desk',
          // No password hashes to '!': nobody can sign in as the desk, and it is disabled besides.
          passwordHash: '!',
          role: 'member',
          disabledAt: new Date(),
        })
        .onConflictDoNothing();
    },

    /** The support conversation a chat conversation carries, if it is one (the unique link's index). */
    async findByConversation(db: Executor, tenantId: string, conversationId: string) {
      const [row] = await db
        .select({ id: supportConversations.id, status: supportConversations.status })
        .from(supportConversations)
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.conversationId, conversationId)))
        .limit(1);
      return row;
    },

    /** A chat's support conversation as its AI turn needs it: the state, and how its inbox says "no answer". */
    async findForAiTurn(db: Executor, tenantId: string, conversationId: string) {
      const [row] = await db
        .select({
          id: supportConversations.id,
          status: supportConversations.status,
          noAnswerReply: inboxes.noAnswerReply,
        })
        .from(supportConversations)
        .innerJoin(inboxes, eq(inboxes.id, supportConversations.inboxId))
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.conversationId, conversationId)))
        .limit(1);
      return row;
    },

    /** The support conversation, locked until the transaction ends, with its inbox's agent. */
    async lockSupportConversation(db: Executor, tenantId: string, id: string) {
      const [row] = await db
        .select({
          conversationId: supportConversations.conversationId,
          agentId: inboxes.agentId,
        })
        .from(supportConversations)
        .innerJoin(inboxes, eq(inboxes.id, supportConversations.inboxId))
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.id, id)))
        .for('update', { of: supportConversations })
        .limit(1);
      return row;
    },

    async insertConversation(
      db: Executor,
      row: { id: string; tenantId: string; ownerId: string; agentId: string | null; title: string },
    ): Promise<void> {
      await db.insert(conversations).values(row);
    },

    async linkConversation(db: Executor, tenantId: string, id: string, conversationId: string): Promise<void> {
      await db
        .update(supportConversations)
        .set({ conversationId, updatedAt: new Date() })
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.id, id)));
    },

    /** Messages of a chat conversation after a message id (ids are UUID v7: time order), oldest first. */
    async messagesAfter(
      db: Executor,
      tenantId: string,
      conversationId: string,
      afterId: string | undefined,
      limit: number,
    ) {
      return db
        .select()
        .from(messages)
        .where(
          inTenant(
            messages,
            tenantId,
            eq(messages.conversationId, conversationId),
            afterId === undefined ? undefined : gt(messages.id, afterId),
          ),
        )
        .orderBy(asc(messages.id))
        .limit(limit);
    },

    /** The latest messages of a chat conversation, oldest first (what a draft reads). */
    async latestMessages(db: Executor, tenantId: string, conversationId: string, limit: number) {
      const rows = await db
        .select()
        .from(messages)
        .where(inTenant(messages, tenantId, eq(messages.conversationId, conversationId)))
        .orderBy(desc(messages.id))
        .limit(limit);
      return rows.reverse();
    },

    /** Status changes of a support conversation after an id, oldest first (its system lines). */
    async eventsAfter(db: Executor, tenantId: string, id: string, afterId: string | undefined, limit: number) {
      return db
        .select({ event: supportEvents, actorName: sql<string | null>`coalesce(${users.displayName}, ${users.email})` })
        .from(supportEvents)
        .leftJoin(users, eq(users.id, supportEvents.actorId))
        .where(
          inTenant(
            supportEvents,
            tenantId,
            eq(supportEvents.supportConversationId, id),
            afterId === undefined ? undefined : gt(supportEvents.id, afterId),
          ),
        )
        .orderBy(asc(supportEvents.id))
        .limit(limit);
    },

    /** The name a contact is shown for an operator: their display name, else their address. */
    async displayNameOf(db: Executor, tenantId: string, userId: string): Promise<string | undefined> {
      const [row] = await db
        .select({ name: sql<string>`coalesce(${users.displayName}, ${users.email})` })
        .from(users)
        .where(and(inTenant(users, tenantId, eq(users.id, userId)), isNull(users.disabledAt)))
        .limit(1);
      return row?.name;
    },

    /** An operator's reply stored under this client id, if any: a resend answers it again. */
    findByClientId: findByClientMessageId,

    /**
     * An operator's reply: a complete `assistant` message no model wrote, with its author; counted in the
     * conversation like any message. Undefined when the same client id was stored already.
     */
    async insertOperatorReply(
      db: Executor,
      reply: {
        id: string;
        tenantId: string;
        conversationId: string;
        content: string;
        /** Null for the desk's automatic lines (a routing rule's canned response). */
        authorId: string | null;
        authorName: string;
        clientMessageId: string | null;
        now: Date;
      },
    ): Promise<DeskMessageRow | undefined> {
      const [row] = await db
        .insert(messages)
        .values({
          id: reply.id,
          tenantId: reply.tenantId,
          conversationId: reply.conversationId,
          role: 'assistant',
          content: reply.content,
          status: 'complete',
          finishReason: 'operator',
          authorId: reply.authorId,
          authorName: reply.authorName,
          clientMessageId: reply.clientMessageId,
          createdAt: reply.now,
          completedAt: reply.now,
        })
        .onConflictDoNothing()
        .returning();
      if (!row) return undefined;
      await db
        .update(conversations)
        .set({
          messageCount: sql`${conversations.messageCount} + 1`,
          lastActivityAt: reply.now,
          updatedAt: reply.now,
        })
        .where(inTenant(conversations, reply.tenantId, eq(conversations.id, reply.conversationId)));
      return row;
    },

    /** The inbox's agent: its model and knowledge sources (undefined for a human-only inbox). */
    async inboxAgentOf(db: Executor, tenantId: string, inboxId: string) {
      const [row] = await db
        .select({
          id: agents.id,
          model: agents.model,
          knowledgeSourceIds: sql<
            string[]
          >`array(select ${agentKnowledgeSources.sourceId}::text from ${agentKnowledgeSources} where ${agentKnowledgeSources.agentId} = ${agents.id} and ${agentKnowledgeSources.tenantId} = ${agents.tenantId} order by 1)`,
        })
        .from(inboxes)
        .innerJoin(agents, and(eq(agents.id, inboxes.agentId), eq(agents.tenantId, inboxes.tenantId)))
        .where(inTenant(inboxes, tenantId, eq(inboxes.id, inboxId)))
        .limit(1);
      return row;
    },

    /** What a pending notice names: the inbox and the contact. */
    async noticeNames(db: Executor, tenantId: string, inboxId: string, contactId: string) {
      const [row] = await db
        .select({ inboxName: inboxes.name, contactName: contacts.name, contactEmail: contacts.email })
        .from(inboxes)
        .innerJoin(contacts, and(eq(contacts.id, contactId), eq(contacts.tenantId, inboxes.tenantId)))
        .where(inTenant(inboxes, tenantId, eq(inboxes.id, inboxId)))
        .limit(1);
      return row;
    },

    async saveSummary(db: Executor, tenantId: string, id: string, summary: string): Promise<void> {
      await db
        .update(supportConversations)
        .set({ summary })
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.id, id)));
    },

    /**
     * The summary, only where there is none yet: a human-only inbox's conversation waits from its start,
     * before the contact wrote, so its first message says what it is about. True when it was written.
     */
    async saveTopic(db: Executor, tenantId: string, id: string, summary: string): Promise<boolean> {
      const written = await db
        .update(supportConversations)
        .set({ summary })
        .where(
          inTenant(
            supportConversations,
            tenantId,
            eq(supportConversations.id, id),
            sql`coalesce(${supportConversations.summary}, '') = ''`,
          ),
        )
        .returning({ id: supportConversations.id });
      return written.length > 0;
    },

    /** The contact's messages in a chat conversation, oldest first (what a summary is made from). */
    async contactMessages(db: Executor, tenantId: string, conversationId: string, limit: number) {
      return db
        .select({ content: messages.content })
        .from(messages)
        .where(inTenant(messages, tenantId, eq(messages.conversationId, conversationId), eq(messages.role, 'user')))
        .orderBy(asc(messages.id))
        .limit(limit);
    },
  };
}

export type DeskMessagesRepository = ReturnType<typeof createDeskMessagesRepository>;
