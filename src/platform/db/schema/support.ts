import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { agents } from './agents.js';
import { createdAt, tenantColumn, updatedAt } from './columns.js';
import { conversations } from './conversations.js';
import { teams, type StoredReplyTargets } from './teams.js';
import { users } from './users.js';

/** What an inbox does when its AI cannot help (the model failed, or found nothing to answer from). */
export const aiFailureModes = ['handover', 'stay'] as const;
export type AiFailureMode = (typeof aiFailureModes)[number];

/** How contacts reach an inbox: the website widget, the tenant's own system through the API channel, or email. */
export const inboxKinds = ['widget', 'api', 'email'] as const;
export type InboxKind = (typeof inboxKinds)[number];

/** How the widget and email show an AI reply's citations: the sources' titles, or nothing (markers removed). */
export const citationModes = ['titles', 'strip'] as const;
export type CitationMode = (typeof citationModes)[number];

/** Opening hours, one rule a weekday (0 = Sunday), in the inbox's IANA time zone. */
export interface StoredBusinessHours {
  readonly timeZone: string;
  readonly days: readonly { readonly weekday: number; readonly opens: string; readonly closes: string }[];
}

/** Per language, the widget panel's texts an inbox says its own way. */
export type StoredWidgetTexts = Partial<Record<'en' | 'zh', Record<string, string>>>;

/** A channel of a tenant (its website widget) and how its conversations are handled. */
export const inboxes = pgTable(
  'inboxes',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    name: text('name').notNull(),
    kind: text('kind', { enum: inboxKinds }).notNull().default('widget'),
    /** The AI agent that answers first; null for a human-only inbox. */
    agentId: uuid('agent_id').references(() => agents.id, { onDelete: 'set null' }),
    allowedOrigins: text('allowed_origins')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    widgetTitle: text('widget_title').notNull(),
    widgetColor: text('widget_color').notNull(),
    widgetGreeting: text('widget_greeting').notNull().default(''),
    /** The panel's texts this inbox overrides, per language: `{en: {send: '…'}, zh: {…}}` (known keys only). */
    widgetTexts: jsonb('widget_texts').$type<StoredWidgetTexts>().notNull().default({}),
    businessHours: jsonb('business_hours').$type<StoredBusinessHours>(),
    handoffKeywords: text('handoff_keywords').array().notNull(),
    onAiFailure: text('on_ai_failure', { enum: aiFailureModes }).notNull(),
    /**
     * The sentence the AI is told to reply, word for word, when it cannot answer; a reply in that form
     * counts as "the AI could not help" (on_ai_failure decides what follows). Empty: not used.
     */
    noAnswerReply: text('no_answer_reply').notNull().default(''),
    isCsatEnabled: boolean('is_csat_enabled').notNull().default(false),
    /** How an AI reply's citations reach the contact (widget and email); the console always shows them. */
    citations: text('citations', { enum: citationModes }).notNull().default('titles'),
    /**
     * Whether the inbox's agent keeps long-term memory of each contact (per contact, never shared between
     * contacts). Off by default: a customer's facts are kept only where the tenant chose to.
     */
    isMemoryEnabled: boolean('is_memory_enabled').notNull().default(false),
    /** Round-robin: a conversation that becomes pending goes to the online operator with the fewest open ones. */
    isAutoAssignEnabled: boolean('is_auto_assign_enabled').notNull().default(false),
    /** At most this many open conversations per operator before round-robin passes them by. */
    operatorCapacity: integer('operator_capacity').notNull().default(5),
    /** The identity-verification secret, AES-GCM sealed under the server key: HMACs need it in clear. */
    encryptedSigningSecret: text('encrypted_signing_secret').notNull(),
    /**
     * An `email` inbox's address (lowercase): mail the SMTP listener takes for it, and the From of its
     * replies. Unique across the server, since the listener routes mail by it before any tenant is known.
     */
    emailAddress: text('email_address'),
    /** The team a new conversation of this inbox belongs to (rules may route it elsewhere). */
    teamId: uuid('team_id').references(() => teams.id, { onDelete: 'set null' }),
    /** The inbox's reply-time targets (a team's win for the team's conversations). */
    replyTargets: jsonb('reply_targets').$type<StoredReplyTargets>(),
    /**
     * Whether the inbox was last seen open or closed by its opening hours (null: never looked): the sweep
     * that fires "business hours start/end" rules moves it with a compare-and-set, so one node fires each.
     */
    hoursState: text('hours_state', { enum: ['open', 'closed'] }),
    signingSecretRotatedAt: timestamp('signing_secret_rotated_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('inboxes_tenant_created_idx').on(table.tenantId, table.createdAt),
    index('inboxes_agent_idx').on(table.agentId),
    uniqueIndex('inboxes_email_address_unique')
      .on(table.emailAddress)
      .where(sql`${table.emailAddress} is not null`),
  ],
);

/**
 * How a contact's email address is known (docs/security.md, "Mail identity"). Only a proven address is a
 * key that inbound mail may join: `tenant` (set by the tenant's people or system), `verified` (signed by
 * the tenant's server with the inbox secret), `mail` (mail came from it and the relay did not fail it).
 * `visitor` (typed into the widget) and `unverified_mail` (a mail the relay failed named it) are claims:
 * contact data, never a way into someone else's mail or memory.
 */
export const contactEmailSources = ['tenant', 'verified', 'mail', 'visitor', 'unverified_mail'] as const;
export type ContactEmailSource = (typeof contactEmailSources)[number];
/** The sources that prove an address: mail from it may join such a contact. */
export const provenEmailSources: readonly ContactEmailSource[] = ['tenant', 'verified', 'mail'];

/** An end customer of a tenant: not a Parley user, never able to sign in. */
/** What the widget knows of a visitor, as their browser told it at the session's start. */
export interface VisitorContext {
  readonly page?: string;
  readonly referrer?: string;
  readonly language?: string;
  readonly timeZone?: string;
  readonly browser?: string;
  readonly isVerified: boolean;
  readonly seenAt: string;
}

export const contacts = pgTable(
  'contacts',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    name: text('name'),
    email: text('email'),
    /** How `email` is known (contactEmailSources); null without an address. */
    emailSource: text('email_source', { enum: contactEmailSources }),
    phone: text('phone'),
    /** The tenant's own id for this person (what identity verification signs). */
    externalId: text('external_id'),
    attributes: jsonb('attributes').$type<Record<string, unknown>>().notNull().default({}),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** What the widget last knew of the visitor (page, referrer, language, time zone, browser): contacts' panel. */
    visitor: jsonb('visitor').$type<VisitorContext>(),
    /** When the contact's data was erased on request (contact-data.service.ts): the row stays, emptied. */
    erasedAt: timestamp('erased_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('contacts_tenant_created_idx').on(table.tenantId, table.createdAt),
    uniqueIndex('contacts_tenant_external_id_unique')
      .on(table.tenantId, table.externalId)
      .where(sql`${table.externalId} is not null`),
    // Prefix search (`term%`) on each searchable field, within the tenant: text_pattern_ops lets LIKE use them;
    // created_at and id make each an index-only probe that can cut the matches to a newest-first page (name and
    // email too: PostgreSQL reads lower(name) from an index only when name itself is in it).
    index('contacts_tenant_name_prefix_idx').on(
      table.tenantId,
      sql`lower(${table.name}) text_pattern_ops`,
      table.createdAt,
      table.id,
      table.name,
    ),
    index('contacts_tenant_email_prefix_idx').on(
      table.tenantId,
      sql`lower(${table.email}) text_pattern_ops`,
      table.createdAt,
      table.id,
      table.email,
    ),
    index('contacts_tenant_phone_prefix_idx').on(
      table.tenantId,
      sql`${table.phone} text_pattern_ops`,
      table.createdAt,
      table.id,
    ),
    index('contacts_tenant_external_id_prefix_idx').on(
      table.tenantId,
      sql`${table.externalId} text_pattern_ops`,
      table.createdAt,
      table.id,
    ),
  ],
);

export const supportStatuses = ['bot', 'pending', 'open', 'snoozed', 'resolved'] as const;

export const supportPriorities = ['none', 'low', 'medium', 'high', 'urgent'] as const;
export type SupportPriority = (typeof supportPriorities)[number];
export type SupportStatus = (typeof supportStatuses)[number];

/**
 * A conversation of a contact in an inbox, linked 1:1 to a chat conversation (docs/decisions/0016).
 * `conversation_id` is set when the widget API opens the chat the AI's turns are written to.
 */
export const supportConversations = pgTable(
  'support_conversations',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    inboxId: uuid('inbox_id')
      .notNull()
      .references(() => inboxes.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    conversationId: uuid('conversation_id').references(() => conversations.id, { onDelete: 'set null' }),
    status: text('status', { enum: supportStatuses }).notNull(),
    assigneeId: uuid('assignee_id').references(() => users.id, { onDelete: 'set null' }),
    snoozedUntil: timestamp('snoozed_until', { withTimezone: true, mode: 'date' }),
    /** The team whose queue holds it (null: no team's; every operator's queue still shows it under "all"). */
    teamId: uuid('team_id').references(() => teams.id, { onDelete: 'set null' }),
    priority: text('priority', { enum: supportPriorities }).notNull().default('none'),
    /** The running reply-time targets' due times (support_target_results holds every clock). */
    firstResponseDueAt: timestamp('first_response_due_at', { withTimezone: true, mode: 'date' }),
    nextResponseDueAt: timestamp('next_response_due_at', { withTimezone: true, mode: 'date' }),
    resolutionDueAt: timestamp('resolution_due_at', { withTimezone: true, mode: 'date' }),
    labels: text('labels')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** What the contact wanted, in a sentence or two, written when a person was asked for. */
    summary: text('summary'),
    /** When the status last changed: the queue sorts by how long a conversation has waited. */
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    // The queue: a tenant's conversations in one status, longest waiting first.
    index('support_conversations_queue_idx').on(table.tenantId, table.status, table.statusChangedAt, table.id),
    index('support_conversations_tenant_created_idx').on(table.tenantId, table.createdAt),
    index('support_conversations_contact_idx').on(table.contactId, table.createdAt),
    index('support_conversations_inbox_idx').on(table.inboxId),
    index('support_conversations_assignee_idx').on(table.assigneeId),
    uniqueIndex('support_conversations_conversation_unique').on(table.conversationId),
    index('support_conversations_snoozed_idx')
      .on(table.tenantId, table.snoozedUntil)
      .where(sql`${table.status} = 'snoozed'`),
    // The queue's tabs without a status (every unresolved one): "all" in waiting order, and "mine" and
    // "unassigned" (assignee_id is null) in waiting order, each read as the first rows of one index.
    index('support_conversations_unresolved_idx')
      .on(table.tenantId, table.statusChangedAt, table.id)
      .where(sql`${table.status} <> 'resolved'`),
    index('support_conversations_unresolved_assignee_idx')
      .on(table.tenantId, table.assigneeId, table.statusChangedAt, table.id)
      .where(sql`${table.status} <> 'resolved'`),
    // A team's queue, in waiting order.
    index('support_conversations_unresolved_team_idx')
      .on(table.tenantId, table.teamId, table.statusChangedAt, table.id)
      .where(sql`${table.status} <> 'resolved'`),
    index('support_conversations_team_idx').on(table.teamId),
  ],
);

/** The assignee key of unassigned conversations in support_queue_counts (a key column cannot be null). */
export const unassignedKey = '00000000-0000-0000-0000-000000000000';

/**
 * How many support conversations each (inbox, status, assignee) holds, kept by a trigger on
 * support_conversations in the same transaction as the change (migration 0026): the queue's tab counts
 * read a few hundred rows whatever the number of conversations. Not written by the application.
 */
export const supportQueueCounts = pgTable(
  'support_queue_counts',
  {
    tenantId: tenantColumn(),
    inboxId: uuid('inbox_id')
      .notNull()
      .references(() => inboxes.id, { onDelete: 'cascade' }),
    status: text('status', { enum: supportStatuses }).notNull(),
    /** The assignee's id, or unassignedKey. */
    assigneeKey: uuid('assignee_key').notNull(),
    conversations: integer('conversations').notNull(),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.inboxId, table.status, table.assigneeKey] })],
);

export const supportActorKinds = ['operator', 'contact', 'system', 'ai'] as const;

/** Every status change of a support conversation: who, from, to, why, when. */
export const supportEvents = pgTable(
  'support_events',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    supportConversationId: uuid('support_conversation_id')
      .notNull()
      .references(() => supportConversations.id, { onDelete: 'cascade' }),
    actorKind: text('actor_kind', { enum: supportActorKinds }).notNull(),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    action: text('action').notNull(),
    fromStatus: text('from_status', { enum: supportStatuses }),
    toStatus: text('to_status', { enum: supportStatuses }).notNull(),
    assigneeId: uuid('assignee_id').references(() => users.id, { onDelete: 'set null' }),
    reason: text('reason'),
    createdAt: createdAt(),
  },
  (table) => [
    index('support_events_conversation_idx').on(table.supportConversationId, table.id),
    index('support_events_tenant_idx').on(table.tenantId),
    index('support_events_actor_idx').on(table.actorId),
    index('support_events_assignee_idx').on(table.assigneeId),
  ],
);

/** Operators' private notes on a support conversation: never shown to the contact nor given to a model. */
export const supportNotes = pgTable(
  'support_notes',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    supportConversationId: uuid('support_conversation_id')
      .notNull()
      .references(() => supportConversations.id, { onDelete: 'cascade' }),
    authorId: uuid('author_id').references(() => users.id, { onDelete: 'set null' }),
    body: text('body').notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    index('support_notes_conversation_idx').on(table.supportConversationId, table.id),
    index('support_notes_tenant_idx').on(table.tenantId),
    index('support_notes_author_idx').on(table.authorId),
  ],
);

/** Tenant-wide replies operators insert by shortcode (`/refund`); admins manage them. */
export const cannedResponses = pgTable(
  'canned_responses',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    shortcode: text('shortcode').notNull(),
    content: text('content').notNull(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('canned_responses_tenant_shortcode_unique').on(table.tenantId, table.shortcode),
    index('canned_responses_created_by_idx').on(table.createdBy),
  ],
);

/**
 * Operators' presence, one row per user and node: how many sockets the user has on that node, renewed
 * while they stay. Online is a fresh row with sockets; `is_away` is the operator's own choice.
 */
export const operatorPresence = pgTable(
  'operator_presence',
  {
    tenantId: tenantColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    nodeId: uuid('node_id').notNull(),
    connections: integer('connections').notNull(),
    isAway: boolean('is_away').notNull().default(false),
    seenAt: timestamp('seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.userId, table.nodeId] }),
    index('operator_presence_tenant_idx').on(table.tenantId, table.seenAt),
  ],
);
