import { serverProviderKinds } from '../../ai/provider-entries.js';
import type { ServerProviderSettings } from '../../config.js';
import type { Database } from '../../platform/db/client.js';
import type { Logger } from '../../platform/logger.js';
import { createAnalyticsRawRepository } from './analytics-raw.repository.js';
import { createAnalyticsRollupsRepository } from './analytics-rollups.repository.js';
import { createAnalyticsRollups } from './analytics-rollups.js';
import { createAnalyticsSpendRepository } from './analytics-spend.repository.js';
import { createAnalyticsRepository } from './analytics.repository.js';
import { registerAnalyticsRoutes } from './analytics.routes.js';
import { createAnalyticsService, type AnalyticsService } from './analytics.service.js';
import { createCsatRepository } from './csat.repository.js';
import { registerCsatRoutes } from './csat.routes.js';
import { createCsatService } from './csat.service.js';
import { createReplyTargetsReportRepository } from './reply-targets-report.repository.js';
import { registerReplyTargetsReportRoutes } from './reply-targets-report.routes.js';
import { createReplyTargetsReport } from './reply-targets-report.service.js';
import type { App } from '../../platform/http/types.js';

export interface AnalyticsModuleDeps {
  readonly db: Database;
  /** The server-wide providers (env): their models' tokens are priced by their kind, as budgets do. */
  readonly serverProviders?: ServerProviderSettings;
  readonly logger: Pick<Logger, 'warn' | 'info'>;
  /** Reads the conversations' log up to now with the rollups' reader (conversations' log feed). */
  readonly readLog?: () => Promise<void>;
}

/** Figures from rollups that triggers and a job keep current (docs/analytics.md). */
export function createAnalyticsModule(deps: AnalyticsModuleDeps) {
  const rollups = createAnalyticsRollups({
    db: deps.db,
    repository: createAnalyticsRollupsRepository(),
    readLog: deps.readLog,
    logger: deps.logger,
  });
  const serverKinds = deps.serverProviders ? serverProviderKinds(deps.serverProviders) : new Map<string, never>();
  const repository = createAnalyticsRepository();
  const service = createAnalyticsService({
    db: deps.db,
    repository,
    rawRepository: createAnalyticsRawRepository(),
    rollups,
    spendRepository: createAnalyticsSpendRepository(serverKinds),
  });
  const csat = createCsatService({ db: deps.db, repository: createCsatRepository(), analyticsRepository: repository });
  const replyTargets = createReplyTargetsReport({ db: deps.db, repository: createReplyTargetsReportRepository() });
  const registerRoutes = (app: App, analytics: AnalyticsService): void => {
    registerAnalyticsRoutes(app, analytics);
    registerCsatRoutes(app, csat);
    registerReplyTargetsReportRoutes(app, replyTargets);
  };
  return { service, csat, rollups, registerRoutes };
}

export type { AnalyticsService } from './analytics.service.js';
export type { AnalyticsOverview } from './analytics.schemas.js';
export type { AnalyticsRollups } from './analytics-rollups.js';
