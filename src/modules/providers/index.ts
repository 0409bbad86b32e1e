import type { ModelRegistry } from '../../ai/model-types.js';
import type { Database } from '../../platform/db/client.js';
import type { ServerKeys } from '../../platform/secrets.js';
import { createProvidersRepository } from './providers.repository.js';
import { registerProvidersRoutes } from './providers.routes.js';
import { createProvidersService, type TenantProviderConfig } from './providers.service.js';
import { createTenantProviderCache } from './tenant-provider-cache.js';

export interface ProvidersModuleDeps {
  readonly db: Database;
  readonly keys: Pick<ServerKeys, 'credentialsKey'>;
  /** The registry the chat turn resolves models with, so the picker offers exactly what chat accepts. */
  readonly models: Pick<ModelRegistry, 'listModels' | 'defaultModelRef'>;
  /** How long a provider change made on another node may go unseen by this one; 5 s by default (ADR 7). */
  readonly providerCacheTtlMs?: number;
}

/** `service.loadTenantProviders(tenantId)` feeds the model registry when chatting. */
export function createProvidersModule(deps: ProvidersModuleDeps) {
  const service = createProvidersService({
    db: deps.db,
    repository: createProvidersRepository(),
    credentialsKey: deps.keys.credentialsKey,
    models: deps.models,
    tenantProviderCache: createTenantProviderCache<readonly TenantProviderConfig[]>({
      ttlMs: deps.providerCacheTtlMs ?? 5_000,
      maxTenants: 10_000,
    }),
  });
  return { service, registerRoutes: registerProvidersRoutes };
}

export type { ProvidersService, TenantProviderConfig } from './providers.service.js';
