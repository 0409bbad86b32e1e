import { createExpiringCache } from '../../platform/cache/expiring-cache.js';
import { everyKey } from '../../platform/cache/invalidation-bus.js';
import type { Database } from '../../platform/db/client.js';
import type { BudgetRow, BudgetsRepository } from './budgets.repository.js';

/**
 * Every model call asks for its tenant's limits, and most tenants set none: the row (or its absence) is
 * held a few seconds on each node, and forgotten on every node when it is saved (the invalidation bus's
 * `tenant-budgets`, which calls `forget`).
 */
export function createHeldLimits(deps: {
  readonly db: Database;
  readonly repository: Pick<BudgetsRepository, 'findBudget'>;
  readonly ttlMs: number;
}) {
  const held = createExpiringCache<BudgetRow | null>({ ttlMs: deps.ttlMs, maxEntries: 10_000 });
  return {
    /** The tenant's limits; undefined when it set none. */
    of: async (tenantId: string): Promise<BudgetRow | undefined> => {
      const row = await held.load(tenantId, async () => (await deps.repository.findBudget(deps.db, tenantId)) ?? null);
      return row ?? undefined;
    },
    /** `everyKey`: every tenant's. */
    forget: (tenantId: string): void => {
      if (tenantId === everyKey) held.clear();
      else held.invalidate(tenantId);
    },
  };
}
