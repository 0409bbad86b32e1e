import type { ModelRegistry } from '../../ai/model-types.js';
import { createExpiringCache } from '../../platform/cache/expiring-cache.js';
import { everyKey, settingsCacheTtlMs, type InvalidationBus } from '../../platform/cache/invalidation-bus.js';
import type { Database } from '../../platform/db/client.js';
import type { OutboundHttp } from '../../platform/outbound/index.js';
import type { ServerKeys } from '../../platform/secrets.js';
import { guardedProviderFetch } from './provider-fetch.js';
import { createProvidersRepository } from './providers.repository.js';
import { registerProvidersRoutes } from './providers.routes.js';
import { createProvidersService, type TenantProviderConfig } from './providers.service.js';

export interface ProvidersModuleDeps {
  readonly db: Database;
  readonly keys: Pick<ServerKeys, 'credentialsKey'>;
  /** The registry the chat turn resolves models with, so the picker offers exactly what chat accepts. */
  readonly models: Pick<ModelRegistry, 'listModels' | 'defaultModelRef' | 'requireKnown'>;
  /** How long a provider change this node was not told of may go unseen by it; 5 s by default (ADR 7). */
  readonly providerCacheTtlMs?: number;
  /** Tenants' providers are reached through the outbound guard, like every address a tenant chooses. */
  readonly outbound: Pick<OutboundHttp, 'fetch' | 'assertAllowed'>;
  /** The longest a model call may last (MODEL_TIMEOUT_MS); the guard's own bound must not be shorter. */
  readonly modelTimeoutMs: number;
  /** A provider changed on any node is forgotten by every node's cache. */
  readonly invalidations: Pick<InvalidationBus, 'publish' | 'subscribe'>;
}

/** `service.loadTenantProviders(tenantId)` feeds the model registry when chatting. */
export function createProvidersModule(deps: ProvidersModuleDeps) {
  const { outbound, invalidations } = deps;
  const tenantProviderCache = createExpiringCache<readonly TenantProviderConfig[]>({
    ttlMs: deps.providerCacheTtlMs ?? settingsCacheTtlMs,
    maxEntries: 10_000,
  });
  invalidations.subscribe('tenant-providers', (tenantId) =>
    tenantId === everyKey ? tenantProviderCache.clear() : tenantProviderCache.invalidate(tenantId),
  );
  const service = createProvidersService({
    db: deps.db,
    repository: createProvidersRepository(),
    credentialsKey: deps.keys.credentialsKey,
    models: deps.models,
    tenantProviderCache,
    onProvidersChanged: (tenantId) => invalidations.publish('tenant-providers', tenantId),
    providerFetch: guardedProviderFetch(outbound, deps.modelTimeoutMs),
    // A tenant's own provider may be where a server-wide one is (its own key at api.openai.com): its calls
    // come through the gate, marked, so the door lets them through.
    assertAllowed: (url) => outbound.assertAllowed(url, { isModelProvider: true }),
  });
  return { service, registerRoutes: registerProvidersRoutes };
}

export type { ProvidersService, TenantProviderConfig } from './providers.service.js';
