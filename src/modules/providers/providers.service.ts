import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { Actor } from '../../access/actor.js';
import type { ModelRegistry } from '../../ai/model-types.js';
import { requireAdmin } from '../../access/require-access.js';
import type { ExpiringCache } from '../../platform/cache/expiring-cache.js';
import type { Database } from '../../platform/db/client.js';
import { isUniqueViolation } from '../../platform/db/errors.js';
import { toPage, type Page, type PageRequest } from '../../platform/db/pagination.js';
import type { ProviderKind } from '../../platform/db/schema/agents.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { decryptSecret, encryptSecret } from '../../platform/secrets.js';
import type { ProviderChanges, ProviderRow, ProvidersRepository } from './providers.repository.js';
import {
  requireCompleteConfiguration,
  requireKeyForNewAddress,
  requireKnownSettings,
  requireReachableBaseUrl,
  requireUsableName,
} from './providers.rules.js';
import {
  presentProvider,
  type CreateProviderInput,
  type ModelChoicesView,
  type ProviderView,
  type UpdateProviderInput,
} from './providers.schemas.js';

export interface ProvidersServiceDeps {
  readonly db: Database;
  readonly repository: ProvidersRepository;
  readonly credentialsKey: Buffer;
  readonly models: Pick<ModelRegistry, 'listModels' | 'defaultModelRef' | 'requireKnown'>;
  /** Decrypted configurations per tenant for the chat turn; every node drops them when a provider changes. */
  readonly tenantProviderCache: Pick<ExpiringCache<readonly TenantProviderConfig[]>, 'load'>;
  /** Called after a tenant's providers changed (the invalidation bus, which also reaches this node). */
  readonly onProvidersChanged: (tenantId: string) => void;
  /** Every request a tenant provider's SDK makes goes through this: the outbound guard (index.ts). */
  readonly providerFetch: FetchFunction;
  /** The guard's check of a URL, run on a base URL before it is stored. */
  readonly assertAllowed: (url: string) => Promise<void>;
}

/** A tenant's provider as the model registry consumes it (src/ai/model-types.ts), API key decrypted. */
export interface TenantProviderConfig {
  readonly name: string;
  readonly kind: ProviderKind;
  readonly baseUrl?: string | undefined;
  readonly apiKey?: string | undefined;
  readonly settings: Readonly<Record<string, string>>;
  readonly models: readonly string[];
  readonly fetch?: FetchFunction | undefined;
}

const nameTaken = (name: string): AppError => conflict(`A provider named '${name}' already exists in this tenant`);

export function createProvidersService(deps: ProvidersServiceDeps) {
  const {
    db,
    repository,
    credentialsKey,
    models,
    tenantProviderCache,
    onProvidersChanged,
    providerFetch,
    assertAllowed,
  } = deps;

  async function findOrThrow(actor: Actor, providerId: string): Promise<ProviderRow> {
    const provider = await repository.findProvider(db, actor.tenantId, providerId);
    if (!provider) throw notFound('Provider', providerId);
    return provider;
  }

  async function requireFreeName(actor: Actor, name: string, exceptId?: string): Promise<void> {
    requireUsableName(name);
    const existing = await repository.findProviderByName(db, actor.tenantId, name);
    if (existing && existing.id !== exceptId) throw nameTaken(name);
  }

  /** Two admins racing for one name: the unique index decides, and the loser hears a 409. */
  async function guardNameRace<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (name && isUniqueViolation(error, 'providers_tenant_name_unique')) throw nameTaken(name);
      throw error;
    }
  }

  /** The stored key, or why it cannot be read: one such provider must not stop the tenant's others. */
  function decryptApiKey(provider: ProviderRow): { apiKey?: string; apiKeyProblem?: string } {
    if (provider.encryptedApiKey === null) return {};
    try {
      return { apiKey: decryptSecret(credentialsKey, provider.encryptedApiKey) };
    } catch {
      return {
        apiKeyProblem: `The API key of provider '${provider.name}' cannot be read with this server's secret key (was it changed?); a tenant administrator must enter the key again`,
      };
    }
  }

  /** The tenant's providers with their keys left encrypted: enough to name models, never to call them. */
  async function keylessConfigs(tenantId: string): Promise<TenantProviderConfig[]> {
    return (await repository.listAllProviders(db, tenantId)).map((provider) => ({
      name: provider.name,
      kind: provider.kind,
      baseUrl: provider.baseUrl ?? undefined,
      settings: provider.settings,
      models: provider.models,
    }));
  }

  return {
    async list(actor: Actor, page: PageRequest): Promise<Page<ProviderView>> {
      requireAdmin(actor);
      return toPage(await repository.listProviders(db, actor.tenantId, page), page.limit, presentProvider);
    },

    async get(actor: Actor, providerId: string): Promise<ProviderView> {
      requireAdmin(actor);
      return presentProvider(await findOrThrow(actor, providerId));
    },

    async create(actor: Actor, input: CreateProviderInput): Promise<ProviderView> {
      requireAdmin(actor);
      requireKnownSettings(input.kind, input.settings);
      requireCompleteConfiguration(input.kind, input.baseUrl, input.settings, input.apiKey !== undefined);
      await requireReachableBaseUrl(input.baseUrl, assertAllowed);
      await requireFreeName(actor, input.name);
      const provider = await guardNameRace(input.name, () =>
        repository.insertProvider(db, {
          id: newId(),
          tenantId: actor.tenantId,
          name: input.name,
          kind: input.kind,
          baseUrl: input.baseUrl ?? null,
          encryptedApiKey: input.apiKey === undefined ? null : encryptSecret(credentialsKey, input.apiKey),
          settings: input.settings,
          models: input.models,
        }),
      );
      onProvidersChanged(actor.tenantId);
      return presentProvider(provider);
    },

    async update(actor: Actor, providerId: string, input: UpdateProviderInput): Promise<ProviderView> {
      requireAdmin(actor);
      const current = await findOrThrow(actor, providerId);
      const { apiKey, ...fields } = input;
      const next = {
        kind: fields.kind ?? current.kind,
        baseUrl: fields.baseUrl === undefined ? current.baseUrl : fields.baseUrl,
        settings: fields.settings ?? current.settings,
      };
      const hasApiKey = current.encryptedApiKey !== null;
      requireKnownSettings(next.kind, fields.settings);
      requireCompleteConfiguration(
        next.kind,
        next.baseUrl,
        next.settings,
        apiKey === undefined ? hasApiKey : apiKey !== null,
      );
      requireKeyForNewAddress({ ...current, hasApiKey }, { ...next, sendsApiKey: typeof apiKey === 'string' });
      await requireReachableBaseUrl(fields.baseUrl, assertAllowed);
      if (fields.name !== undefined && fields.name !== current.name)
        await requireFreeName(actor, fields.name, providerId);
      const changes: ProviderChanges = {
        ...fields,
        ...(apiKey !== undefined && {
          encryptedApiKey: apiKey === null ? null : encryptSecret(credentialsKey, apiKey),
        }),
      };
      const updated = await guardNameRace(fields.name, () =>
        repository.updateProvider(db, actor.tenantId, providerId, changes),
      );
      if (!updated) throw notFound('Provider', providerId);
      onProvidersChanged(actor.tenantId);
      return presentProvider(updated);
    },

    async remove(actor: Actor, providerId: string): Promise<void> {
      requireAdmin(actor);
      if (!(await repository.deleteProvider(db, actor.tenantId, providerId))) throw notFound('Provider', providerId);
      onProvidersChanged(actor.tenantId);
    },

    /**
     * For any signed-in user choosing an agent's model. Keys are left encrypted: offering model names
     * does not need them, and a key this server can no longer read must not empty the picker.
     */
    async listModelChoices(actor: Actor): Promise<ModelChoicesView> {
      const configs = await keylessConfigs(actor.tenantId);
      return { models: models.listModels(configs), defaultModel: models.defaultModelRef(configs) };
    },

    /**
     * Refuses, as a 400 on the `model` field, a model no provider of the tenant or the server serves: an
     * agent saved with one could never answer, and only its members would find out, at their first send.
     */
    requireKnownModel: async (tenantId: string, modelRef: string): Promise<void> => {
      try {
        models.requireKnown(modelRef, await keylessConfigs(tenantId));
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        throw new AppError('validation_failed', error.message, {
          fields: [{ field: 'model', message: error.message }],
        });
      }
    },

    /** The model the picker preselects, for an agent created without one; a system-level read. */
    defaultModelRef: async (tenantId: string): Promise<string> =>
      models.defaultModelRef(await keylessConfigs(tenantId)),

    /**
     * For the chat turn, which resolves models for any member of the tenant: a system-level read,
     * hence no actor. The decrypted keys go to the model registry and are never stored; they are held
     * in memory for at most a few seconds (ADR 7), and the list is frozen because turns share it.
     * An arrow property, so callers may pass it around unbound.
     */
    loadTenantProviders: (tenantId: string): Promise<readonly TenantProviderConfig[]> =>
      tenantProviderCache.load(tenantId, async () => {
        const rows = await repository.listAllProviders(db, tenantId);
        const configs = rows.map((provider): TenantProviderConfig =>
          Object.freeze({
            name: provider.name,
            kind: provider.kind,
            baseUrl: provider.baseUrl ?? undefined,
            ...decryptApiKey(provider),
            settings: Object.freeze({ ...provider.settings }),
            models: Object.freeze([...provider.models]),
            fetch: providerFetch,
          }),
        );
        return Object.freeze(configs);
      }),
  };
}

export type ProvidersService = ReturnType<typeof createProvidersService>;
