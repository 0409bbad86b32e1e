import { eq } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { evaluationGates, evaluationSets } from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';

export function createEvaluationGatesRepository() {
  return {
    /** The agent's gate with its set's name (a gate goes with its set: no gate names a deleted one). */
    async find(db: Executor, tenantId: string, agentId: string) {
      const [row] = await db
        .select({ setId: evaluationGates.setId, setName: evaluationSets.name })
        .from(evaluationGates)
        .innerJoin(evaluationSets, eq(evaluationSets.id, evaluationGates.setId))
        .where(inTenant(evaluationGates, tenantId, eq(evaluationGates.agentId, agentId)));
      return row;
    },

    async put(db: Executor, tenantId: string, agentId: string, setId: string): Promise<void> {
      await db
        .insert(evaluationGates)
        .values({ tenantId, agentId, setId })
        .onConflictDoUpdate({ target: evaluationGates.agentId, set: { setId } });
    },

    async remove(db: Executor, tenantId: string, agentId: string): Promise<void> {
      await db.delete(evaluationGates).where(inTenant(evaluationGates, tenantId, eq(evaluationGates.agentId, agentId)));
    },
  };
}

export type EvaluationGatesRepository = ReturnType<typeof createEvaluationGatesRepository>;
