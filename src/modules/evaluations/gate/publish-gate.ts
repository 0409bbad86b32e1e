import type { Actor } from '../../../access/actor.js';
import type { Database, Executor } from '../../../platform/db/client.js';
import { conflict } from '../../../platform/errors.js';
import type { EvaluationGatesRepository } from './evaluation-gates.repository.js';
import type { EvaluationSetsService } from '../sets/evaluation-sets.service.js';
import type { EvaluationRunRow, EvaluationRunsRepository } from '../runs/evaluation-runs.repository.js';
import type { EvaluatedAgent } from '../runs/evaluation-runs.service.js';

export interface PublishGateDeps {
  readonly db: Database;
  readonly gates: EvaluationGatesRepository;
  readonly runs: Pick<EvaluationRunsRepository, 'completedRunsOnSet'>;
  readonly sets: Pick<EvaluationSetsService, 'getSet'>;
  readonly findModifiable: (actor: Actor, agentId: string) => Promise<EvaluatedAgent>;
}

/** What the agents' publish asks (agent-versions.service.ts), at the moment it publishes. */
export interface PublishCheck {
  readonly tenantId: string;
  readonly agentId: string;
  readonly version: number;
  readonly publishedVersion: number;
  /** A version published before: rolling back to it is not held (customers had it already). */
  readonly wasPublishedBefore: boolean;
}

const percent = (rate: number) => `${Math.round(rate * 1000) / 10}%`;

/** The arm of a run that answered as `version` on that version's own model. */
const armAs = (run: EvaluationRunRow, version: number) =>
  run.summary?.find((arm) => arm.version === version && run.arms[arm.arm]?.isModelOverridden === false);

/**
 * The optional gate before publish (docs/agents.md, "A gate before publish"): an agent that names a set
 * publishes a version only after a finished run on that set compared it with the published version, and
 * only if it passed no fewer of the cases. Asked when the publish happens, so a run finished a moment
 * before counts and a gate set a moment before holds.
 */
export function createPublishGate(deps: PublishGateDeps) {
  const { db, gates } = deps;
  return {
    async get(actor: Actor, agentId: string) {
      await deps.findModifiable(actor, agentId);
      const gate = await gates.find(db, actor.tenantId, agentId);
      return { agentId, setId: gate?.setId ?? null };
    },

    async put(actor: Actor, agentId: string, setId: string | null) {
      await deps.findModifiable(actor, agentId);
      if (setId === null) await gates.remove(db, actor.tenantId, agentId);
      else {
        await deps.sets.getSet(actor, setId);
        await gates.put(db, actor.tenantId, agentId, setId);
      }
      return { agentId, setId };
    },

    async requireBeforePublish(executor: Executor, check: PublishCheck): Promise<void> {
      const gate = await gates.find(executor, check.tenantId, check.agentId);
      if (!gate || check.wasPublishedBefore || check.version === check.publishedVersion) return;
      const runs = await deps.runs.completedRunsOnSet(executor, check.tenantId, check.agentId, gate.setId);
      const run = runs.find((candidate) => armAs(candidate, check.version) && armAs(candidate, check.publishedVersion));
      if (!run) {
        throw conflict(
          `Publishing this agent waits for an evaluation: run the set '${gate.setName}' with version ${check.version} beside the published version ${check.publishedVersion}, then publish`,
        );
      }
      const candidate = armAs(run, check.version)!;
      const published = armAs(run, check.publishedVersion)!;
      if (candidate.passRate < published.passRate) {
        throw conflict(
          `Version ${check.version} passed ${percent(candidate.passRate)} of the set '${gate.setName}', where the published version ${check.publishedVersion} passed ${percent(published.passRate)} (run ${run.id}): publishing it would lower the pass rate`,
        );
      }
    },
  };
}

export type PublishGate = ReturnType<typeof createPublishGate>;
