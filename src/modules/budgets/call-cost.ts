import type { PricingService } from '../pricing/index.js';
import type { CostOfCall } from './budgets.service.js';

/**
 * A finished call's cost from the platform's price table (modules/pricing), in millionths of a USD.
 * The table prices a ref by the kind of the tenant's provider it names; a model it has no price for
 * costs nothing here (its tokens still count against a token budget).
 */
export function createCallCost(pricing: Pick<PricingService, 'costOf'>): CostOfCall {
  return async (tenantId, call) => {
    const { costUsd } = await pricing.costOf(tenantId, [
      { modelRef: call.modelRef, inputTokens: call.inputTokens, outputTokens: call.outputTokens },
    ]);
    return Math.round(costUsd * 1_000_000);
  };
}
