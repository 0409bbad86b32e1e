import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumn } from './columns.js';
import { messages } from './conversations.js';
import { supportConversations } from './support.js';
import { users } from './users.js';

/** Which way a mail went: from a contact to an `email` inbox, or a reply from the desk to the contact. */
export const emailDirections = ['inbound', 'outbound'] as const;
/** An outbound mail waits for its send job, is sent, or failed for good after its retries. */
export const emailStatuses = ['received', 'pending', 'sent', 'failed'] as const;

/** What a relay in front of Parley said of a mail's sender (`Authentication-Results`, `Received-SPF`). */
export interface StoredMailAuthentication {
  readonly spf: string | null;
  readonly dkim: string | null;
  readonly dmarc: string | null;
}

/**
 * One mail of an email conversation, either way. Its `Message-ID` threads the next: a reply whose
 * `In-Reply-To` or `References` names any of a conversation's ids lands in that conversation. An
 * outbound row is also the email outbox: written in the transaction that stores the reply, sent by a job.
 */
export const emailMessages = pgTable(
  'email_messages',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    supportConversationId: uuid('support_conversation_id')
      .notNull()
      .references(() => supportConversations.id, { onDelete: 'cascade' }),
    /** The chat message it carries (the contact's line, or the reply sent). */
    messageId: uuid('message_id').references(() => messages.id, { onDelete: 'set null' }),
    direction: text('direction', { enum: emailDirections }).notNull(),
    status: text('status', { enum: emailStatuses }).notNull(),
    /** The RFC 5322 `Message-ID`, without angle brackets. */
    internetMessageId: text('internet_message_id').notNull(),
    subject: text('subject').notNull().default(''),
    /** The contact's address: the sender of an inbound mail, the recipient of an outbound one. */
    contactAddress: text('contact_address').notNull(),
    authentication: jsonb('authentication').$type<StoredMailAuthentication>(),
    attempts: integer('attempts').notNull().default(0),
    /** Why the last send failed, in the SMTP server's words (never a credential). */
    lastError: text('last_error'),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
    /**
     * A send job's claim on a waiting mail: until then no other job sends it (a twin the sweep queued, or a
     * retry after the database blinked between the SMTP server's 250 and the `sent` mark).
     */
    sendingUntil: timestamp('sending_until', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    uniqueIndex('email_messages_tenant_internet_id_unique').on(table.tenantId, table.internetMessageId),
    uniqueIndex('email_messages_message_unique')
      .on(table.messageId)
      .where(sql`${table.messageId} is not null`),
    index('email_messages_conversation_idx').on(table.supportConversationId, table.createdAt),
    // The sweep: outbound mails still waiting, oldest first.
    index('email_messages_pending_idx')
      .on(table.createdAt)
      .where(sql`${table.status} = 'pending'`),
    // One sender's recent mails (the AI's reply rate by mail), counted within the tenant.
    index('email_messages_sender_idx')
      .on(table.tenantId, table.contactAddress, table.createdAt)
      .where(sql`${table.direction} = 'inbound'`),
  ],
);

/**
 * A mail domain a platform admin approved for a tenant: its email inboxes may have addresses there, and
 * only its (docs/customer-service.md, "Inbox addresses"). Mail to an address is routed before any tenant
 * is known, so naming a domain claims other people's mail: as SSO's email domains, a platform admin's call.
 */
export const emailDomains = pgTable(
  'email_domains',
  {
    /** Lowercase, without a trailing dot: `shop.example`. One tenant's only. */
    domain: text('domain').primaryKey(),
    tenantId: tenantColumn(),
    approvedBy: uuid('approved_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (table) => [
    index('email_domains_tenant_idx').on(table.tenantId, table.domain),
    index('email_domains_approved_by_idx').on(table.approvedBy),
  ],
);
