import type { PricingService } from '../pricing/index.js';
import type { CostOfCall } from './budgets.service.js';

/**
 * A finished call's cost from the platform's price table (modules/pricing), in millionths of a USD.
 * The table prices a ref by the kind of the tenant's provider it names. A model it has no price for has
 * no cost (undefined, stored as null): analytics counts its tokens as unpriced rather than as free, and
 * they still count against a token budget.
 */
export function createCallCost(
  pricing: Pick<PricingService, 'costOf'>,
): (
  tenantId: string,
  call: Pick<Parameters<CostOfCall>[1], 'modelRef' | 'inputTokens' | 'outputTokens'>,
) => ReturnType<CostOfCall> {
  return async (tenantId, call) => {
    const { costUsd, unpriced } = await pricing.costOf(tenantId, [
      { modelRef: call.modelRef, inputTokens: call.inputTokens, outputTokens: call.outputTokens },
    ]);
    if (unpriced.length > 0) return undefined;
    return Math.round(costUsd * 1_000_000);
  };
}
