import type { Actor } from '../../access/actor.js';
import type { Database } from '../../platform/db/client.js';
import type { AgentSettings } from '../../platform/db/schema/index.js';
import type { App } from '../../platform/http/types.js';
import type { JobQueue } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/logger.js';
import type { WebhookEvents } from '../webhooks/index.js';
import { createEvaluationGatesRepository } from './gate/evaluation-gates.repository.js';
import { createPublishGate } from './gate/publish-gate.js';
import type { CaseAnswerDeps } from './runs/case-answer.js';
import { createEvaluationRunsRepository } from './runs/evaluation-runs.repository.js';
import { registerEvaluationRunsRoutes } from './runs/evaluation-runs.routes.js';
import { createEvaluationRunsService, type EvaluatedAgent } from './runs/evaluation-runs.service.js';
import { createRunWorker, runJobName, runRetryLimit, sendRunJob, type RunJob } from './runs/run-worker.js';
import { repeatSweep, type RepeatedSweep } from '../../platform/repeat-sweep.js';
import type { ConversationTranscripts } from './sets/conversation-case.js';
import { createEvaluationSetsRepository } from './sets/evaluation-sets.repository.js';
import { registerEvaluationSetsRoutes } from './sets/evaluation-sets.routes.js';
import { createEvaluationSetsService } from './sets/evaluation-sets.service.js';

export interface EvaluationsModuleDeps {
  readonly db: Database;
  readonly logger: Logger;
  readonly jobs: JobQueue;
  readonly events: Pick<WebhookEvents, 'emit'>;
  readonly findModifiableAgent: (actor: Actor, agentId: string) => Promise<EvaluatedAgent>;
  readonly versionSettings: (tenantId: string, agentId: string, number: number) => Promise<AgentSettings | undefined>;
  readonly requireKnownModel: (tenantId: string, modelRef: string) => Promise<void>;
  readonly transcripts: ConversationTranscripts;
  readonly answering: CaseAnswerDeps;
  readonly tuning?: Partial<EvaluationTuning>;
}

export interface EvaluationTuning {
  /** Model calls one run makes at once. */
  readonly casesAtOnce: number;
  /** Runs a tenant may have queued or running at once; with `casesAtOnce`, its bound on calls at once. */
  readonly runsGoingPerTenant: number;
}

const defaultTuning: EvaluationTuning = { casesAtOnce: 4, runsGoingPerTenant: 2 };

/** Evaluation sets and runs, and the gate before publish (docs/agents.md, "Evaluations"). */
export function createEvaluationsModule(deps: EvaluationsModuleDeps) {
  const tuning = { ...defaultTuning, ...deps.tuning };
  const runsRepository = createEvaluationRunsRepository();
  const sets = createEvaluationSetsService({
    db: deps.db,
    repository: createEvaluationSetsRepository(),
    transcripts: deps.transcripts,
  });
  const runs = createEvaluationRunsService({
    db: deps.db,
    repository: runsRepository,
    sets,
    findModifiable: deps.findModifiableAgent,
    versionSettings: deps.versionSettings,
    requireKnownModel: deps.requireKnownModel,
    jobs: deps.jobs,
    events: deps.events,
    runsGoingPerTenant: tuning.runsGoingPerTenant,
  });
  const gate = createPublishGate({
    db: deps.db,
    gates: createEvaluationGatesRepository(),
    runs: runsRepository,
    sets,
    findModifiable: deps.findModifiableAgent,
  });
  const worker = createRunWorker({
    db: deps.db,
    repository: runsRepository,
    answering: deps.answering,
    events: deps.events,
    logger: deps.logger,
    casesAtOnce: tuning.casesAtOnce,
  });
  /** A run queued this long is taken for one whose job was never sent: queued runs start within seconds. */
  const strandedAfterMs = 120_000;
  const requeueStranded = async () => {
    for (const stranded of await runsRepository.queuedSince(deps.db, strandedAfterMs, 100)) {
      await sendRunJob(deps.jobs, stranded);
    }
  };
  let sweep: RepeatedSweep | undefined;
  return {
    sets,
    runs,
    gate,
    /** Sends again the jobs of runs left queued (after the job queue started; on nodes that run jobs). */
    startSweep(intervalMs: number): void {
      sweep = repeatSweep(requeueStranded, intervalMs, (error) =>
        deps.logger.warn({ err: error }, 'The sweep of evaluation runs left queued failed'),
      );
    },
    stopSweep: async () => sweep?.stop(),
    /** Only on nodes that run jobs. Runs of different tenants go side by side, two per node. */
    registerJobs(): void {
      deps.jobs.register<RunJob>(runJobName, worker, {
        concurrency: 2,
        retryLimit: runRetryLimit,
        retryDelaySeconds: 5,
        // A long run is not lost at an expiry: a dead node's run is sent to its retry by the job leases.
        expireInSeconds: 23 * 3600,
      });
    },
    registerRoutes(app: App): void {
      registerEvaluationSetsRoutes(app, sets);
      registerEvaluationRunsRoutes(app, runs, gate);
    },
  };
}

export type EvaluationsModule = ReturnType<typeof createEvaluationsModule>;

export type { ConversationTranscripts, TranscriptLine } from './sets/conversation-case.js';
export { createConversationTranscripts } from './sets/conversation-transcripts.js';
export type { PublishCheck } from './gate/publish-gate.js';
