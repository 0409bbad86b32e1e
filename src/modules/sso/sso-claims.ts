import { AppError } from '../../platform/errors.js';
import type { SsoRole } from '../../platform/db/schema/sso.js';
import { emailSchema } from '../auth/auth.schemas.js';
import type { SsoConnectionRow } from './sso.repository.js';

/** Who the provider says signed in, read through the connection's claim names. */
export interface SsoPerson {
  readonly subject: string;
  readonly email: string;
  readonly displayName: string | null;
  /** The role their groups map to; null: none maps and there is no default, so they are not let in. */
  readonly role: SsoRole | null;
  /**
   * Whether the provider vouches that the address is the person's: the `email` claim, with
   * `email_verified` true or absent. Only such an address may link an existing account (sso-provisioning.ts).
   */
  readonly isEmailVerified: boolean;
  /**
   * Whether the provider sent the groups claim at all. One that sends none (Google) cannot say what
   * role anyone holds: existing users keep the role an administrator gave them.
   */
  readonly hasGroupsClaim: boolean;
}

const roleRank: Record<SsoRole, number> = { member: 0, operator: 1, tenant_admin: 2 };

type ClaimSettings = Pick<
  SsoConnectionRow,
  'emailClaim' | 'nameClaim' | 'groupsClaim' | 'allowedDomains' | 'roleMapping' | 'defaultRole'
>;

/** Whether the ID token lacks a claim the connection reads, so the userinfo endpoint is asked too. */
export function lacksClaims(connection: ClaimSettings, claims: Record<string, unknown>): boolean {
  return [connection.emailClaim, connection.nameClaim, connection.groupsClaim].some(
    (name) => claims[name] === undefined,
  );
}

/** The part of an address after its last @: what connections list as their domains. */
export const domainOf = (email: string): string => email.slice(email.lastIndexOf('@') + 1);

/**
 * The person in the claims, refused (403, with a sentence) when the email is missing, not verified or
 * outside the connection's domains (when it lists any). A person whose groups map to no role comes back
 * with `role: null`: the caller must still end what they had (see sso-provisioning.ts).
 */
export function personFromClaims(connection: ClaimSettings, claims: Record<string, unknown>): SsoPerson {
  // openid-client refuses an ID token without `sub`; checked here too, since everything hangs on it.
  const subject = claims.sub;
  if (typeof subject !== 'string' || subject === '') {
    throw new AppError(
      'forbidden',
      "The identity provider's ID token names no subject ('sub'), so Parley cannot tell who signed in",
    );
  }
  const rawEmail = claims[connection.emailClaim];
  if (typeof rawEmail !== 'string' || rawEmail.trim() === '') {
    throw new AppError(
      'forbidden',
      `The identity provider sent no '${connection.emailClaim}' claim, which Parley reads as the email: add it to the ID token (or the scopes), or set another email claim in the SSO settings`,
    );
  }
  const parsed = emailSchema.safeParse(rawEmail);
  if (!parsed.success) {
    throw new AppError('forbidden', `The identity provider's '${connection.emailClaim}' claim is not an email address`);
  }
  const email = parsed.data;
  // Only a boolean true verifies: the string "false" is truthy, and "true" is not what the standard
  // writes. Absent counts as verified (Entra ID sends none), as docs/sso.md says.
  const verified = claims.email_verified;
  if (connection.emailClaim === 'email' && verified !== undefined && verified !== true) {
    const said = typeof verified === 'string' ? `the text "${verified.slice(0, 20)}"` : JSON.stringify(verified);
    throw new AppError(
      'forbidden',
      `The identity provider says the email ${email} is not verified (email_verified is ${said}, not true): verify it there first`,
    );
  }
  // No domains (a connection only a tenant admin set up): its provider alone says who belongs to the tenant.
  if (connection.allowedDomains.length > 0 && !connection.allowedDomains.includes(domainOf(email))) {
    throw new AppError(
      'forbidden',
      `The email ${email} is outside the domains this tenant's sign-in allows (${connection.allowedDomains.join(', ')})`,
    );
  }
  const name = claims[connection.nameClaim];
  return {
    subject,
    email,
    displayName: typeof name === 'string' && name.trim() !== '' ? name.trim().slice(0, 100) : null,
    role: roleOf(connection, groupsOf(claims[connection.groupsClaim])),
    // Another claim (`upn`, a custom one) says nothing of the address being the person's.
    isEmailVerified: connection.emailClaim === 'email',
    hasGroupsClaim: claims[connection.groupsClaim] !== undefined,
  };
}

/** Groups arrive as an array of strings (Keycloak, Entra ID, Okta) or, from some providers, one string. */
function groupsOf(claim: unknown): string[] {
  if (typeof claim === 'string') return claim.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(claim)) return claim.filter((group): group is string => typeof group === 'string');
  return [];
}

/** The highest role any of the person's groups maps to, else the default. */
export function roleOf(
  connection: Pick<ClaimSettings, 'roleMapping' | 'defaultRole'>,
  groups: readonly string[],
): SsoRole | null {
  let best: SsoRole | null = null;
  for (const { group, role } of connection.roleMapping) {
    if (groups.includes(group) && (best === null || roleRank[role] > roleRank[best])) best = role;
  }
  return best ?? connection.defaultRole;
}
