import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumn, updatedAt } from './columns.js';
import { inboxes, supportConversations } from './support.js';
import { teams } from './teams.js';
import { users } from './users.js';

/** What starts a routing rule's look at a conversation. */
export const ruleTriggers = [
  'created',
  'contact_message',
  'label_added',
  'status_changed',
  'business_hours_started',
  'business_hours_ended',
] as const;
export type RuleTrigger = (typeof ruleTriggers)[number];

/**
 * A tenant's routing rule: when <trigger> and every condition holds, do the actions, in order. Rules of a
 * trigger are looked at by `position` (lowest first); the shapes of conditions and actions are the routing
 * module's Zod schemas (src/modules/inbox/routing/).
 */
export const routingRules = pgTable(
  'routing_rules',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    name: text('name').notNull(),
    position: integer('position').notNull(),
    trigger: text('trigger', { enum: ruleTriggers }).notNull(),
    conditions: jsonb('conditions').$type<readonly Record<string, unknown>[]>().notNull(),
    actions: jsonb('actions').$type<readonly Record<string, unknown>[]>().notNull(),
    isEnabled: boolean('is_enabled').notNull().default(true),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('routing_rules_tenant_trigger_idx').on(table.tenantId, table.trigger, table.position),
    index('routing_rules_created_by_idx').on(table.createdBy),
  ],
);

/**
 * Which rule did what to a conversation, once per (rule, trigger): the row is written before the actions
 * and its key refuses a second, so a retried or repeated trigger never fires a rule twice.
 */
export const supportRuleRuns = pgTable(
  'support_rule_runs',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    supportConversationId: uuid('support_conversation_id')
      .notNull()
      .references(() => supportConversations.id, { onDelete: 'cascade' }),
    /** Null once the rule is deleted; its name stays. */
    ruleId: uuid('rule_id').references(() => routingRules.id, { onDelete: 'set null' }),
    ruleName: text('rule_name').notNull(),
    trigger: text('trigger', { enum: ruleTriggers }).notNull(),
    /** What fired it: the message, change or opening-hours boundary, e.g. `message:<id>`. */
    triggerKey: text('trigger_key').notNull(),
    /** 0 for a change made by a person or the contact; 1 + the depth of the rule whose change fired it. */
    depth: integer('depth').notNull(),
    /** What each action did (or why it did nothing), in order. */
    outcomes: jsonb('outcomes').$type<readonly Record<string, unknown>[]>().notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('support_rule_runs_once_unique').on(table.supportConversationId, table.ruleId, table.triggerKey),
    index('support_rule_runs_tenant_idx').on(table.tenantId, table.createdAt),
    index('support_rule_runs_rule_idx').on(table.ruleId),
  ],
);

export const replyTargetKinds = ['first_response', 'next_response', 'resolution'] as const;
export type ReplyTargetKind = (typeof replyTargetKinds)[number];

/**
 * Every reply-time clock of a conversation: started (with its due time), then met, or breached and met late,
 * or cancelled (the conversation resolved before a reply was owed). Analytics counts met and missed from it.
 */
export const supportTargetClocks = pgTable(
  'support_target_clocks',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    supportConversationId: uuid('support_conversation_id')
      .notNull()
      .references(() => supportConversations.id, { onDelete: 'cascade' }),
    target: text('target', { enum: replyTargetKinds }).notNull(),
    inboxId: uuid('inbox_id')
      .notNull()
      .references(() => inboxes.id, { onDelete: 'cascade' }),
    teamId: uuid('team_id').references(() => teams.id, { onDelete: 'set null' }),
    /** Who met it (the operator who replied or resolved); null while running or if nobody did. */
    assigneeId: uuid('assignee_id').references(() => users.id, { onDelete: 'set null' }),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
    dueAt: timestamp('due_at', { withTimezone: true, mode: 'date' }).notNull(),
    metAt: timestamp('met_at', { withTimezone: true, mode: 'date' }),
    /** When the breach was announced (event, webhook): set once, by whichever node's sweep saw it first. */
    breachedAt: timestamp('breached_at', { withTimezone: true, mode: 'date' }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (table) => [
    // One running clock of each kind per conversation.
    uniqueIndex('support_target_clocks_running_unique')
      .on(table.supportConversationId, table.target)
      .where(sql`${table.metAt} is null and ${table.cancelledAt} is null`),
    // The breach sweep: running clocks not yet announced, by due time.
    index('support_target_clocks_due_idx')
      .on(table.dueAt)
      .where(sql`${table.metAt} is null and ${table.cancelledAt} is null and ${table.breachedAt} is null`),
    index('support_target_clocks_tenant_idx').on(table.tenantId, table.startedAt),
    index('support_target_clocks_inbox_idx').on(table.inboxId),
    index('support_target_clocks_team_idx').on(table.teamId),
    index('support_target_clocks_assignee_idx').on(table.assigneeId),
  ],
);
