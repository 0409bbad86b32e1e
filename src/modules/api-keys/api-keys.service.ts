import { isAdmin, rolesUpTo, type Actor } from '../../access/actor.js';
import { requireGrantableRole } from '../../access/require-access.js';
import type { Database } from '../../platform/db/client.js';
import { toPage, type Page, type PageRequest } from '../../platform/db/pagination.js';
import { AppError, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { apiKeyPrefix, hashOpaqueToken, newOpaqueToken } from '../auth/auth.tokens.js';
import type { ApiKeysRepository, KeyReach } from './api-keys.repository.js';
import { presentApiKey, type ApiKeyView, type CreateApiKeyInput, type CreatedApiKeyView } from './api-keys.schemas.js';

export interface ApiKeysServiceDeps {
  readonly db: Database;
  readonly repository: ApiKeysRepository;
  /** A key was deleted: its owner's open sockets are checked again (those opened with it close). */
  readonly onCredentialsChanged?: (userId: string) => void;
}

// Enough of the key to tell keys apart in a list, far too little to guess the rest.
const visiblePrefixLength = apiKeyPrefix.length + 8;

/**
 * Admins manage the keys of the tenant's users at or below their own role, everyone else only their own;
 * and nobody a key of a role above the one they act with (a member-scoped key cannot revoke its user's
 * admin key, a tenant admin cannot touch a platform admin's keys).
 */
const reachOf = (actor: Actor): KeyReach => ({
  selfId: actor.userId,
  allOwnKeys: actor.via === 'token',
  othersToo: isAdmin(actor),
  roles: rolesUpTo(actor),
});

export function createApiKeysService(deps: ApiKeysServiceDeps) {
  const { db, repository } = deps;

  return {
    async create(actor: Actor, input: CreateApiKeyInput): Promise<CreatedApiKeyView> {
      const role = input.role ?? actor.role;
      requireGrantableRole(actor, role);
      const key = newOpaqueToken(apiKeyPrefix);
      const row = await repository.insertApiKeyForEnabledUser(db, {
        id: newId(),
        tenantId: actor.tenantId,
        userId: actor.userId,
        name: input.name,
        prefix: key.slice(0, visiblePrefixLength),
        keyHash: hashOpaqueToken(key),
        role,
      });
      // Disabled while this request ran (the credential was checked before): no key outlives that.
      if (!row) {
        throw new AppError(
          'unauthenticated',
          'Your account was disabled while the key was being created, so no key was made; ask an administrator',
        );
      }
      return { ...presentApiKey(row), key };
    },

    async list(actor: Actor, page: PageRequest): Promise<Page<ApiKeyView>> {
      return toPage(await repository.listApiKeys(db, actor.tenantId, reachOf(actor), page), page.limit, presentApiKey);
    },

    /** A key out of reach is a 404, as in the list, so nobody learns that it exists. */
    async remove(actor: Actor, keyId: string): Promise<void> {
      const key = await repository.findApiKey(db, actor.tenantId, keyId, reachOf(actor));
      if (!key) throw notFound('API key', keyId);
      if (!(await repository.deleteApiKey(db, actor.tenantId, keyId))) throw notFound('API key', keyId);
      deps.onCredentialsChanged?.(key.userId);
    },
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
