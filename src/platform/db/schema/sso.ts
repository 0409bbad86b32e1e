import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, tenantColumn, updatedAt } from './columns.js';
import { users } from './users.js';

/** The roles an identity provider's groups may map to: never platform admin, which only an operator grants. */
export const ssoRoles = ['tenant_admin', 'operator', 'member'] as const;
export type SsoRole = (typeof ssoRoles)[number];

/** One OpenID Connect provider per tenant (docs/sso.md). */
export const ssoConnections = pgTable(
  'sso_connections',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    /** What the sign-in page's `?tenant=` names: unique across the server. */
    slug: text('slug').notNull(),
    issuerUrl: text('issuer_url').notNull(),
    clientId: text('client_id').notNull(),
    /** AES-256-GCM under the server's credentials key, as provider keys are; never returned. */
    clientSecretSealed: text('client_secret_sealed').notNull(),
    scopes: text('scopes').notNull(),
    emailClaim: text('email_claim').notNull(),
    nameClaim: text('name_claim').notNull(),
    groupsClaim: text('groups_claim').notNull(),
    /**
     * Lower-case domains, set by platform admins only; an email outside them is refused (none listed: any
     * address). Also how the sign-in page finds the tenant, so each belongs to one connection (lockDomainClaims).
     */
    allowedDomains: text('allowed_domains').array().notNull(),
    /** `[{ group, role }]`, the first match by rank wins (the highest role). */
    roleMapping: jsonb('role_mapping').$type<{ group: string; role: SsoRole }[]>().notNull(),
    /** The role of a person in no mapped group; null: such a person is refused. */
    defaultRole: text('default_role', { enum: ssoRoles }),
    /**
     * Origins besides the issuer's where its discovery document's endpoints may be (Google keeps its token
     * endpoint and keys elsewhere), set by platform admins only; any other origin is refused (oidc-client.ts).
     */
    approvedEndpointOrigins: text('approved_endpoint_origins')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** Password sign-in refused for the tenant's people (its platform admins excepted: the break-glass). */
    isSsoRequired: boolean('is_sso_required').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('sso_connections_tenant_unique').on(table.tenantId),
    uniqueIndex('sso_connections_slug_unique').on(sql`lower(${table.slug})`),
    index('sso_connections_domains_idx').using('gin', table.allowedDomains),
  ],
);

/**
 * A sign-in begun at the provider: its state (hashed), nonce and PKCE verifier, bound to the browser
 * that began it. Deleted by the callback that uses it, so a replayed state or code finds nothing.
 */
export const ssoSignInAttempts = pgTable(
  'sso_sign_in_attempts',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => ssoConnections.id, { onDelete: 'cascade' }),
    stateHash: text('state_hash').notNull(),
    /** SHA-256 of the random value in the browser's cookie for this attempt, `parley_sso_…` (login CSRF). */
    browserBindingHash: text('browser_binding_hash').notNull(),
    nonce: text('nonce').notNull(),
    codeVerifierSealed: text('code_verifier_sealed').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('sso_sign_in_attempts_state_unique').on(table.stateHash),
    index('sso_sign_in_attempts_connection_idx').on(table.connectionId),
    index('sso_sign_in_attempts_tenant_idx').on(table.tenantId),
    index('sso_sign_in_attempts_expires_idx').on(table.expiresAt),
  ],
);

/** A user who signs in through a tenant's provider: their subject there, and whether SSO disabled them. */
export const ssoIdentities = pgTable(
  'sso_identities',
  {
    userId: uuid('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    tenantId: tenantColumn(),
    connectionId: uuid('connection_id')
      .notNull()
      .references(() => ssoConnections.id, { onDelete: 'cascade' }),
    subject: text('subject').notNull(),
    /**
     * Set when the provider's claims no longer allowed them in: the very `users.disabled_at` SSO wrote. Only
     * while the user's `disabled_at` is still that value may a later sign-in enable them again; an
     * administrator who enabled or disabled them since has the last word.
     */
    deprovisionedAt: timestamp('deprovisioned_at', { withTimezone: true, mode: 'date' }),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [
    index('sso_identities_tenant_idx').on(table.tenantId),
    // Sign-in finds the user by the provider's subject first; also the connection's foreign-key index.
    index('sso_identities_connection_subject_idx').on(table.connectionId, table.subject),
  ],
);
