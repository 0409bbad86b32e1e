import { and, asc, count, desc, eq, getTableColumns, gte, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import {
  agents,
  contacts,
  emailDomains,
  emailMessages,
  inboxes,
  messages,
  supportConversations,
} from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';
import type { ContactEmailSource } from '../../platform/db/schema/index.js';

export type NewEmailMessage = typeof emailMessages.$inferInsert;

/** An outbound mail no job is sending now: waiting, and unclaimed or its claim lapsed (its node died). */
const isClaimable = and(
  eq(emailMessages.status, 'pending'),
  or(isNull(emailMessages.sendingUntil), lt(emailMessages.sendingUntil, sql`now()`)),
);

/** All SQL of the email channel; every read of a tenant's rows names the tenant. */
export function createEmailRepository() {
  return {
    /**
     * The `email` inbox a recipient address belongs to. Like the widget's inbox lookup, one read without
     * a tenant: the SMTP listener learns the tenant from the address (unique across the server).
     */
    async findInboxByAddress(db: Executor, address: string) {
      const [row] = await db
        .select()
        .from(inboxes)
        .where(and(eq(inboxes.emailAddress, address.toLowerCase()), eq(inboxes.kind, 'email')))
        .limit(1);
      return row;
    },

    /**
     * The `email` inbox the listener delivers mail for at that address: only where the address's domain
     * is one a platform admin approved for the inbox's tenant (docs/customer-service.md, "Inbox
     * addresses"), so an address from before approvals, or at a domain since taken away, takes no mail.
     */
    async findRoutedInbox(db: Executor, address: string) {
      const [row] = await db
        .select(getTableColumns(inboxes))
        .from(inboxes)
        .innerJoin(
          emailDomains,
          and(
            eq(emailDomains.tenantId, inboxes.tenantId),
            eq(emailDomains.domain, sql`split_part(${inboxes.emailAddress}, '@', 2)`),
          ),
        )
        .where(and(eq(inboxes.emailAddress, address.toLowerCase()), eq(inboxes.kind, 'email')))
        .limit(1);
      return row;
    },

    async hasEmailInbox(db: Executor, tenantId: string): Promise<boolean> {
      const [row] = await db
        .select({ id: inboxes.id })
        .from(inboxes)
        .where(inTenant(inboxes, tenantId, eq(inboxes.kind, 'email')))
        .limit(1);
      return row !== undefined;
    },

    /** Two first mails of one new sender at once wait here, so one contact is made (until the transaction ends). */
    async lockContactAddress(tx: Executor, tenantId: string, address: string): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`contact-email:${tenantId}:${address}`}))`);
    },

    /** The tenant's oldest contact with that address known in one of these ways (contactEmailSources). */
    async findContactByAddress(
      db: Executor,
      tenantId: string,
      address: string,
      sources: readonly ContactEmailSource[],
    ) {
      const [row] = await db
        .select({ id: contacts.id, name: contacts.name })
        .from(contacts)
        .where(
          inTenant(
            contacts,
            tenantId,
            sql`lower(${contacts.email}) = ${address.toLowerCase()}`,
            inArray(contacts.emailSource, [...sources]),
          ),
        )
        .orderBy(asc(contacts.createdAt))
        .limit(1);
      return row;
    },

    /** How many mails from that address the tenant took since `since` (email_messages_sender_idx). */
    async countMailsFrom(db: Executor, tenantId: string, address: string, since: Date): Promise<number> {
      const [row] = await db
        .select({ mails: count() })
        .from(emailMessages)
        .where(
          inTenant(
            emailMessages,
            tenantId,
            eq(emailMessages.contactAddress, address),
            eq(emailMessages.direction, 'inbound'),
            gte(emailMessages.createdAt, since),
          ),
        );
      return row?.mails ?? 0;
    },

    /** A stored mail of that `Message-ID`: whether its message was stored, and since when its row exists. */
    async findMail(db: Executor, tenantId: string, internetMessageId: string) {
      const [row] = await db
        .select({ id: emailMessages.id, messageId: emailMessages.messageId, createdAt: emailMessages.createdAt })
        .from(emailMessages)
        .where(inTenant(emailMessages, tenantId, eq(emailMessages.internetMessageId, internetMessageId)))
        .limit(1);
      return row;
    },

    /** Stores a mail's row; false when its `Message-ID` is known already (a sending server retried). */
    async insertEmail(db: Executor, row: NewEmailMessage): Promise<boolean> {
      const inserted = await db
        .insert(emailMessages)
        .values(row)
        .onConflictDoNothing()
        .returning({ id: emailMessages.id });
      return inserted.length === 1;
    },

    async linkMessage(db: Executor, tenantId: string, id: string, messageId: string): Promise<void> {
      await db
        .update(emailMessages)
        .set({ messageId })
        .where(inTenant(emailMessages, tenantId, eq(emailMessages.id, id)));
    },

    async deleteEmail(db: Executor, tenantId: string, id: string): Promise<void> {
      await db.delete(emailMessages).where(inTenant(emailMessages, tenantId, eq(emailMessages.id, id)));
    },

    /**
     * The conversation of the inbox and contact that one of `ids` (a reply's `In-Reply-To` and
     * `References`) belongs to, newest first. Another contact's thread is not theirs to write into.
     */
    async findThreadConversation(
      db: Executor,
      tenantId: string,
      thread: { inboxId: string; contactId: string; ids: readonly string[] },
    ) {
      if (thread.ids.length === 0) return undefined;
      const [row] = await db
        .select({ id: supportConversations.id })
        .from(emailMessages)
        .innerJoin(supportConversations, eq(supportConversations.id, emailMessages.supportConversationId))
        .where(
          inTenant(
            emailMessages,
            tenantId,
            inArray(emailMessages.internetMessageId, [...thread.ids]),
            eq(supportConversations.inboxId, thread.inboxId),
            eq(supportConversations.contactId, thread.contactId),
          ),
        )
        .orderBy(desc(emailMessages.createdAt))
        .limit(1);
      return row?.id;
    },

    /** The contact's newest conversation in the inbox (support_conversations_contact_idx). */
    async findNewestConversation(db: Executor, tenantId: string, inboxId: string, contactId: string) {
      const [row] = await db
        .select({ id: supportConversations.id })
        .from(supportConversations)
        .where(
          inTenant(
            supportConversations,
            tenantId,
            eq(supportConversations.contactId, contactId),
            eq(supportConversations.inboxId, inboxId),
          ),
        )
        .orderBy(desc(supportConversations.createdAt))
        .limit(1);
      return row?.id;
    },

    /** The email conversation a chat conversation stands behind, with its contact's address; undefined otherwise. */
    /**
     * The log's events the email outbox reads (on `e`, conversation_events): assistant messages and system
     * lines (handovers, the channel's notices) in the chat conversation of an email support conversation.
     * The others are passed over unread.
     */
    emailRepliesInLog(): SQL {
      return sql`e.type in ('message-created', 'reply-settled') and e.payload->>'role' in ('assistant', 'system')
        and exists (select 1 from support_conversations sc join inboxes i on i.id = sc.inbox_id
          where sc.conversation_id = e.conversation_id and sc.tenant_id = e.tenant_id and i.kind = 'email')`;
    },

    async findEmailConversationOfChat(db: Executor, tenantId: string, chatConversationId: string) {
      const [row] = await db
        .select({
          supportConversationId: supportConversations.id,
          contactAddress: contacts.email,
          inboxAddress: inboxes.emailAddress,
          onAiFailure: inboxes.onAiFailure,
          noAnswerReply: inboxes.noAnswerReply,
        })
        .from(supportConversations)
        .innerJoin(inboxes, eq(inboxes.id, supportConversations.inboxId))
        .innerJoin(contacts, eq(contacts.id, supportConversations.contactId))
        .where(
          inTenant(
            supportConversations,
            tenantId,
            eq(supportConversations.conversationId, chatConversationId),
            eq(inboxes.kind, 'email'),
          ),
        )
        .limit(1);
      return row;
    },

    /** An outbound mail with what sending it needs: the reply, the inbox's address, who wrote it, to whom. */
    async findOutbound(db: Executor, tenantId: string, id: string) {
      const [row] = await db
        .select({
          email: emailMessages,
          content: messages.content,
          role: messages.role,
          clientMessageId: messages.clientMessageId,
          writtenAt: messages.createdAt,
          citations: messages.citations,
          authorName: messages.authorName,
          isOperatorReply: sql<boolean>`${messages.authorId} is not null or ${messages.authorName} is not null`,
          inboxAddress: inboxes.emailAddress,
          inboxName: inboxes.name,
          inboxCitations: inboxes.citations,
          businessHours: inboxes.businessHours,
          agentName: agents.name,
          contactName: contacts.name,
        })
        .from(emailMessages)
        .innerJoin(messages, eq(messages.id, emailMessages.messageId))
        .innerJoin(supportConversations, eq(supportConversations.id, emailMessages.supportConversationId))
        .innerJoin(inboxes, eq(inboxes.id, supportConversations.inboxId))
        .innerJoin(contacts, eq(contacts.id, supportConversations.contactId))
        .leftJoin(agents, eq(agents.id, inboxes.agentId))
        .where(inTenant(emailMessages, tenantId, eq(emailMessages.id, id)))
        .limit(1);
      return row;
    },

    /** The conversation's mails before `before`, oldest first: their ids thread the next reply. */
    async listThread(db: Executor, tenantId: string, supportConversationId: string, before: Date) {
      return db
        .select({
          internetMessageId: emailMessages.internetMessageId,
          direction: emailMessages.direction,
          subject: emailMessages.subject,
        })
        .from(emailMessages)
        .where(
          inTenant(
            emailMessages,
            tenantId,
            eq(emailMessages.supportConversationId, supportConversationId),
            lt(emailMessages.createdAt, before),
          ),
        )
        .orderBy(asc(emailMessages.createdAt), asc(emailMessages.id))
        .limit(200);
    },

    async recordAttempt(
      db: Executor,
      tenantId: string,
      id: string,
      outcome: { status: 'pending' | 'sent' | 'failed'; error: string | null },
    ): Promise<void> {
      await db
        .update(emailMessages)
        .set({
          status: outcome.status,
          attempts: sql`${emailMessages.attempts} + 1`,
          lastError: outcome.error,
          sendingUntil: null,
          ...(outcome.status === 'sent' && { sentAt: new Date() }),
        })
        .where(inTenant(emailMessages, tenantId, eq(emailMessages.id, id)));
    },

    /**
     * Claims a waiting mail for one send, for `leaseMs`: false when it was sent or failed meanwhile, or
     * another job's claim still holds. The claim, not the status read before it, is what keeps a mail from
     * going twice when two jobs for it run at once.
     */
    async claimForSending(db: Executor, tenantId: string, id: string, leaseMs: number): Promise<boolean> {
      const claimed = await db
        .update(emailMessages)
        .set({ sendingUntil: sql`now() + ${leaseMs} * interval '1 millisecond'` })
        .where(inTenant(emailMessages, tenantId, and(eq(emailMessages.id, id), isClaimable)))
        .returning({ id: emailMessages.id });
      return claimed.length > 0;
    },

    /** The sweep's read across tenants (a system task): outbound mails still waiting since before `olderThan`. */
    async listWaiting(db: Executor, olderThan: Date, limit: number) {
      return db
        .select({ id: emailMessages.id, tenantId: emailMessages.tenantId })
        .from(emailMessages)
        .where(and(isClaimable, lt(emailMessages.createdAt, olderThan)))
        .orderBy(asc(emailMessages.createdAt))
        .limit(limit);
    },
  };
}

export type EmailRepository = ReturnType<typeof createEmailRepository>;
