import { isAdmin, type Actor } from '../../access/actor.js';
import { requireGrantableRole } from '../../access/require-access.js';
import type { Database } from '../../platform/db/client.js';
import { toPage, type Page, type PageRequest } from '../../platform/db/pagination.js';
import { notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { apiKeyPrefix, hashOpaqueToken, newOpaqueToken } from '../auth/auth.tokens.js';
import type { ApiKeyRow, ApiKeysRepository } from './api-keys.repository.js';
import { presentApiKey, type ApiKeyView, type CreateApiKeyInput, type CreatedApiKeyView } from './api-keys.schemas.js';

export interface ApiKeysServiceDeps {
  readonly db: Database;
  readonly repository: ApiKeysRepository;
}

// Enough of the key to tell keys apart in a list, far too little to guess the rest.
const visiblePrefixLength = apiKeyPrefix.length + 8;

/** Admins manage all of the tenant's keys; everyone else only their own. */
const canManageKey = (actor: Actor, key: ApiKeyRow): boolean => isAdmin(actor) || key.userId === actor.userId;

export function createApiKeysService(deps: ApiKeysServiceDeps) {
  const { db, repository } = deps;

  return {
    async create(actor: Actor, input: CreateApiKeyInput): Promise<CreatedApiKeyView> {
      const role = input.role ?? actor.role;
      requireGrantableRole(actor, role);
      const key = newOpaqueToken(apiKeyPrefix);
      const row = await repository.insertApiKey(db, {
        id: newId(),
        tenantId: actor.tenantId,
        userId: actor.userId,
        name: input.name,
        prefix: key.slice(0, visiblePrefixLength),
        keyHash: hashOpaqueToken(key),
        role,
      });
      return { ...presentApiKey(row), key };
    },

    async list(actor: Actor, page: PageRequest): Promise<Page<ApiKeyView>> {
      const filter = isAdmin(actor) ? {} : { userId: actor.userId };
      return toPage(await repository.listApiKeys(db, actor.tenantId, filter, page), page.limit, presentApiKey);
    },

    /** Someone else's key is a 404 for a member, so they cannot learn that it exists. */
    async remove(actor: Actor, keyId: string): Promise<void> {
      const key = await repository.findApiKey(db, actor.tenantId, keyId);
      if (!key || !canManageKey(actor, key)) throw notFound('API key', keyId);
      if (!(await repository.deleteApiKey(db, actor.tenantId, keyId))) throw notFound('API key', keyId);
    },
  };
}

export type ApiKeysService = ReturnType<typeof createApiKeysService>;
