import type { Database } from '../../platform/db/client.js';
import { createPricingRepository } from './pricing.repository.js';
import { registerPricingRoutes } from './pricing.routes.js';
import { createPricingService } from './pricing.service.js';

export interface PricingModuleDeps {
  readonly db: Database;
}

/** The platform's price table (docs/analytics.md#prices): model prices, and token usage turned into cost. */
export function createPricingModule(deps: PricingModuleDeps) {
  const service = createPricingService({ db: deps.db, repository: createPricingRepository() });
  return { service, registerRoutes: registerPricingRoutes };
}

export type { ModelRefUsage, PricingService } from './pricing.service.js';
export {
  costOfUsage,
  modelRefModelSql,
  modelRefProviderSql,
  tokenCostUsd,
  usageCostSql,
  type ModelPrice,
  type ModelUsage,
  type UsageCost,
} from './usage-cost.js';
