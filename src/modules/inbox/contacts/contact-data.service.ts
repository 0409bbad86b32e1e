import type { Actor } from '../../../access/actor.js';
import { transaction } from '../../../platform/db/after-commit.js';
import type { Database, Executor } from '../../../platform/db/client.js';
import { notFound } from '../../../platform/errors.js';
import type { Logger } from '../../../platform/logger.js';
import type { FileStorage } from '../../../platform/storage/index.js';
import type { WebhookEvents } from '../../webhooks/index.js';
import type { ContactDataRepository } from './contact-data.repository.js';
import { presentContact, type ContactView } from './contacts.schemas.js';

export interface ContactDataServiceDeps {
  readonly db: Database;
  readonly repository: ContactDataRepository;
  readonly events?: WebhookEvents;
  readonly logger: Pick<Logger, 'info' | 'warn'>;
  /** Where the erased attachments' bytes are; without it (some tests) the hourly sweep removes them. */
  readonly storage?: Pick<FileStorage, 'remove'>;
}

/** Everything stored of one contact, as `GET /v1/contacts/:id/export` answers it (one JSON file). */
export type ContactExport = {
  readonly exportedAt: string;
  readonly contact: ContactView;
  readonly conversations: {
    readonly id: string;
    readonly inbox: { readonly id: string; readonly name: string };
    readonly status: string;
    readonly labels: string[];
    readonly summary: string | null;
    readonly createdAt: string;
    readonly rating: { readonly rating: number; readonly comment: string | null; readonly ratedAt: string } | null;
    readonly messages: {
      readonly id: string;
      /** Who wrote it: the contact, the AI agent, an operator, or the desk itself (a system line). */
      readonly from: 'contact' | 'ai' | 'operator' | 'system';
      /** The agent's or operator's name as the contact saw it; null for the contact's own and system lines. */
      readonly author: string | null;
      readonly content: string;
      readonly attachments: { readonly filename: string; readonly mediaType: string }[];
      readonly createdAt: string;
    }[];
    readonly notes: { readonly body: string; readonly createdAt: string }[];
  }[];
  readonly memories: { readonly content: string; readonly createdAt: string }[];
};

/** Who wrote an exported message: an assistant message with an author is an operator's reply. */
function writerOf(message: {
  role: 'user' | 'assistant' | 'system';
  authorName: string | null;
  authorId: string | null;
  agentName: string | null;
}): { from: ContactExport['conversations'][number]['messages'][number]['from']; author: string | null } {
  if (message.role === 'user') return { from: 'contact', author: null };
  if (message.role === 'system') return { from: 'system', author: null };
  if (message.authorId !== null || message.authorName !== null) {
    return { from: 'operator', author: message.authorName ?? 'Operator' };
  }
  return { from: 'ai', author: message.agentName };
}

/**
 * A contact's data on request (GDPR articles 15 and 17; docs/customer-service.md): an export of all of
 * it, and an erasure of what they said and what was drawn from it. Both are recorded as events
 * (`contact.exported`, `contact.erased`, carrying the contact's id only) and in the log.
 */
export function createContactDataService(deps: ContactDataServiceDeps) {
  const { db, repository } = deps;

  async function contactOrNotFound(executor: Executor, actor: Actor, contactId: string) {
    const contact = await repository.lockContact(executor, actor.tenantId, contactId);
    if (!contact) throw notFound('Contact', contactId);
    return contact;
  }

  return {
    async export(actor: Actor, contactId: string): Promise<ContactExport> {
      return transaction(db, async (tx) => {
        const contact = await contactOrNotFound(tx, actor, contactId);
        const supportRows = await repository.supportConversationsOf(tx, actor.tenantId, contactId);
        const chatIds = supportRows.flatMap((row) => (row.conversationId ? [row.conversationId] : []));
        // One after another on the transaction's one connection.
        const messageRows = await repository.messagesOf(tx, actor.tenantId, chatIds);
        const noteRows = await repository.notesOf(
          tx,
          actor.tenantId,
          supportRows.map((row) => row.id),
        );
        const memoryRows = await repository.memoriesOf(tx, actor.tenantId, contactId);
        await deps.events?.emit(tx, actor.tenantId, 'contact.exported', { contactId, byUserId: actor.userId });
        deps.logger.info({ contactId, userId: actor.userId }, 'contact data exported');
        return {
          exportedAt: new Date().toISOString(),
          contact: presentContact(contact),
          conversations: supportRows.map((row) => ({
            id: row.id,
            inbox: { id: row.inboxId, name: row.inboxName },
            status: row.status,
            labels: row.labels,
            summary: row.summary,
            createdAt: row.createdAt.toISOString(),
            rating:
              row.rating === null
                ? null
                : { rating: row.rating, comment: row.ratingComment, ratedAt: row.ratedAt!.toISOString() },
            messages: messageRows
              .filter((message) => message.conversationId === row.conversationId)
              .map((message) => ({
                id: message.id,
                ...writerOf(message),
                content: message.content,
                attachments: (message.attachments ?? []).map(({ filename, mediaType }) => ({ filename, mediaType })),
                createdAt: message.createdAt.toISOString(),
              })),
            notes: noteRows
              .filter((note) => note.supportConversationId === row.id)
              .map((note) => ({ body: note.body, createdAt: note.createdAt.toISOString() })),
          })),
          memories: memoryRows.map((memory) => ({
            content: memory.content,
            createdAt: memory.createdAt.toISOString(),
          })),
        };
      });
    },

    /**
     * Erases the contact's words and details in one transaction: their messages read "erased", their
     * attachments, memories, notes, summaries, titles, rating comments and the webhook events that named
     * them are gone (the attachments' bytes too, once it commits), their name and ways to reach them
     * emptied, their widget sessions ended. Scores,
     * counts and the agents' and operators' replies stay. Erasing again erases nothing more.
     */
    async erase(actor: Actor, contactId: string) {
      const erased = await transaction(db, async (tx) => {
        await contactOrNotFound(tx, actor, contactId);
        const supportRows = await repository.supportConversationsOf(tx, actor.tenantId, contactId);
        const result = await repository.erase(tx, actor.tenantId, contactId, {
          supportConversationIds: supportRows.map((row) => row.id),
          conversationIds: supportRows.flatMap((row) => (row.conversationId ? [row.conversationId] : [])),
        });
        await deps.events?.emit(tx, actor.tenantId, 'contact.erased', { contactId, byUserId: actor.userId });
        return result;
      });
      // After the commit, never inside it (a disk is slow): an erasure rolled back must keep its files.
      for (const key of erased.storageKeys) {
        await deps.storage
          ?.remove(key)
          .catch((error: unknown) => deps.logger.warn({ err: error }, 'An erased attachment stays until the sweep'));
      }
      deps.logger.info({ contactId, userId: actor.userId, erased: erased.counts }, 'contact data erased');
      return { contact: presentContact(erased.contact), erased: erased.counts };
    },
  };
}

export type ContactDataService = ReturnType<typeof createContactDataService>;
