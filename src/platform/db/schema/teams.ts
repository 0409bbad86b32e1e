import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumn, updatedAt } from './columns.js';
import { users } from './users.js';

/**
 * Reply-time targets of an inbox or a team, in minutes (a missing one: no target of that kind). With
 * `isBusinessHoursOnly`, only the inbox's opening hours count towards them.
 */
export interface StoredReplyTargets {
  readonly firstResponseMinutes?: number;
  readonly nextResponseMinutes?: number;
  readonly resolutionMinutes?: number;
  readonly isBusinessHoursOnly: boolean;
}

/** A group of a tenant's operators (Billing, German speakers) with its own queue; roles are unchanged by it. */
export const teams = pgTable(
  'teams',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** The team's targets: they win over the inbox's for the team's conversations. */
    replyTargets: jsonb('reply_targets').$type<StoredReplyTargets>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [uniqueIndex('teams_tenant_name_unique').on(table.tenantId, sql`lower(${table.name})`)],
);

/** Who is in a team: operators and administrators of the tenant. */
export const teamMembers = pgTable(
  'team_members',
  {
    tenantId: tenantColumn(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (table) => [
    primaryKey({ columns: [table.teamId, table.userId] }),
    index('team_members_user_idx').on(table.userId),
    index('team_members_tenant_idx').on(table.tenantId),
  ],
);
