import { sql } from 'drizzle-orm';
import { index, integer, pgTable, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumn, updatedAt } from './columns.js';

export const roles = ['platform_admin', 'tenant_admin', 'operator', 'member'] as const;
export type Role = (typeof roles)[number];
/** How a sign-in began: a password at Parley, or a tenant's identity provider (docs/sso.md). */
export const signInMethods = ['password', 'sso'] as const;
export type SignInMethod = (typeof signInMethods)[number];

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    email: text('email').notNull(),
    displayName: text('display_name'),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: roles }).notNull(),
    disabledAt: timestamp('disabled_at', { withTimezone: true, mode: 'date' }),
    /**
     * Raised whenever all of the user's sessions end (disabled, password reset). Access tokens carry the
     * value they were issued under, so one issued before stays refused even after the user is enabled again.
     */
    sessionEpoch: integer('session_epoch').notNull().default(0),
    /**
     * The user's IANA time zone and quiet hours (minutes after midnight there, the end excluded; the
     * span may cross midnight): no proactive message reaches them then. Null: none set.
     */
    timeZone: text('time_zone'),
    quietHoursStart: smallint('quiet_hours_start'),
    quietHoursEnd: smallint('quiet_hours_end'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    // Unique within a tenant only, so no tenant can learn whether an address has an account elsewhere (ADR 3).
    uniqueIndex('users_tenant_email_unique').on(table.tenantId, sql`lower(${table.email})`),
    // Sign-in looks an address up before it knows the tenant.
    index('users_email_idx').on(sql`lower(${table.email})`),
    index('users_tenant_created_idx').on(table.tenantId, table.createdAt),
  ],
);

/** Opaque refresh tokens, stored hashed, rotated on every use; a family is one sign-in. */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: uuid('family_id').notNull(),
    /**
     * How the sign-in (the family) began. A single sign-on's ends a fixed time after it began
     * (SSO_SESSION_MAX_HOURS); a password one is refused once its tenant requires single sign-on.
     */
    signedInWith: text('signed_in_with', { enum: signInMethods }).notNull().default('password'),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    rotatedAt: timestamp('rotated_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('refresh_tokens_hash_unique').on(table.tokenHash),
    index('refresh_tokens_user_idx').on(table.userId),
    index('refresh_tokens_family_idx').on(table.familyId),
    index('refresh_tokens_tenant_idx').on(table.tenantId),
    index('refresh_tokens_expires_idx').on(table.expiresAt),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    name: text('name').notNull(),
    /** The first characters of the key, shown in lists so people can tell keys apart. */
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    role: text('role', { enum: roles }).notNull(),
    /** A key acts on behalf of the user who made it, with at most that user's role. */
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('api_keys_hash_unique').on(table.keyHash),
    index('api_keys_tenant_idx').on(table.tenantId, table.createdAt),
    index('api_keys_user_idx').on(table.userId),
  ],
);
