import { and, asc, eq, inArray, isNotNull, isNull, like, ne, notInArray, or, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { withoutEchoes } from './echo-redaction.js';
import {
  agentMemories,
  agents,
  contacts,
  contactTokens,
  conversations,
  conversationSummaries,
  emailMessages,
  files,
  inboxes,
  messages,
  supportConversations,
  supportNotes,
  supportRatings,
  usageLedger,
  webhookEvents,
} from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';

/** What an erased message reads as, wherever it is shown or given to a model. */
export const erasedText = 'erased';

/**
 * The SQL of a contact's data on request (GDPR articles 15 and 17): everything stored of one contact,
 * read for an export, or erased. A contact's words live in the user messages of their support
 * conversations' chats, and in what was drawn from them: summaries, handoff summaries, titles, memories,
 * rating comments, operators' notes, attachments, and the webhook events that carried them.
 */
/**
 * Rewrites the AI's replies in these chats without the runs of `spoken` they repeat (echo-redaction.ts);
 * the log's copies follow (the messages_redact_log trigger). How many replies changed.
 */
async function eraseEchoes(db: Executor, tenantId: string, chatIds: string[], spoken: readonly string[]) {
  const replies = await db
    .select({ id: messages.id, content: messages.content })
    .from(messages)
    .where(
      inTenant(
        messages,
        tenantId,
        inArray(messages.conversationId, chatIds),
        eq(messages.role, 'assistant'),
        isNull(messages.authorId),
        isNull(messages.authorName),
      ),
    );
  let changed = 0;
  for (const reply of replies) {
    const content = withoutEchoes(reply.content, spoken);
    if (content === reply.content) continue;
    await db.update(messages).set({ content }).where(inTenant(messages, tenantId, eq(messages.id, reply.id)));
    changed += 1;
  }
  return changed;
}

export function createContactDataRepository() {
  return {
    /** Locks the contact row for the erasure's transaction; undefined when it is not the tenant's. */
    async lockContact(db: Executor, tenantId: string, contactId: string) {
      const [row] = await db
        .select()
        .from(contacts)
        .where(inTenant(contacts, tenantId, eq(contacts.id, contactId)))
        .for('update');
      return row;
    },

    /** The contact's support conversations with their inbox's name and rating, oldest first. */
    async supportConversationsOf(db: Executor, tenantId: string, contactId: string) {
      return db
        .select({
          id: supportConversations.id,
          conversationId: supportConversations.conversationId,
          inboxId: supportConversations.inboxId,
          inboxName: inboxes.name,
          status: supportConversations.status,
          labels: supportConversations.labels,
          summary: supportConversations.summary,
          createdAt: supportConversations.createdAt,
          rating: supportRatings.rating,
          ratingComment: supportRatings.comment,
          ratedAt: supportRatings.createdAt,
        })
        .from(supportConversations)
        .innerJoin(inboxes, eq(inboxes.id, supportConversations.inboxId))
        .leftJoin(supportRatings, eq(supportRatings.supportConversationId, supportConversations.id))
        .where(inTenant(supportConversations, tenantId, eq(supportConversations.contactId, contactId)))
        .orderBy(asc(supportConversations.createdAt), asc(supportConversations.id));
    },

    async messagesOf(db: Executor, tenantId: string, conversationIds: readonly string[]) {
      if (conversationIds.length === 0) return [];
      return db
        .select({
          id: messages.id,
          conversationId: messages.conversationId,
          role: messages.role,
          content: messages.content,
          attachments: messages.attachments,
          createdAt: messages.createdAt,
          authorId: messages.authorId,
          authorName: messages.authorName,
          agentName: agents.name,
        })
        .from(messages)
        .innerJoin(conversations, eq(conversations.id, messages.conversationId))
        .leftJoin(agents, eq(agents.id, conversations.agentId))
        .where(inTenant(messages, tenantId, inArray(messages.conversationId, [...conversationIds])))
        .orderBy(asc(messages.conversationId), asc(messages.id));
    },

    async notesOf(db: Executor, tenantId: string, supportConversationIds: readonly string[]) {
      if (supportConversationIds.length === 0) return [];
      return db
        .select({
          supportConversationId: supportNotes.supportConversationId,
          body: supportNotes.body,
          createdAt: supportNotes.createdAt,
        })
        .from(supportNotes)
        .where(
          inTenant(supportNotes, tenantId, inArray(supportNotes.supportConversationId, [...supportConversationIds])),
        )
        .orderBy(asc(supportNotes.id));
    },

    async memoriesOf(db: Executor, tenantId: string, contactId: string) {
      return db
        .select({ content: agentMemories.content, createdAt: agentMemories.createdAt })
        .from(agentMemories)
        .where(inTenant(agentMemories, tenantId, eq(agentMemories.contactId, contactId)))
        .orderBy(asc(agentMemories.createdAt));
    },

    /**
     * Erases what the contact said and what was drawn from it, with `db` a transaction that holds the
     * contact's lock. The rows stay (conversations, ratings' scores, usage) so totals and the operators'
     * own replies are kept; answers how many of each were erased.
     */
    async erase(
      db: Executor,
      tenantId: string,
      contactId: string,
      scope: { readonly supportConversationIds: readonly string[]; readonly conversationIds: readonly string[] },
    ) {
      const { supportConversationIds, conversationIds } = scope;
      // An empty list matches nothing (drizzle writes `false`).
      const inChats = [...conversationIds];
      const inSupport = [...supportConversationIds];
      const theirs = inTenant(messages, tenantId, inArray(messages.conversationId, inChats), eq(messages.role, 'user'));
      const attached = await db
        .select({ attachments: messages.attachments, content: messages.content })
        .from(messages)
        .where(theirs);
      const fileIds = [...new Set(attached.flatMap((row) => (row.attachments ?? []).map((file) => file.fileId)))];
      // The AI's replies that repeated their words keep the rest (operators' replies are the team's own).
      const echoes = await eraseEchoes(
        db,
        tenantId,
        inChats,
        attached.map((row) => row.content),
      );
      const said = await db
        .update(messages)
        .set({ content: erasedText, attachments: null })
        .where(and(theirs, or(ne(messages.content, erasedText), isNotNull(messages.attachments))))
        .returning({ id: messages.id });
      // The attachments' rows go; the caller removes their bytes once this commits (the hourly sweep of
      // stored files no row names catches any it could not).
      const removedFiles =
        fileIds.length === 0
          ? []
          : await db
              .delete(files)
              .where(inTenant(files, tenantId, inArray(files.id, fileIds)))
              .returning({ storageKey: files.storageKey });
      await db
        .delete(conversationSummaries)
        .where(inTenant(conversationSummaries, tenantId, inArray(conversationSummaries.conversationId, inChats)));
      await db
        .update(conversations)
        .set({ title: null })
        .where(inTenant(conversations, tenantId, inArray(conversations.id, inChats)));
      await db
        .update(supportConversations)
        .set({ summary: null })
        .where(inTenant(supportConversations, tenantId, inArray(supportConversations.id, inSupport)));
      await db
        .update(supportRatings)
        .set({ comment: null })
        .where(inTenant(supportRatings, tenantId, inArray(supportRatings.supportConversationId, inSupport)));
      // Their mails' subjects, address and sender checks; a reply still waiting to go to them never goes.
      await db
        .update(emailMessages)
        .set({
          subject: '',
          contactAddress: erasedText,
          authentication: null,
          status: sql`case when ${emailMessages.status} = 'pending' then 'failed' else ${emailMessages.status} end`,
          lastError: sql`case when ${emailMessages.status} = 'pending' then 'The contact was erased' else null end`,
        })
        .where(inTenant(emailMessages, tenantId, inArray(emailMessages.supportConversationId, inSupport)));
      const notes = await db
        .delete(supportNotes)
        .where(inTenant(supportNotes, tenantId, inArray(supportNotes.supportConversationId, inSupport)))
        .returning({ id: supportNotes.id });
      const memories = await db
        .delete(agentMemories)
        .where(inTenant(agentMemories, tenantId, eq(agentMemories.contactId, contactId)))
        .returning({ id: agentMemories.id });
      await db.delete(contactTokens).where(inTenant(contactTokens, tenantId, eq(contactTokens.contactId, contactId)));
      await db
        .update(usageLedger)
        .set({ contactId: null })
        .where(inTenant(usageLedger, tenantId, eq(usageLedger.contactId, contactId)));
      // Every event that named the contact or one of their chats (messages, handoffs, ratings): its payload
      // holds what they said or who they are, and the delivery log would show it.
      const patterns = [contactId, ...conversationIds].map((id) => `%${id}%`);
      const events = await db
        .delete(webhookEvents)
        .where(
          and(
            eq(webhookEvents.tenantId, tenantId),
            // The records of the request itself carry ids only, and stay.
            notInArray(webhookEvents.type, ['contact.exported', 'contact.erased']),
            or(...patterns.map((pattern) => like(webhookEvents.payload, pattern))),
          ),
        )
        .returning({ id: webhookEvents.id });
      const [contact] = await db
        .update(contacts)
        .set({
          name: null,
          email: null,
          emailSource: null,
          phone: null,
          externalId: null,
          attributes: {},
          visitor: null,
          erasedAt: sql`now()`,
        })
        .where(inTenant(contacts, tenantId, eq(contacts.id, contactId)))
        .returning();
      return {
        contact: contact!,
        storageKeys: removedFiles.map((file) => file.storageKey),
        counts: {
          messages: said.length,
          aiReplies: echoes,
          files: fileIds.length,
          notes: notes.length,
          memories: memories.length,
          webhookEvents: events.length,
        },
      };
    },
  };
}

export type ContactDataRepository = ReturnType<typeof createContactDataRepository>;
