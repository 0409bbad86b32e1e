import type { Actor } from '../../../access/actor.js';
import { transaction } from '../../../platform/db/after-commit.js';
import type { Database, Executor } from '../../../platform/db/client.js';
import { isUniqueViolation } from '../../../platform/db/errors.js';
import { decodeCursor, toPage, type Page } from '../../../platform/db/pagination.js';
import { AppError, conflict, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { WebhookEvents } from '../../webhooks/index.js';
import type { ContactsRepository, StoredContact } from './contacts.repository.js';
import {
  presentContact,
  type ContactView,
  type CreateContactInput,
  type UpdateContactInput,
} from './contacts.schemas.js';

export interface ContactsServiceDeps {
  readonly db: Database;
  readonly repository: ContactsRepository;
  readonly events?: WebhookEvents;
}

const externalIdTaken = (externalId: string) =>
  conflict(`A contact with external id '${externalId}' already exists in this tenant; edit that one instead`);

/** Two writers may both find an external id free; the unique index decides and the loser hears why. */
async function savingExternalId<T>(externalId: string | null | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (externalId && isUniqueViolation(error, 'contacts_tenant_external_id_unique')) {
      throw externalIdTaken(externalId);
    }
    throw error;
  }
}

/** `contact.created`, whoever made the contact: the contacts API, a widget visitor, the API channel. */
export function emitContactCreated(tx: Executor, events: WebhookEvents, contact: StoredContact): Promise<void> {
  return events.emit(
    tx,
    contact.tenantId,
    'contact.created',
    { contact: presentContact(contact) },
    { key: contact.id },
  );
}

/** An address the tenant's people or system enter is the tenant's word: mail from it may join the contact. */
const emailSourceOf = (email: string | null | undefined) =>
  email === undefined ? {} : { emailSource: email === null ? null : ('tenant' as const) };

export function createContactsService(deps: ContactsServiceDeps) {
  const { db, repository } = deps;

  return {
    async list(
      actor: Actor,
      query: { q?: string | undefined; limit: number; cursor?: string | undefined },
    ): Promise<Page<ContactView>> {
      const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      if (query.cursor !== undefined && !after) {
        throw new AppError('validation_failed', 'The cursor is not one this endpoint returned', {
          fields: [{ field: 'cursor', message: 'is not a cursor returned by this endpoint' }],
        });
      }
      const page = { limit: query.limit, after };
      const rows = await repository.listContacts(db, actor.tenantId, query.q, page);
      return toPage(rows, page.limit, presentContact);
    },

    async get(actor: Actor, contactId: string): Promise<ContactView> {
      return presentContact(await this.find(actor.tenantId, contactId));
    },

    /** For other services: the tenant's contact, or a 404 (another tenant's is as unknown as a made-up id). */
    async find(tenantId: string, contactId: string): Promise<StoredContact> {
      const contact = await repository.findContact(db, tenantId, contactId);
      if (!contact) throw notFound('Contact', contactId);
      return contact;
    },

    async create(actor: Actor, input: CreateContactInput): Promise<ContactView> {
      // The event commits with the contact (the outbox).
      const contact = await savingExternalId(input.externalId, () =>
        transaction(db, async (tx) => {
          const row = await repository.insertContact(tx, {
            id: newId(),
            tenantId: actor.tenantId,
            ...input,
            ...emailSourceOf(input.email),
          });
          if (deps.events) await emitContactCreated(tx, deps.events, row);
          return row;
        }),
      );
      return presentContact(contact);
    },

    async update(actor: Actor, contactId: string, input: UpdateContactInput): Promise<ContactView> {
      const updated = await savingExternalId(input.externalId, () =>
        transaction(db, async (tx) => {
          const row = await repository.updateContact(tx, actor.tenantId, contactId, {
            ...input,
            ...emailSourceOf(input.email),
          });
          if (row) await deps.events?.emit(tx, actor.tenantId, 'contact.updated', { contact: presentContact(row) });
          return row;
        }),
      );
      if (!updated) throw notFound('Contact', contactId);
      return presentContact(updated);
    },
  };
}

export type ContactsService = ReturnType<typeof createContactsService>;
