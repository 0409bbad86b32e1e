import type { Database } from '../../platform/db/client.js';
import { createAnalyticsRepository } from './analytics.repository.js';
import { registerAnalyticsRoutes } from './analytics.routes.js';
import { createAnalyticsService } from './analytics.service.js';

export interface AnalyticsModuleDeps {
  readonly db: Database;
}

/** Figures computed from the stored rows on each request (docs/analytics.md). */
export function createAnalyticsModule(deps: AnalyticsModuleDeps) {
  const service = createAnalyticsService({ db: deps.db, repository: createAnalyticsRepository() });
  return { service, registerRoutes: registerAnalyticsRoutes };
}

export type { AnalyticsService } from './analytics.service.js';
export type { AnalyticsOverview } from './analytics.schemas.js';
