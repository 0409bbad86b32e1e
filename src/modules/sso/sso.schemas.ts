import { z } from 'zod';
import { ssoRoles } from '../../platform/db/schema/sso.js';
import { httpUrl, patchBody } from '../../platform/http/common-schemas.js';
import { emailSchema } from '../auth/auth.schemas.js';
import type { SsoConnectionRow } from './sso.repository.js';

const slugSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/, 'must be 1 to 48 letters, digits and inner hyphens, e.g. acme-corp');
/** A claim's name as providers write them: `email`, `preferred_username`, `https://example.com/roles`. */
const claimName = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be a claim name without spaces');
/**
 * Standard claims people edit themselves at most providers (their profile): read as the email, anyone
 * could name any address, so they are refused as `emailClaim` (a non-`email` claim never links an
 * existing account either: sso-provisioning.ts).
 */
const selfEditedClaims = new Set([
  'name',
  'given_name',
  'family_name',
  'middle_name',
  'nickname',
  'profile',
  'picture',
  'website',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
  'phone_number',
  'address',
]);
const emailClaimSchema = claimName.refine((name) => !selfEditedClaims.has(name), {
  message:
    "names a claim people edit themselves at their provider, so anyone could name any address with it: use 'email' (or a claim only the provider's administrators set, such as 'upn')",
});
/** `https://login.example.com`: scheme, host and port, nothing after, as URL.origin writes it. */
const originSchema = httpUrl
  .max(300)
  .refine((url) => !URL.canParse(url) || new URL(url).origin === url.replace(/\/$/, '').toLowerCase(), {
    message: 'must be an origin (scheme, host and port, nothing after), e.g. https://oauth2.googleapis.com',
  })
  .transform((url) => new URL(url).origin);
const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a domain such as example.com');
const scopesSchema = z
  .string()
  .trim()
  .max(500)
  .regex(/^[\x21-\x7e]+( [\x21-\x7e]+)*$/, 'must be scope names separated by single spaces')
  .refine((scopes) => scopes.split(' ').includes('openid'), "must include 'openid'");
const ssoRoleSchema = z.enum(ssoRoles);
const roleMappingSchema = z
  .array(z.strictObject({ group: z.string().trim().min(1).max(256), role: ssoRoleSchema }))
  .max(100);
// Checks run on an unreadable URL too: httpUrl has already named it, so this one lets it pass.
const issuerUrlSchema = httpUrl.refine((url) => !URL.canParse(url) || (!new URL(url).search && !new URL(url).hash), {
  message: "must be the issuer's URL without a query or fragment (what its discovery document names as issuer)",
});

const connectionFields = {
  slug: slugSchema,
  issuerUrl: issuerUrlSchema,
  clientId: z.string().trim().min(1).max(500),
  /** Write-only: stored encrypted, never returned. */
  clientSecret: z.string().min(1).max(2000),
  scopes: scopesSchema.default('openid email profile'),
  emailClaim: emailClaimSchema.default('email'),
  nameClaim: claimName.default('name'),
  groupsClaim: claimName.default('groups'),
  /**
   * Only a platform admin may set them (sso-connections.service.ts): sign-in sends every address at them
   * to this tenant. Empty: the connection is found by its slug only, and lets in any address its provider vouches for.
   */
  allowedDomains: z.array(domainSchema).max(50).default([]),
  /**
   * Platform admins only, as the domains: origins besides the issuer's where its endpoints may be (Google
   * keeps its token endpoint and keys at other hosts). Any other origin is refused at sign-in.
   */
  approvedEndpointOrigins: z.array(originSchema).max(20).default([]),
  roleMapping: roleMappingSchema.default([]),
  /** null: a person in none of the mapped groups is refused. */
  defaultRole: ssoRoleSchema.nullable().default('member'),
  ssoRequired: z.boolean().default(false),
};

export const createConnectionBody = z.strictObject({
  ...connectionFields,
  /** Platform admins may set the connection of any tenant; others set their own. */
  tenantId: z.uuid().optional(),
});
export type CreateConnectionInput = z.infer<typeof createConnectionBody>;

export const updateConnectionBody = patchBody({
  slug: slugSchema.optional(),
  issuerUrl: issuerUrlSchema.optional(),
  clientId: connectionFields.clientId.optional(),
  clientSecret: connectionFields.clientSecret.optional(),
  scopes: scopesSchema.optional(),
  emailClaim: emailClaimSchema.optional(),
  nameClaim: claimName.optional(),
  groupsClaim: claimName.optional(),
  allowedDomains: z.array(domainSchema).max(50).optional(),
  approvedEndpointOrigins: z.array(originSchema).max(20).optional(),
  roleMapping: roleMappingSchema.optional(),
  defaultRole: ssoRoleSchema.nullable().optional(),
  ssoRequired: z.boolean().optional(),
});
export type UpdateConnectionInput = z.infer<typeof updateConnectionBody>;

export const connectionListQuery = z.strictObject({ tenantId: z.uuid().optional() });
export const connectionParams = z.object({ connectionId: z.uuid() });

export const connectionSchema = z.object({
  id: z.uuid(),
  tenantId: z.uuid(),
  slug: z.string(),
  issuerUrl: z.string(),
  clientId: z.string(),
  hasClientSecret: z.literal(true),
  scopes: z.string(),
  emailClaim: z.string(),
  nameClaim: z.string(),
  groupsClaim: z.string(),
  allowedDomains: z.array(z.string()),
  approvedEndpointOrigins: z.array(z.string()),
  roleMapping: z.array(z.object({ group: z.string(), role: ssoRoleSchema })),
  defaultRole: ssoRoleSchema.nullable(),
  ssoRequired: z.boolean(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type ConnectionView = z.infer<typeof connectionSchema>;
export const connectionListSchema = z.object({ items: z.array(connectionSchema) });

export const presentConnection = (row: SsoConnectionRow): ConnectionView => ({
  id: row.id,
  tenantId: row.tenantId,
  slug: row.slug,
  issuerUrl: row.issuerUrl,
  clientId: row.clientId,
  hasClientSecret: true,
  scopes: row.scopes,
  emailClaim: row.emailClaim,
  nameClaim: row.nameClaim,
  groupsClaim: row.groupsClaim,
  allowedDomains: row.allowedDomains,
  approvedEndpointOrigins: row.approvedEndpointOrigins,
  roleMapping: row.roleMapping,
  defaultRole: row.defaultRole,
  ssoRequired: row.isSsoRequired,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export const connectionTestSchema = z.object({
  ok: z.boolean(),
  /** What is wrong, in a sentence; or what was found. */
  message: z.string(),
  issuer: z.string().nullable(),
  supportsEndSession: z.boolean(),
});

export const discoverBody = z
  .strictObject({ email: emailSchema.optional(), tenant: slugSchema.optional() })
  .refine((body) => (body.email === undefined) !== (body.tenant === undefined), {
    message: 'send either email or tenant (the slug of its sign-in connection)',
  });
export const discoverSchema = z.object({
  /** Whether this address's domain, or this tenant, signs in through an identity provider. */
  sso: z.boolean(),
  ssoRequired: z.boolean(),
  /** Where the browser goes to sign in at the provider (GET; it redirects). */
  startUrl: z.string().nullable(),
});

export const startParams = z.object({ slug: slugSchema });
export const startQuery = z.strictObject({ loginHint: z.string().trim().max(254).optional() });
export const callbackQuery = z
  .object({
    code: z.string().max(2000).optional(),
    state: z.string().max(500).optional(),
    iss: z.string().max(2048).optional(),
    error: z.string().max(200).optional(),
    error_description: z.string().max(1000).optional(),
    session_state: z.string().max(1000).optional(),
  })
  .loose();

export const ssoLogoutSchema = z.object({
  /** The provider's end-session URL, to send the browser to; null when it has none or this was no SSO sign-in. */
  endSessionUrl: z.string().nullable(),
});

/** OpenID Connect Back-Channel Logout 1.0: the provider posts `logout_token=<JWT>` as a form. */
export const backChannelLogoutBody = z.object({ logout_token: z.string().min(1).max(8_192) });
export const backChannelLogoutSchema = z.object({
  /** The sessions single sign-on had begun for the token's subject that ended now. */
  endedSessions: z.number().int(),
});
