import { eq, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { contacts, inboxes, supportConversations } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';
import type { StoredWidgetInbox } from './widget.repository.js';

/** What a webhook receiver needs to route a support conversation's event: where it is and who the contact is. */
export interface SupportContext {
  readonly supportConversation: {
    readonly id: string;
    readonly status: string;
    readonly assigneeId: string | null;
  };
  readonly inbox: { readonly id: string; readonly name: string; readonly kind: string };
  readonly contact: {
    readonly id: string;
    readonly externalId: string | null;
    readonly name: string | null;
    readonly email: string | null;
    readonly phone: string | null;
  };
}

/** The API channel's reads: always inside the caller's tenant (another tenant's inbox is not found). */
export function createApiChannelRepository() {
  async function contextWhere(db: Executor, tenantId: string, condition: SQL): Promise<SupportContext | undefined> {
    const [row] = await db
      .select({
        conversationId: supportConversations.id,
        status: supportConversations.status,
        assigneeId: supportConversations.assigneeId,
        inboxId: inboxes.id,
        inboxName: inboxes.name,
        inboxKind: inboxes.kind,
        contactId: contacts.id,
        externalId: contacts.externalId,
        contactName: contacts.name,
        email: contacts.email,
        phone: contacts.phone,
      })
      .from(supportConversations)
      .innerJoin(inboxes, eq(inboxes.id, supportConversations.inboxId))
      .innerJoin(contacts, eq(contacts.id, supportConversations.contactId))
      .where(inTenant(supportConversations, tenantId, condition))
      .limit(1);
    if (!row) return undefined;
    return {
      supportConversation: { id: row.conversationId, status: row.status, assigneeId: row.assigneeId },
      inbox: { id: row.inboxId, name: row.inboxName, kind: row.inboxKind },
      contact: {
        id: row.contactId,
        externalId: row.externalId,
        name: row.contactName,
        email: row.email,
        phone: row.phone,
      },
    };
  }

  return {
    async findInbox(db: Executor, tenantId: string, inboxId: string): Promise<StoredWidgetInbox | undefined> {
      const [row] = await db
        .select()
        .from(inboxes)
        .where(inTenant(inboxes, tenantId, eq(inboxes.id, inboxId)))
        .limit(1);
      return row;
    },

    async findContact(db: Executor, tenantId: string, contactId: string) {
      const [row] = await db
        .select({ id: contacts.id, externalId: contacts.externalId })
        .from(contacts)
        .where(inTenant(contacts, tenantId, eq(contacts.id, contactId)))
        .limit(1);
      return row;
    },

    /** A support conversation of the inbox, with its contact; undefined for another inbox's or tenant's. */
    async findInboxConversation(db: Executor, tenantId: string, inboxId: string, id: string) {
      const [row] = await db
        .select({ id: supportConversations.id, contactId: supportConversations.contactId })
        .from(supportConversations)
        .where(
          inTenant(
            supportConversations,
            tenantId,
            eq(supportConversations.id, id),
            eq(supportConversations.inboxId, inboxId),
          ),
        )
        .limit(1);
      return row;
    },

    /** The support context of a chat conversation (unique index on `conversation_id`); undefined for a plain chat. */
    contextOfChat: (db: Executor, tenantId: string, chatConversationId: string) =>
      contextWhere(db, tenantId, eq(supportConversations.conversationId, chatConversationId)),

    contextOfSupport: (db: Executor, tenantId: string, supportConversationId: string) =>
      contextWhere(db, tenantId, eq(supportConversations.id, supportConversationId)),
  };
}

export type ApiChannelRepository = ReturnType<typeof createApiChannelRepository>;
