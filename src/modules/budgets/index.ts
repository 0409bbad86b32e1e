import type { InvalidationBus } from '../../platform/cache/invalidation-bus.js';
import type { Database } from '../../platform/db/client.js';
import type { App } from '../../platform/http/types.js';
import type { Logger } from '../../platform/logger.js';
import type { WebhookEvents } from '../webhooks/webhook-event-types.js';
import { createBudgetsRepository } from './budgets.repository.js';
import { registerBudgetsRoutes } from './budgets.routes.js';
import { createBudgetsService } from './budgets.service.js';
import { createCallCost } from './call-cost.js';
import type { PricingService } from '../pricing/index.js';

export interface BudgetsModuleDeps {
  readonly db: Database;
  readonly logger: Logger;
  readonly events?: Pick<WebhookEvents, 'emit'>;
  /** The price table a cost budget counts with; absent, calls cost nothing (token budgets still hold). */
  readonly pricing?: Pick<PricingService, 'costOf'>;
  /** Where a change of a tenant's limits is told to every node (each holds them a few seconds). */
  readonly invalidations?: InvalidationBus;
}

/**
 * Usage budgets (docs/budgets.md): monthly token and cost budgets per tenant, a daily message cap per
 * person, checked before every model call through the model resolver and counted when each finishes.
 */
export function createBudgetsModule(deps: BudgetsModuleDeps) {
  const service = createBudgetsService({
    db: deps.db,
    logger: deps.logger,
    events: deps.events,
    costOf: deps.pricing ? createCallCost(deps.pricing) : undefined,
    repository: createBudgetsRepository(),
    onLimitsChanged: (tenantId) =>
      deps.invalidations ? deps.invalidations.publish('tenant-budgets', tenantId) : service.forgetLimits(tenantId),
  });
  deps.invalidations?.subscribe('tenant-budgets', (tenantId) => service.forgetLimits(tenantId));
  return { service, registerRoutes: (app: App) => registerBudgetsRoutes(app, service) };
}

export type { BudgetsService, CostOfCall, ModelUse } from './budgets.service.js';
export { isBudgetRefusal } from './budget-refusals.js';
export { createCallCost } from './call-cost.js';
export { countedMessageSql, dailyCapRefusal, type MessageToCount } from './daily-message-count.js';
export { createChargeHandoff, type ChargeHandoff, type ParkedCharge } from './charge-handoff.js';
export { chargeCtes, chargeValuesOf, type ChargeValues } from './charge.statements.js';
export type { UsageTotalsRow } from './budgets.repository.js';
