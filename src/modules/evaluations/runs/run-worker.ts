import type { Database } from '../../../platform/db/client.js';
import { transaction } from '../../../platform/db/after-commit.js';
import type { EvaluationArmSummary, EvaluationRunStatus } from '../../../platform/db/schema/index.js';
import { AppError } from '../../../platform/errors.js';
import type { JobContext, JobQueue } from '../../../platform/jobs/index.js';
import type { Logger } from '../../../platform/logger.js';
import type { WebhookEvents } from '../../webhooks/index.js';
import { answerCase, type CaseAnswerDeps } from './case-answer.js';
import { checkAnswer } from './case-checks.js';
import type { EvaluationRunRow, EvaluationRunsRepository } from './evaluation-runs.repository.js';
import { presentRun } from './evaluation-runs.schemas.js';
import { judgeAnswer } from './judge.js';
import { summariseRun } from './run-summary.js';

export const runJobName = 'evaluation-run';

export interface RunJob {
  readonly tenantId: string;
  readonly runId: string;
}

/**
 * Queues a run's job, once: a run's id is its job's key, so the sweep of runs left queued (a node that
 * died between storing the run and queueing its job) adds none beside a job still waiting.
 */
export const sendRunJob = (jobs: Pick<JobQueue, 'send'>, job: RunJob) =>
  jobs.send<RunJob>(runJobName, job, { singletonKey: job.runId, isSkippedWhileRetrying: true });

/**
 * Ends a run still going (or, given `from`, still in one of those states) with its totals, and announces
 * it (`evaluation.completed`) in the same transaction; nothing when another node or a stop ended it first.
 */
export async function endRun(
  deps: { db: Database; repository: EvaluationRunsRepository; events: Pick<WebhookEvents, 'emit'> },
  run: EvaluationRunRow,
  end: { status: EvaluationRunStatus; summary: EvaluationArmSummary[]; error: string | null },
  from?: readonly EvaluationRunStatus[],
): Promise<void> {
  await transaction(deps.db, async (tx) => {
    const ended = await deps.repository.finish(tx, run.tenantId, run.id, end, from);
    if (!ended) return;
    const done = end.summary.reduce((sum, arm) => sum + arm.answered + arm.failed, 0);
    await deps.events.emit(
      tx,
      run.tenantId,
      'evaluation.completed',
      { run: presentRun(ended, done, end.summary) },
      { key: run.id },
    );
  });
}

/** Retries of a run whose node died or whose database went away; each answers only what is left. */
export const runRetryLimit = 5;

export interface RunWorkerDeps {
  readonly db: Database;
  readonly repository: EvaluationRunsRepository;
  readonly answering: CaseAnswerDeps;
  readonly events: Pick<WebhookEvents, 'emit'>;
  readonly logger: Pick<Logger, 'warn'>;
  /** Model calls one run makes at once. */
  readonly casesAtOnce: number;
}

/** A stop is read from the run's row at most this often while cases are answered. */
const stopCheckMs = 1_000;

const isGoing = (status: EvaluationRunStatus) => status === 'queued' || status === 'running';

/**
 * Runs an evaluation as one job: every (case, arm) pair without a result is answered, checked, judged if
 * the run has a judge, and written once. A node that dies mid-run loses only the pairs it was answering:
 * its job goes to its retry (job leases) and the next node answers what has no result yet. A stop is
 * read between pairs; the pairs under way finish. The run ends with its summary and `evaluation.completed`.
 */
export function createRunWorker(deps: RunWorkerDeps) {
  const { db, repository } = deps;

  async function end(run: EvaluationRunRow, status: EvaluationRunStatus, error: string | null): Promise<void> {
    const results = await repository.results(db, run.tenantId, run.id);
    const summary = summariseRun(run.arms, run.cases.length, results);
    await endRun({ db, repository, events: deps.events }, run, { status, summary, error });
  }

  async function answerPairs(run: EvaluationRunRow, job: JobContext): Promise<string | null> {
    const answered = await repository.answeredPairs(db, run.tenantId, run.id);
    const pending = run.cases.flatMap((_, caseIndex) =>
      run.arms.flatMap((__, arm) => (answered.has(`${caseIndex}:${arm}`) ? [] : [{ caseIndex, arm }])),
    );
    const subject = { tenantId: run.tenantId, userId: run.createdBy, agentId: run.agentId };
    let isStopped = run.isStopRequested;
    let stopCheckedAt = Date.now();
    let fatal: string | null = null;
    const shouldStop = async () => {
      if (fatal !== null || job.signal.aborted || isStopped) return true;
      if (Date.now() - stopCheckedAt >= stopCheckMs) {
        stopCheckedAt = Date.now();
        isStopped = await repository.isStopRequested(db, run.tenantId, run.id);
      }
      return isStopped;
    };
    let next = 0;
    const lane = async () => {
      while (next < pending.length && !(await shouldStop())) {
        const { caseIndex, arm } = pending[next++]!;
        const evaluationCase = run.cases[caseIndex]!;
        try {
          const answer = await answerCase(deps.answering, subject, run.arms[arm]!, evaluationCase, job.signal);
          // Cut short by this node stopping: answered again by the job's retry, not stored half-written.
          if (job.signal.aborted) return;
          const judgement =
            run.judgeModel && answer.error === null
              ? await judgeAnswer(deps.answering, subject, run.judgeModel, evaluationCase, answer, job.signal)
              : null;
          const { checks, isPassed } =
            answer.error === null ? checkAnswer(evaluationCase, answer) : { checks: {}, isPassed: false };
          await repository.insertResult(db, {
            tenantId: run.tenantId,
            runId: run.id,
            caseIndex,
            arm,
            answer: answer.text,
            citations: [...answer.citations],
            isHandoff: answer.isHandoff,
            inputTokens: answer.inputTokens,
            outputTokens: answer.outputTokens,
            costMicros: answer.costMicros,
            latencyMs: answer.latencyMs,
            checks,
            isPassed,
            judgement,
            error: answer.error,
          });
        } catch (error) {
          // A budget used up (429) or a model no longer served (400): every case left would fail the same way.
          if (error instanceof AppError && error.status < 500) fatal ??= error.message;
          else throw error;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(deps.casesAtOnce, Math.max(pending.length, 1)) }, lane));
    return fatal;
  }

  return async function runEvaluation(data: RunJob, job: JobContext): Promise<void> {
    const run = await repository.findRun(db, data.tenantId, data.runId);
    if (!run || !isGoing(run.status)) return;
    try {
      if (!(await repository.markRunning(db, run.tenantId, run.id))) return;
      const fatal = await answerPairs(run, job);
      if (job.signal.aborted) throw new Error('This node stopped during the run; its retry answers the cases left');
      const isStopped = await repository.isStopRequested(db, run.tenantId, run.id);
      await end(run, fatal !== null ? 'failed' : isStopped ? 'stopped' : 'completed', fatal);
    } catch (error) {
      if (job.retryCount < runRetryLimit) throw error;
      deps.logger.warn(
        { err: error, runId: run.id, tenantId: run.tenantId },
        'An evaluation run failed on its last try',
      );
      await end(run, 'failed', 'The run failed on every try; the server log says why. Start it again');
    }
  };
}
