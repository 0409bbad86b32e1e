import { canGrantRole, hasRoleAtLeast, isAdmin, type Actor } from '../../access/actor.js';
import { requireAdmin, requireGrantableRole } from '../../access/require-access.js';
import type { Database, Executor } from '../../platform/db/client.js';
import { isUniqueViolation } from '../../platform/db/errors.js';
import { toPage, type Page, type PageRequest } from '../../platform/db/pagination.js';
import { conflict, forbidden, notFound, type AppError } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { AuthRepository } from '../auth/auth.repository.js';
import type { PasswordHasher } from '../auth/passwords.js';
import { isDeskUser } from './desk-user-address.js';
import type { UserChanges, UserRow, UsersRepository } from './users.repository.js';
import { presentUser, type CreateUserInput, type UpdateUserInput, type UserView } from './users.schemas.js';

export interface UsersServiceDeps {
  readonly passwords: PasswordHasher;
  readonly db: Database;
  readonly repository: UsersRepository;
  /** Ending credentials belongs to auth; users only asks for it. */
  readonly credentials: Pick<AuthRepository, 'endAllCredentials'>;
  /** Stops the replies still being written for a user's conversations (chat's reply stops, on every node). */
  readonly stopRepliesOf: (userId: string) => void;
  /** A user's credentials may have ended (disabled, password reset, deleted) or their role changed: their open sockets are judged again. */
  readonly onCredentialsChanged?: (userId: string) => void;
}

export const emailTaken = (email: string): AppError =>
  conflict(`This tenant already has an account with the email '${email}'`);

export function createUsersService(deps: UsersServiceDeps) {
  const { db, repository, credentials } = deps;

  async function findOrThrow(actor: Actor, userId: string, executor: Executor = db): Promise<UserRow> {
    const user = await repository.findUser(executor, actor.tenantId, userId);
    if (!user) throw notFound('User', userId);
    return user;
  }

  /** An admin manages people at or below their own role, never above; nobody manages the desk user. */
  function requireManageable(actor: Actor, target: UserRow): void {
    if (isDeskUser(target)) {
      throw forbidden(
        "This is the support desk's service account: it owns every support conversation, so it cannot be enabled, changed or deleted",
      );
    }
    if (!canGrantRole(actor, target.role)) {
      throw forbidden(`You cannot change a user whose role ('${target.role}') is above your own`);
    }
  }

  function changesFor(actor: Actor, target: UserRow, input: UpdateUserInput, passwordHash?: string): UserChanges {
    const isSelf = target.id === actor.userId;
    if (input.role !== undefined) {
      requireGrantableRole(actor, input.role);
      if (isSelf && !hasRoleAtLeast({ role: input.role }, target.role))
        throw forbidden('You cannot lower your own role');
    }
    if (input.disabled === true && isSelf) throw forbidden('You cannot disable your own account');
    return {
      ...(input.role !== undefined && { role: input.role }),
      ...(input.displayName !== undefined && { displayName: input.displayName }),
      // Stamped afresh even when already disabled: an administrator's disabling of someone the identity
      // provider disabled is theirs from now on, and a later SSO sign-in no longer lifts it (docs/sso.md).
      ...(input.disabled === true && { disabledAt: new Date() }),
      ...(input.disabled === false && { disabledAt: null }),
      ...(passwordHash !== undefined && { passwordHash }),
    };
  }

  /** Writes a user's changes; disabling, or a new password, ends every credential in the same transaction. */
  async function applyChanges(
    tx: Executor,
    tenantId: string,
    userId: string,
    changes: UserChanges,
  ): Promise<UserRow | undefined> {
    const user = await repository.updateUser(tx, tenantId, userId, changes);
    if (changes.disabledAt || changes.passwordHash) await credentials.endAllCredentials(tx, tenantId, userId);
    return user;
  }

  function announceChanges(updated: UserRow, isRoleOrPasswordChanged: boolean): void {
    // A new role holds on open sockets too: every node judges the user's sockets again (demoted, an
    // operator's socket leaves the desk and the conversations that are no longer theirs to watch).
    if (updated.disabledAt || isRoleOrPasswordChanged) deps.onCredentialsChanged?.(updated.id);
    // A disabled user's model calls end with their sessions: no reply keeps being written (and paid) for them.
    if (updated.disabledAt) deps.stopRepliesOf(updated.id);
  }

  return {
    async list(actor: Actor, page: PageRequest): Promise<Page<UserView>> {
      requireAdmin(actor);
      return toPage(await repository.listUsers(db, actor.tenantId, page), page.limit, presentUser);
    },

    async get(actor: Actor, userId: string): Promise<UserView> {
      requireAdmin(actor);
      return presentUser(await findOrThrow(actor, userId));
    },

    async create(actor: Actor, input: CreateUserInput): Promise<UserView> {
      requireAdmin(actor);
      requireGrantableRole(actor, input.role);
      if (await repository.isEmailTaken(db, actor.tenantId, input.email)) throw emailTaken(input.email);
      const passwordHash = await deps.passwords.hash(input.password);
      try {
        const user = await repository.insertUser(db, {
          id: newId(),
          tenantId: actor.tenantId,
          email: input.email,
          displayName: input.displayName ?? null,
          passwordHash,
          role: input.role,
        });
        return presentUser(user);
      } catch (error) {
        if (isUniqueViolation(error, 'users_tenant_email_unique')) throw emailTaken(input.email);
        throw error;
      }
    },

    /**
     * Disabling, or setting a new password, ends every credential of the user at once: sign-ins and
     * API keys. Whoever knew the old password may have made keys with it, so a new password that left
     * them working would lock out only the rightful user (docs/security.md).
     */
    async update(actor: Actor, userId: string, input: UpdateUserInput): Promise<UserView> {
      requireAdmin(actor);
      // Hashing is slow, so it happens before the transaction opens.
      const passwordHash = input.password === undefined ? undefined : await deps.passwords.hash(input.password);
      const updated = await db.transaction(async (tx) => {
        // The caller's role as it is now, not as their credential found it: two admins demoting each
        // other at the same moment both succeeded, and left the tenant without an administrator.
        const locked = await repository.lockUsers(tx, actor.tenantId, [actor.userId, userId]);
        const caller = locked.find((row) => row.id === actor.userId);
        if (caller && !isAdmin(caller)) {
          throw forbidden('You are no longer a tenant administrator: your role was changed while this request ran');
        }
        const target = locked.find((row) => row.id === userId);
        if (!target) throw notFound('User', userId);
        requireManageable(actor, target);
        return applyChanges(tx, actor.tenantId, userId, changesFor(actor, target, input, passwordHash));
      });
      if (!updated) throw notFound('User', userId);
      announceChanges(updated, input.password !== undefined || input.role !== undefined);
      return presentUser(updated);
    },

    /**
     * The tenant's identity provider no longer lets this person in (docs/sso.md): they are disabled
     * exactly as an administrator disables them, sessions, API keys, sockets and replies included.
     */
    async disableForIdentityProvider(tx: Executor, tenantId: string, userId: string): Promise<UserRow | undefined> {
      return applyChanges(tx, tenantId, userId, { disabledAt: new Date() });
    },

    /** What must follow a change once it committed: sockets judged again, a disabled user's replies stopped. */
    announceChanges,

    async remove(actor: Actor, userId: string): Promise<void> {
      requireAdmin(actor);
      const target = await findOrThrow(actor, userId);
      if (target.id === actor.userId) throw forbidden('You cannot delete your own account');
      requireManageable(actor, target);
      if (!(await repository.deleteUser(db, actor.tenantId, userId))) throw notFound('User', userId);
      // Their conversations went with them; so do the replies still being written in them.
      deps.stopRepliesOf(userId);
      deps.onCredentialsChanged?.(userId);
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
