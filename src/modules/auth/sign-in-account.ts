import type { Executor } from '../../platform/db/client.js';
import { AppError } from '../../platform/errors.js';
import type { AuthRepository, UserRow } from './auth.repository.js';
import type { LoginInput } from './auth.schemas.js';
import { isDeskUser } from '../users/desk-user-address.js';
import type { PasswordHasher } from './passwords.js';

const invalidCredentials = () => new AppError('invalid_credentials', 'The email or password is incorrect');

/**
 * Every sign-in verifies the password exactly this many times, whatever accounts the address has:
 * against its accounts (oldest first, in the tenant named when one is), then against a dummy hash for
 * each slot left. One verification per account would tell by its time how many accounts an address has
 * across tenants (ADR 3); padding to a fixed count tells nothing. Three keeps a sign-in's cost at three
 * scrypt derivations; an address with more accounts reaches its later ones by naming the tenant.
 */
export const passwordChecksPerSignIn = 3;
/** Accounts read for an address, so that naming a tenant reaches one beyond the first three. */
const maxAccountsPerEmail = 10;

const isTenantNamed = (row: { user: UserRow; tenantName: string }, tenant: string): boolean =>
  row.user.tenantId === tenant || row.tenantName.trim().toLowerCase() === tenant.toLowerCase();

/**
 * The one account the address and password open, among those in the tenant asked for when one is.
 * An address may have accounts in several tenants (ADR 3): each is tried, and when the password opens
 * more than one, the person says which tenant they mean.
 */
export async function accountSignedInTo(
  deps: {
    readonly db: Executor;
    readonly repository: Pick<AuthRepository, 'findUsersByEmail'>;
    readonly passwords: PasswordHasher;
  },
  input: LoginInput,
): Promise<UserRow> {
  const { db, repository, passwords } = deps;
  const found = await repository.findUsersByEmail(db, input.email, maxAccountsPerEmail);
  const named = input.tenant === undefined ? found : found.filter((row) => isTenantNamed(row, input.tenant!));
  const candidates = named.slice(0, passwordChecksPerSignIn);
  const opened = [];
  // The same work for every address, known or not (passwordChecksPerSignIn): the dummy fills the rest.
  for (let slot = 0; slot < passwordChecksPerSignIn; slot += 1) {
    const candidate = candidates[slot];
    const isMatch = await passwords.verify(input.password, candidate?.user.passwordHash);
    if (candidate && isMatch && !candidate.user.disabledAt && !isDeskUser(candidate.user)) opened.push(candidate);
  }
  if (opened.length === 0) throw invalidCredentials();
  const [only] = opened;
  // Only someone who knows the password learns that the tenant requires SSO. Its platform admins keep
  // their password: the break-glass when the identity provider is down or misconfigured (docs/sso.md).
  if (opened.length === 1 && only!.isSsoRequired && only!.user.role !== 'platform_admin') {
    throw new AppError(
      'forbidden',
      `The tenant '${only!.tenantName}' signs in through its identity provider: use "Sign in with SSO" with your work email`,
      { extensions: { ssoRequired: true } },
    );
  }
  if (opened.length > 1) {
    // Only someone who knows the password of each account learns these names.
    const names = opened.map((row) => `'${row.tenantName}' (${row.user.tenantId})`).join(', ');
    throw new AppError(
      'conflict',
      `This email and password open accounts in several tenants: ${names}; sign in again with 'tenant' set to the name or id of the one you mean`,
      { extensions: { tenantRequired: true } },
    );
  }
  return opened[0]!.user;
}
