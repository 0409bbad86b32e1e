import { hasRoleAtLeast, type Actor } from '../../access/actor.js';
import { transaction } from '../../platform/db/after-commit.js';
import type { Database, Executor } from '../../platform/db/client.js';
import { AppError, conflict, forbidden, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { StoredContact } from '../inbox/contacts/contacts.repository.js';
import type { ApiChannelRepository } from './api-channel.repository.js';
import type { ApiContactInput, ApiPostMessageInput } from './api-channel.schemas.js';
import type { Visitor } from './widget-sessions.js';
import type { StoredWidgetInbox, WidgetRepository } from './widget.repository.js';
import type { WidgetService } from './widget.service.js';

export interface ApiChannelDeps {
  readonly db: Database;
  readonly repository: ApiChannelRepository;
  readonly widgetRepository: Pick<WidgetRepository, 'findContactByExternalId' | 'insertContact' | 'listOfContact'>;
  readonly widget: Pick<WidgetService, 'send' | 'create' | 'messages' | 'handoff' | 'rate' | 'get'>;
  /** In the transaction that makes a contact: its `contact.created` webhook event (the outbox). */
  readonly recordContactCreated?: (tx: Executor, contact: StoredContact) => Promise<void>;
}

/** Not a browser session: the tenant's system speaks for the contact with an API key. */
const apiSession = 'api';

/**
 * The API channel: the tenant's own system (a WhatsApp or e-mail bridge, an app's backend) posts its
 * contacts' messages to an inbox of kind `api`, and hears the replies by webhook. A contact's message
 * goes through the widget's own path (who answers, handoff, business hours, CSAT), as that contact.
 */
export function createApiChannel(deps: ApiChannelDeps) {
  const { db, repository, widgetRepository, widget } = deps;

  async function apiInbox(actor: Actor, inboxId: string): Promise<StoredWidgetInbox> {
    if (!hasRoleAtLeast(actor, 'operator')) {
      throw forbidden("Posting a contact's messages needs an API key with the role operator or above");
    }
    const inbox = await repository.findInbox(db, actor.tenantId, inboxId);
    if (!inbox) throw notFound('Inbox', inboxId);
    if (inbox.kind !== 'api') {
      throw conflict(
        `Inbox '${inboxId}' is ${inbox.kind === 'email' ? 'an email inbox: its contacts write by email' : 'a widget inbox: its contacts write through the website widget'}. Post your system's messages to an inbox created with "kind": "api"`,
      );
    }
    return inbox;
  }

  /** The contact a post names: by Parley's id (it must exist), or by your external id (made on first sight). */
  async function contactOf(tenantId: string, input: ApiContactInput) {
    if (input.id !== undefined) {
      const found = await repository.findContact(db, tenantId, input.id);
      if (!found) throw notFound('Contact', input.id);
      return found;
    }
    const externalId = input.externalId!;
    const existing = await widgetRepository.findContactByExternalId(db, tenantId, externalId);
    if (existing) return { id: existing.id, externalId };
    const inserted = await transaction(db, async (tx) => {
      const row = await widgetRepository.insertContact(tx, {
        id: newId(),
        tenantId,
        externalId,
        name: input.name ?? null,
        email: input.email ?? null,
        // Your system's word, as an address entered in the console is.
        emailSource: input.email === undefined ? null : 'tenant',
        phone: input.phone ?? null,
      });
      if (row) await deps.recordContactCreated?.(tx, row);
      return row;
    });
    // Two first posts at once: the unique index let one in; the other uses it.
    const id = inserted?.id ?? (await widgetRepository.findContactByExternalId(db, tenantId, externalId))!.id;
    return { id, externalId };
  }

  /** The visitor of a conversation of the inbox; another inbox's or tenant's is a 404. */
  async function visitorOfConversation(actor: Actor, inboxId: string, id: string): Promise<Visitor> {
    const inbox = await apiInbox(actor, inboxId);
    const found = await repository.findInboxConversation(db, actor.tenantId, inbox.id, id);
    if (!found) throw notFound('Support conversation', id);
    return { tenantId: actor.tenantId, inbox, contactId: found.contactId, sessionId: apiSession };
  }

  return {
    /**
     * A contact's message: to the contact's latest conversation in the inbox (a resolved one reopens),
     * or a new one. Idempotent on `messageId`: a retry stores nothing and answers the first message.
     */
    async post(actor: Actor, inboxId: string, input: ApiPostMessageInput) {
      const inbox = await apiInbox(actor, inboxId);
      const contact = await contactOf(actor.tenantId, input.contact);
      const visitor: Visitor = { tenantId: actor.tenantId, inbox, contactId: contact.id, sessionId: apiSession };
      const [latest] = await widgetRepository.listOfContact(db, actor.tenantId, inbox.id, contact.id, 1);
      const conversationId = latest?.id ?? (await widget.create(visitor)).id;
      const sent = await widget.send(visitor, conversationId, {
        content: input.content,
        clientMessageId: input.messageId,
      });
      return { ...sent, contact: { id: contact.id, externalId: contact.externalId } };
    },

    async messages(actor: Actor, inboxId: string, id: string) {
      return widget.messages(await visitorOfConversation(actor, inboxId, id), id);
    },

    async get(actor: Actor, inboxId: string, id: string) {
      return widget.get(await visitorOfConversation(actor, inboxId, id), id);
    },

    /** The contact asks for a person (a button in your app): as the widget's "talk to a person". */
    async handoff(actor: Actor, inboxId: string, id: string) {
      return widget.handoff(await visitorOfConversation(actor, inboxId, id), id);
    },

    /** The contact's rating, once, of a resolved conversation, when the inbox asks for ratings. */
    async rate(actor: Actor, inboxId: string, id: string, input: { rating: number; comment?: string | undefined }) {
      const visitor = await visitorOfConversation(actor, inboxId, id);
      if (!visitor.inbox.isCsatEnabled) {
        throw new AppError('unprocessable', `Inbox '${inboxId}' does not ask for ratings: turn csatEnabled on first`);
      }
      return widget.rate(visitor, id, input);
    },
  };
}

export type ApiChannel = ReturnType<typeof createApiChannel>;
