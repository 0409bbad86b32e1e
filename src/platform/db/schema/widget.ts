import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumn } from './columns.js';
import { messages } from './conversations.js';
import { contacts, inboxes, supportConversations } from './support.js';
import { users } from './users.js';

/**
 * A widget visitor's session: the contact token a browser keeps, stored as its SHA-256 only. One inbox,
 * one contact; a returning token is the same contact.
 */
export const contactTokens = pgTable(
  'contact_tokens',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    inboxId: uuid('inbox_id')
      .notNull()
      .references(() => inboxes.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    /** Whether the session was opened with an id the tenant's server signed (identity verification). */
    isVerified: boolean('is_verified').notNull().default(false),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('contact_tokens_hash_unique').on(table.tokenHash),
    index('contact_tokens_tenant_idx').on(table.tenantId),
    index('contact_tokens_inbox_idx').on(table.inboxId),
    index('contact_tokens_contact_idx').on(table.contactId),
  ],
);

/**
 * The widget's own id for a contact's message (`clientMessageId`): a resend after a lost answer finds
 * the message it made and stores nothing new.
 */
export const widgetMessageClaims = pgTable(
  'widget_message_claims',
  {
    tenantId: tenantColumn(),
    supportConversationId: uuid('support_conversation_id')
      .notNull()
      .references(() => supportConversations.id, { onDelete: 'cascade' }),
    clientMessageId: text('client_message_id').notNull(),
    messageId: uuid('message_id').references(() => messages.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('widget_message_claims_unique').on(table.supportConversationId, table.clientMessageId),
    index('widget_message_claims_tenant_idx').on(table.tenantId),
    index('widget_message_claims_message_idx').on(table.messageId),
  ],
);

/** A contact's rating of a resolved conversation, with who answered it (an operator, or null: the AI alone). */
export const supportRatings = pgTable(
  'support_ratings',
  {
    supportConversationId: uuid('support_conversation_id')
      .primaryKey()
      .references(() => supportConversations.id, { onDelete: 'cascade' }),
    tenantId: tenantColumn(),
    rating: integer('rating').notNull(),
    comment: text('comment'),
    operatorId: uuid('operator_id').references(() => users.id, { onDelete: 'set null' }),
    /** True when no person ever took the conversation: the rating is the AI's. */
    isAiOnly: boolean('is_ai_only').notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    index('support_ratings_tenant_idx').on(table.tenantId, table.createdAt),
    index('support_ratings_operator_idx').on(table.operatorId),
    // Analytics' low-ratings list (1 and 2 by default), newest first: a short index of only those rows, so
    // the page is its first entries however many good ratings surround them.
    index('support_ratings_low_idx')
      .on(table.tenantId, table.createdAt, table.supportConversationId)
      .where(sql`${table.rating} <= 2`),
  ],
);
