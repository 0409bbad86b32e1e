import type { Actor } from '../../../access/actor.js';
import type { Database } from '../../../platform/db/client.js';
import { transaction } from '../../../platform/db/after-commit.js';
import { toPage, type PageCursor } from '../../../platform/db/pagination.js';
import type { AgentSettings, EvaluationArm, EvaluationCaseSnapshot } from '../../../platform/db/schema/index.js';
import { AppError, conflict, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import type { JobQueue } from '../../../platform/jobs/index.js';
import type { WebhookEvents } from '../../webhooks/index.js';
import type { EvaluationSetsService } from '../sets/evaluation-sets.service.js';
import type { EvaluationRunRow, EvaluationRunsRepository } from './evaluation-runs.repository.js';
import { presentAnswer, presentRun, type RunView, type StartRunInput } from './evaluation-runs.schemas.js';
import { endRun, sendRunJob } from './run-worker.js';
import { summariseRun } from './run-summary.js';

/** The agent as a run needs it: found for someone allowed to change it (its owner, an administrator). */
export interface EvaluatedAgent {
  readonly id: string;
  readonly publishedVersion: number;
  readonly draftVersion: number | null;
}

export interface EvaluationRunsServiceDeps {
  readonly db: Database;
  readonly repository: EvaluationRunsRepository;
  readonly sets: Pick<EvaluationSetsService, 'casesForRun'>;
  readonly findModifiable: (actor: Actor, agentId: string) => Promise<EvaluatedAgent>;
  readonly versionSettings: (tenantId: string, agentId: string, number: number) => Promise<AgentSettings | undefined>;
  readonly requireKnownModel: (tenantId: string, modelRef: string) => Promise<void>;
  readonly jobs: Pick<JobQueue, 'send'>;
  readonly events: Pick<WebhookEvents, 'emit'>;
  /** Runs a tenant may have queued or running at once. */
  readonly runsGoingPerTenant: number;
}

/**
 * Evaluation runs (docs/agents.md, "Evaluations"): a set's cases answered by one or two arms (versions,
 * models), as a job; read while they run (progress, each arm's totals) and case by case side by side.
 */
export function createEvaluationRunsService(deps: EvaluationRunsServiceDeps) {
  const { db, repository } = deps;

  async function servedModel(tenantId: string, model: string, what: string): Promise<void> {
    try {
      await deps.requireKnownModel(tenantId, model);
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      throw new AppError(
        'validation_failed',
        `${what} uses the model '${model}', which no provider configured here serves: ${error.message}`,
      );
    }
  }

  async function armOf(
    actor: Actor,
    agent: EvaluatedAgent,
    input: StartRunInput['arms'][number],
  ): Promise<EvaluationArm> {
    const version =
      input.version === 'published'
        ? agent.publishedVersion
        : input.version === 'draft'
          ? agent.draftVersion
          : input.version;
    if (version === null) throw conflict('This agent has no draft: save one first, or run the published version');
    const settings = await deps.versionSettings(actor.tenantId, agent.id, version);
    if (!settings) throw notFound('Version', `${agent.id}/${version}`);
    const model = input.model ?? settings.model;
    await servedModel(actor.tenantId, model, input.model ? 'This arm' : `Version ${version}`);
    return { version, model, isModelOverridden: model !== settings.model, settings: { ...settings, model } };
  }

  async function findRun(actor: Actor, id: string): Promise<EvaluationRunRow> {
    const run = await repository.findRun(db, actor.tenantId, id);
    if (!run) throw notFound('Evaluation run', id);
    // Its answers show the agent's instructions at work: for those who may read them.
    await deps.findModifiable(actor, run.agentId);
    return run;
  }

  /** A finished run's stored totals, or a running one's counted from its results so far. */
  async function view(run: EvaluationRunRow): Promise<RunView> {
    if (run.summary) {
      const done = run.summary.reduce((sum, arm) => sum + arm.answered + arm.failed, 0);
      return presentRun(run, done, run.summary);
    }
    const results = await repository.results(db, run.tenantId, run.id);
    return presentRun(run, results.length, summariseRun(run.arms, run.cases.length, results));
  }

  return {
    async start(actor: Actor, input: StartRunInput): Promise<RunView> {
      const agent = await deps.findModifiable(actor, input.agentId);
      const arms: EvaluationArm[] = [];
      for (const arm of input.arms) arms.push(await armOf(actor, agent, arm));
      if (input.judgeModel) await servedModel(actor.tenantId, input.judgeModel, 'The judge');
      const { set, cases } = await deps.sets.casesForRun(db, actor.tenantId, input.setId);
      if (cases.length === 0) throw conflict(`The set '${set.name}' has no cases yet: add some first`);
      const snapshot: EvaluationCaseSnapshot[] = cases.map((row) => ({
        id: row.id,
        messages: row.messages,
        note: row.note,
        ...row.expectations,
      }));
      const run = await transaction(db, async (tx) => {
        await repository.lockTenant(tx, actor.tenantId);
        const going = await repository.countGoing(tx, actor.tenantId);
        if (going >= deps.runsGoingPerTenant) {
          throw new AppError(
            'rate_limited',
            `${going} evaluation runs are going already, the most at once: wait for one to end, or stop one`,
            { retryAfterSeconds: 30 },
          );
        }
        return repository.insertRun(tx, {
          id: newId(),
          tenantId: actor.tenantId,
          setId: set.id,
          setName: set.name,
          agentId: agent.id,
          arms,
          cases: snapshot,
          judgeModel: input.judgeModel ?? null,
          status: 'queued',
          createdBy: actor.userId,
        });
      });
      await sendRunJob(deps.jobs, { tenantId: actor.tenantId, runId: run.id });
      return presentRun(run, 0, summariseRun(arms, snapshot.length, []));
    },

    async list(actor: Actor, query: { agentId: string; limit: number; cursor?: PageCursor | undefined }) {
      await deps.findModifiable(actor, query.agentId);
      const after = query.cursor;
      const rows = await repository.listRuns(db, actor.tenantId, query.agentId, { limit: query.limit, after });
      const page = toPage(rows, query.limit, (row) => row);
      return { items: await Promise.all(page.items.map(view)), nextCursor: page.nextCursor };
    },

    async get(actor: Actor, id: string): Promise<RunView> {
      return view(await findRun(actor, id));
    },

    /** Each case with every arm's answer, from case `from` on; `onlyDifferent` keeps the cases where the arms disagree. */
    async cases(actor: Actor, id: string, query: { from: number; limit: number; onlyDifferent: boolean }) {
      const run = await findRun(actor, id);
      const items = [];
      let index = query.from;
      // Read in windows of a page: with onlyDifferent most cases of a window may be left out.
      while (index < run.cases.length && items.length < query.limit) {
        const to = Math.min(run.cases.length, index + query.limit);
        const results = await repository.results(db, run.tenantId, run.id, { from: index, to });
        for (; index < to && items.length < query.limit; index += 1) {
          const answers = run.arms.map((_, arm) => {
            const row = results.find((result) => result.caseIndex === index && result.arm === arm);
            return row ? presentAnswer(row) : null;
          });
          const [first, second] = answers;
          const isDifferent =
            first != null &&
            second != null &&
            (first.isPassed !== second.isPassed || first.isHandoff !== second.isHandoff);
          if (query.onlyDifferent && !isDifferent) continue;
          const { id: caseId, note: _note, ...rest } = run.cases[index]!;
          items.push({
            index,
            caseId,
            ...rest,
            messages: [...rest.messages],
            expectedSources: [...rest.expectedSources],
            mustInclude: [...rest.mustInclude],
            mustNotInclude: [...rest.mustNotInclude],
            answers,
            isDifferent,
          });
        }
      }
      return { items, nextFrom: index < run.cases.length ? index : null };
    },

    /** Stops a run: a queued one at once, a running one once the cases under way are answered. */
    async stop(actor: Actor, id: string): Promise<RunView> {
      const run = await findRun(actor, id);
      if (!(await repository.requestStop(db, actor.tenantId, id))) return view(run);
      if (run.status === 'queued') {
        // Only if no node has started it meanwhile: that node ends it, once its cases under way are answered.
        const end = { status: 'stopped' as const, summary: summariseRun(run.arms, run.cases.length, []), error: null };
        await endRun({ db, repository, events: deps.events }, run, end, ['queued']);
      }
      return view((await repository.findRun(db, actor.tenantId, id))!);
    },
  };
}

export type EvaluationRunsService = ReturnType<typeof createEvaluationRunsService>;
