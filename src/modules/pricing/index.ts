import { serverProviderKinds } from '../../ai/provider-entries.js';
import type { ServerProviderSettings } from '../../config.js';
import { createExpiringCache } from '../../platform/cache/expiring-cache.js';
import { everyKey, settingsCacheTtlMs, type InvalidationBus } from '../../platform/cache/invalidation-bus.js';
import type { Database } from '../../platform/db/client.js';
import type { ProviderKind } from '../../platform/db/schema/index.js';
import { createPricingRepository, type ModelPriceRow } from './pricing.repository.js';
import { registerPricingRoutes } from './pricing.routes.js';
import { createPricingService } from './pricing.service.js';

export interface PricingModuleDeps {
  readonly db: Database;
  /** A price or a tenant's provider changed on any node is forgotten by every node's caches. */
  readonly invalidations: Pick<InvalidationBus, 'publish' | 'subscribe'>;
  /** The server-wide providers (env): their models are priced by their kind too. */
  readonly serverProviders: ServerProviderSettings;
  /** How long a change this node was not told of may go unseen by it; 5 s by default (ADR 7). */
  readonly cacheTtlMs?: number;
}

/** The platform's price table (docs/analytics.md#prices): model prices, and token usage turned into cost. */
export function createPricingModule(deps: PricingModuleDeps) {
  const { invalidations } = deps;
  const ttlMs = deps.cacheTtlMs ?? settingsCacheTtlMs;
  const priceTable = createExpiringCache<readonly ModelPriceRow[]>({ ttlMs, maxEntries: 1 });
  const tenantProviderKinds = createExpiringCache<ReadonlyMap<string, ProviderKind>>({ ttlMs, maxEntries: 10_000 });
  invalidations.subscribe('model-prices', () => priceTable.clear());
  invalidations.subscribe('tenant-providers', (tenantId) =>
    tenantId === everyKey ? tenantProviderKinds.clear() : tenantProviderKinds.invalidate(tenantId),
  );
  const service = createPricingService({
    db: deps.db,
    repository: createPricingRepository(),
    priceTable,
    tenantProviderKinds,
    serverProviderKinds: serverProviderKinds(deps.serverProviders),
    onPricesChanged: () => invalidations.publish('model-prices', everyKey),
  });
  return { service, registerRoutes: registerPricingRoutes };
}

export type { ModelRefUsage, PricingService } from './pricing.service.js';
export {
  costOfUsage,
  modelRefModelSql,
  modelRefProviderSql,
  providerKindSql,
  tokenCostUsd,
  usageCostSql,
  type ModelPrice,
  type ModelUsage,
  type UsageCost,
} from './usage-cost.js';
