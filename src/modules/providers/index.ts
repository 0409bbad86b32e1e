import type { ModelRegistry } from '../../ai/model-types.js';
import type { Database } from '../../platform/db/client.js';
import type { OutboundHttp } from '../../platform/outbound/index.js';
import type { ServerKeys } from '../../platform/secrets.js';
import { guardedProviderFetch } from './provider-fetch.js';
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
  /** Tenants' providers are reached through the outbound guard, like every address a tenant chooses. */
  readonly outbound: Pick<OutboundHttp, 'fetch' | 'assertAllowed'>;
  /** The longest a model call may last (MODEL_TIMEOUT_MS); the guard's own bound must not be shorter. */
  readonly modelTimeoutMs: number;
}

/** `service.loadTenantProviders(tenantId)` feeds the model registry when chatting. */
export function createProvidersModule(deps: ProvidersModuleDeps) {
  const { outbound } = deps;
  const service = createProvidersService({
    db: deps.db,
    repository: createProvidersRepository(),
    credentialsKey: deps.keys.credentialsKey,
    models: deps.models,
    tenantProviderCache: createTenantProviderCache<readonly TenantProviderConfig[]>({
      ttlMs: deps.providerCacheTtlMs ?? 5_000,
      maxTenants: 10_000,
    }),
    providerFetch: guardedProviderFetch(outbound, deps.modelTimeoutMs),
    assertAllowed: (url) => outbound.assertAllowed(url),
  });
  return { service, registerRoutes: registerProvidersRoutes };
}

export type { ProvidersService, TenantProviderConfig } from './providers.service.js';
