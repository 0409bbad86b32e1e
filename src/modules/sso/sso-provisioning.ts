import { randomBytes } from 'node:crypto';
import type { Database } from '../../platform/db/client.js';
import { isUniqueViolation } from '../../platform/db/errors.js';
import { AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { UserRow } from '../auth/auth.repository.js';
import type { PasswordHasher } from '../auth/passwords.js';
import { isDeskUser } from '../users/desk-user-address.js';
import type { UsersRepository, UsersService } from '../users/index.js';
import type { SsoPerson } from './sso-claims.js';
import type { SsoConnectionRow, SsoIdentityRow, SsoRepository } from './sso.repository.js';

export interface ProvisioningDeps {
  readonly passwords: PasswordHasher;
  readonly db: Database;
  readonly repository: SsoRepository;
  readonly users: Pick<UsersService, 'disableForIdentityProvider' | 'announceChanges'>;
  readonly usersRepository: Pick<UsersRepository, 'insertUser' | 'updateUser'>;
}

type Outcome =
  | { readonly kind: 'signed-in'; readonly user: UserRow; readonly isRoleChanged: boolean }
  | { readonly kind: 'refused'; readonly message: string; readonly disabled?: UserRow | undefined };

const notLetIn =
  'Your account at the identity provider is in none of the groups this tenant lets in, so Parley did not sign you in; ask your administrator to add you';

/**
 * Why an existing account may not be signed in through this connection, or null. `identity` is the
 * account's link to a provider, if it has one; `isFoundBySubject`, whether it was found by the
 * provider's subject (else by email, and signing in would link it).
 */
function refusalFor(
  existing: UserRow,
  identity: SsoIdentityRow | undefined,
  connection: SsoConnectionRow,
  person: SsoPerson,
  isFoundBySubject: boolean,
): string | null {
  if (isDeskUser(existing)) {
    return "This address belongs to the support desk's service account, which cannot sign in";
  }
  // The tenant's admins choose its provider, and that provider may name any address: a platform admin's
  // account answering to it would be theirs to take. Platform admins are the break-glass besides.
  if (existing.role === 'platform_admin') {
    return 'This address belongs to a platform admin of Parley: platform admins sign in with their password, never through single sign-on';
  }
  // The address was given to someone new at the provider (or another account there claims it): the
  // account stays with the person who signed in with it before.
  if (identity?.connectionId === connection.id && identity.subject !== person.subject) {
    return `The Parley account of ${person.email} belongs to another account at your identity provider, so Parley did not sign you in: ask an administrator`;
  }
  // Linking hands the account, its role and its conversations to whoever the provider says has the
  // address: only an address the provider vouches for may do that, never one a person could type in.
  if (!isFoundBySubject && !person.isEmailVerified) {
    return `A Parley account with the address ${person.email} already exists, and this tenant's single sign-on reads the address from the '${connection.emailClaim}' claim, which does not prove it is yours: Parley links existing accounts only by a verified 'email' claim, so it did not sign you in; ask an administrator`;
  }
  return null;
}

/** Whether the provider disabled this user, and no administrator has enabled or disabled them since. */
const isDisabledByProvider = (user: UserRow, identity: SsoIdentityRow | undefined): boolean =>
  user.disabledAt !== null && identity?.deprovisionedAt?.getTime() === user.disabledAt.getTime();

/**
 * Just-in-time provisioning in the connection's tenant, and only there: an address with an account in
 * another tenant gets a separate one here (ADR 3). The account is found by the provider's subject first,
 * then by email (linking an account that has none). First sign-in creates the user with the mapped role;
 * each later one brings name and role up to date. A person the provider no longer lets in is disabled
 * by the users module's own path, which ends their sessions, API keys and sockets.
 */
export async function provisionPerson(
  deps: ProvisioningDeps,
  connection: SsoConnectionRow,
  person: SsoPerson,
): Promise<UserRow> {
  const { db, repository } = deps;
  const tenantId = connection.tenantId;
  // Slow on purpose (scrypt), so before the transaction: a password nobody knows, for the required column.
  const passwordHash = await deps.passwords.hash(randomBytes(32).toString('base64url'));
  const provision = () =>
    db.transaction(async (tx): Promise<Outcome> => {
      const linked = await repository.findUserBySubject(tx, tenantId, connection.id, person.subject);
      const existing = linked?.user ?? (await repository.findUserByEmail(tx, tenantId, person.email));
      const identity = linked?.identity ?? (existing && (await repository.findIdentity(tx, tenantId, existing.id)));
      const refusal = existing && refusalFor(existing, identity, connection, person, linked !== undefined);
      if (refusal) return { kind: 'refused', message: refusal };
      const saveIdentity = (userId: string, deprovisionedAt: Date | null) =>
        repository.saveIdentity(tx, {
          tenantId,
          userId,
          connectionId: connection.id,
          subject: person.subject,
          deprovisionedAt,
        });
      if (person.role === null) {
        if (!existing || existing.disabledAt) return { kind: 'refused', message: notLetIn };
        const disabled = await deps.users.disableForIdentityProvider(tx, tenantId, existing.id);
        // The very value written, so a later sign-in can tell whether an administrator acted since.
        await saveIdentity(existing.id, disabled?.disabledAt ?? null);
        return { kind: 'refused', message: notLetIn, disabled };
      }
      if (!existing) {
        const user = await deps.usersRepository.insertUser(tx, {
          id: newId(),
          tenantId,
          email: person.email,
          displayName: person.displayName,
          passwordHash,
          role: person.role,
        });
        await saveIdentity(user.id, null);
        return { kind: 'signed-in', user, isRoleChanged: false };
      }
      // Disabled by an administrator stays disabled; disabled by the provider ends once it lets them in
      // again, unless an administrator enabled or disabled them in between: then theirs is the last word.
      if (existing.disabledAt && !isDisabledByProvider(existing, identity)) {
        return {
          kind: 'refused',
          message: 'Your Parley account in this tenant is disabled: ask an administrator to enable it',
        };
      }
      // Without a groups claim the provider says nothing about roles, so the one an administrator set stands.
      const role = person.hasGroupsClaim ? person.role : existing.role;
      const updated = await deps.usersRepository.updateUser(tx, tenantId, existing.id, {
        role,
        ...(person.displayName !== null && { displayName: person.displayName }),
        ...(existing.disabledAt && { disabledAt: null }),
      });
      await saveIdentity(existing.id, null);
      return { kind: 'signed-in', user: updated ?? existing, isRoleChanged: role !== existing.role };
    });
  let outcome: Outcome;
  try {
    outcome = await provision();
  } catch (error) {
    // The same person's first sign-in twice at once (two tabs): the other made the user; this one now finds it.
    if (!isUniqueViolation(error, 'users_tenant_email_unique')) throw error;
    outcome = await provision();
  }
  if (outcome.kind === 'refused') {
    if (outcome.disabled) deps.users.announceChanges(outcome.disabled, false);
    throw new AppError('forbidden', outcome.message);
  }
  if (outcome.isRoleChanged) deps.users.announceChanges(outcome.user, true);
  return outcome.user;
}
