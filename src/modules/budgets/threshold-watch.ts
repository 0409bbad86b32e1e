import { transaction } from '../../platform/db/after-commit.js';
import type { Database, Executor } from '../../platform/db/client.js';
import type { Logger } from '../../platform/logger.js';
import type { WebhookEvents } from '../webhooks/webhook-event-types.js';
import type { BudgetKind } from './budget-refusals.js';
import type { BudgetRow, BudgetsRepository, MonthlyUsage } from './budgets.repository.js';

/** The share of a budget whose crossing is announced, once per budget and month. */
export const thresholdPercent = 80;

export interface ThresholdWatchDeps {
  readonly db: Database;
  readonly repository: BudgetsRepository;
  readonly logger: Logger;
  readonly events?: Pick<WebhookEvents, 'emit'> | undefined;
  /** The tenant's limits, as the budgets service holds them (undefined: none set). */
  readonly limitsOf: (tenantId: string) => Promise<BudgetRow | undefined>;
}

/**
 * After each counted call: a monthly budget whose use is now at or past 80% gets its event. The
 * event's row is keyed by tenant, budget, month and share, so of any number of calls crossing it at
 * once on any node exactly one stores it, and only that one emits the webhook.
 */
export function createThresholdWatch(deps: ThresholdWatchDeps) {
  const { db, repository } = deps;

  async function announce(
    tenantId: string,
    month: string,
    resetsAt: Date,
    crossing: { budget: BudgetKind; used: number; limit: number },
  ): Promise<void> {
    // The crossing and its webhook event commit together (the outbox).
    const isNew = await transaction(db, async (tx) => {
      const isFirst = await repository.insertThresholdEvent(tx, {
        tenantId,
        budget: crossing.budget,
        period: month,
        percent: thresholdPercent,
        used: crossing.used,
        budgetLimit: crossing.limit,
      });
      if (isFirst) await emitCrossing(tx, tenantId, month, resetsAt, crossing);
      return isFirst;
    });
    if (isNew) {
      deps.logger.info({ tenantId, budget: crossing.budget }, `A budget reached ${thresholdPercent}% of its limit`);
    }
  }

  async function emitCrossing(
    tx: Executor,
    tenantId: string,
    month: string,
    resetsAt: Date,
    crossing: { budget: BudgetKind; used: number; limit: number },
  ): Promise<void> {
    await deps.events?.emit(
      tx,
      tenantId,
      'budget.threshold_reached',
      {
        budget: crossing.budget,
        percent: thresholdPercent,
        used: crossing.used,
        limit: crossing.limit,
        period: month.slice(0, 7),
        resetsAt: resetsAt.toISOString(),
      },
      { key: `${crossing.budget}:${month}:${thresholdPercent}` },
    );
  }

  return {
    async consider(tenantId: string, month: string, resetsAt: Date, totals: MonthlyUsage): Promise<void> {
      const budget = await deps.limitsOf(tenantId);
      if (!budget) return;
      const crossings: { budget: BudgetKind; used: number; limit: number | null }[] = [
        { budget: 'monthly_tokens', used: totals.inputTokens + totals.outputTokens, limit: budget.monthlyTokens },
        { budget: 'monthly_cost', used: totals.costMicros, limit: budget.monthlyCostMicros },
      ];
      for (const { budget: kind, used, limit } of crossings) {
        if (limit === null || limit <= 0 || used * 100 < limit * thresholdPercent) continue;
        await announce(tenantId, month, resetsAt, { budget: kind, used, limit });
      }
    },
  };
}
