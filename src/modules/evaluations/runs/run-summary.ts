import type { EvaluationArm, EvaluationArmSummary } from '../../../platform/db/schema/index.js';
import type { EvaluationResultRow } from './evaluation-runs.repository.js';

const checkNames = ['citations', 'words', 'handoff', 'length'] as const;

const average = (values: readonly number[]) =>
  values.length === 0 ? null : Math.round((values.reduce((sum, value) => sum + value, 0) / values.length) * 100) / 100;

/**
 * Each arm's totals over its results: the share of the run's cases that passed (a case not answered,
 * or answered with an error, counts as not passed), each check's passes of the answers it was asked
 * of, tokens, cost (null once any call had no price) and the judge's mean scores.
 */
export function summariseRun(
  arms: readonly EvaluationArm[],
  caseCount: number,
  results: readonly Pick<
    EvaluationResultRow,
    | 'arm'
    | 'isPassed'
    | 'checks'
    | 'isHandoff'
    | 'inputTokens'
    | 'outputTokens'
    | 'costMicros'
    | 'latencyMs'
    | 'judgement'
    | 'error'
  >[],
): EvaluationArmSummary[] {
  return arms.map((arm, index) => {
    const own = results.filter((result) => result.arm === index);
    const answered = own.filter((result) => result.error === null);
    const passed = answered.filter((result) => result.isPassed).length;
    const checks = Object.fromEntries(
      checkNames.map((name) => {
        const asked = answered.filter((result) => result.checks[name] !== undefined);
        return [name, { asked: asked.length, passed: asked.filter((result) => result.checks[name]).length }];
      }),
    ) as EvaluationArmSummary['checks'];
    const judged = own.flatMap((result) => (result.judgement ? [result.judgement] : []));
    const costs = [...own.map((result) => result.costMicros), ...judged.map((judgement) => judgement.costMicros)];
    return {
      arm: index,
      version: arm.version,
      model: arm.model,
      answered: answered.length,
      failed: own.length - answered.length,
      passed,
      passRate: caseCount === 0 ? 0 : Math.round((passed / caseCount) * 10_000) / 10_000,
      checks,
      handoffs: answered.filter((result) => result.isHandoff).length,
      inputTokens: own.reduce((sum, result) => sum + result.inputTokens, 0),
      outputTokens: own.reduce((sum, result) => sum + result.outputTokens, 0),
      costMicros: costs.some((cost) => cost === null)
        ? null
        : costs.reduce<number>((sum, cost) => sum + (cost ?? 0), 0),
      averageLatencyMs: average(answered.map((result) => result.latencyMs)),
      judge:
        judged.length === 0
          ? null
          : {
              faithfulness: average(
                judged.flatMap((judgement) => (judgement.faithfulness === null ? [] : [judgement.faithfulness])),
              ),
              relevance: average(
                judged.flatMap((judgement) => (judgement.relevance === null ? [] : [judgement.relevance])),
              ),
              costMicros: judged.some((judgement) => judgement.costMicros === null)
                ? null
                : judged.reduce((sum, judgement) => sum + (judgement.costMicros ?? 0), 0),
            },
    };
  });
}
