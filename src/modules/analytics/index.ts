import type { Database } from '../../platform/db/client.js';
import type { Logger } from '../../platform/logger.js';
import { createAnalyticsRawRepository } from './analytics-raw.repository.js';
import { createAnalyticsRollupsRepository } from './analytics-rollups.repository.js';
import { createAnalyticsRollups } from './analytics-rollups.js';
import { createAnalyticsRepository } from './analytics.repository.js';
import { registerAnalyticsRoutes } from './analytics.routes.js';
import { createAnalyticsService } from './analytics.service.js';

export interface AnalyticsModuleDeps {
  readonly db: Database;
  readonly logger: Pick<Logger, 'warn' | 'info'>;
}

/** Figures from rollups that triggers and a job keep current (docs/analytics.md). */
export function createAnalyticsModule(deps: AnalyticsModuleDeps) {
  const rollups = createAnalyticsRollups({
    db: deps.db,
    repository: createAnalyticsRollupsRepository(),
    logger: deps.logger,
  });
  const service = createAnalyticsService({
    db: deps.db,
    repository: createAnalyticsRepository(),
    rawRepository: createAnalyticsRawRepository(),
    rollups,
  });
  return { service, rollups, registerRoutes: registerAnalyticsRoutes };
}

export type { AnalyticsService } from './analytics.service.js';
export type { AnalyticsOverview } from './analytics.schemas.js';
export type { AnalyticsRollups } from './analytics-rollups.js';
