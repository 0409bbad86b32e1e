import { formatLatency, formatPercent, formatScore, formatUsd } from '../evaluation-format';
import type { ArmSummary, CheckName, EvaluationRun } from '../evaluations-api';

/**
 * One line of the comparison: how an arm's figure reads, and (for two arms) how the second differs
 * from the first. An outcome (what was answered, not what it cost) whose arms read differently is
 * marked, in words as well as in colour: tokens and latency nearly always differ a little, and marking
 * them too would hide the lines that matter.
 */
interface Metric {
  label: string;
  isOutcome?: boolean;
  show: (arm: ArmSummary, caseCount: number) => string;
  /** The second arm minus the first, in the metric's unit; absent where a difference says nothing more. */
  difference?: (first: ArmSummary, second: ArmSummary) => string | null;
}

const signed = (value: number, text: string) => (value > 0 ? `+${text}` : value < 0 ? `−${text}` : 'same');
const count = (value: number) => value.toLocaleString('en');

function numberDifference(read: (arm: ArmSummary) => number | null, format: (value: number) => string) {
  return (first: ArmSummary, second: ArmSummary) => {
    const [a, b] = [read(first), read(second)];
    if (a === null || b === null) return null;
    return signed(b - a, format(Math.abs(b - a)));
  };
}

const checkLabels: Record<CheckName, string> = {
  citations: 'Cited the expected sources',
  words: 'Said and avoided the words',
  handoff: 'Handed over as expected',
  length: 'Kept within the length',
};

const checkMetric = (name: CheckName): Metric => ({
  label: checkLabels[name],
  isOutcome: true,
  show: (arm) =>
    arm.checks[name].asked === 0 ? 'not asked' : `${arm.checks[name].passed} of ${arm.checks[name].asked}`,
});

function metricsOf(run: EvaluationRun): Metric[] {
  const hasJudge = run.summary.some((arm) => arm.judge !== null);
  return [
    {
      label: 'Pass rate',
      isOutcome: true,
      show: (arm) => formatPercent(arm.passRate),
      difference: numberDifference(
        (arm) => arm.passRate,
        (value) => `${(value * 100).toFixed(1)} points`,
      ),
    },
    { label: 'Cases passed', isOutcome: true, show: (arm, caseCount) => `${arm.passed} of ${caseCount}` },
    ...(['citations', 'words', 'handoff', 'length'] as const).map(checkMetric),
    {
      label: 'Handoffs',
      show: (arm) => count(arm.handoffs),
      difference: numberDifference((arm) => arm.handoffs, count),
    },
    { label: 'Answers that failed with an error', show: (arm) => count(arm.failed) },
    {
      label: 'Input tokens',
      show: (arm) => count(arm.inputTokens),
      difference: numberDifference((arm) => arm.inputTokens, count),
    },
    {
      label: 'Output tokens',
      show: (arm) => count(arm.outputTokens),
      difference: numberDifference((arm) => arm.outputTokens, count),
    },
    {
      label: 'Cost',
      show: (arm) => formatUsd(arm.costMicros),
      difference: numberDifference((arm) => arm.costMicros, formatUsd),
    },
    {
      label: 'Average latency',
      show: (arm) => formatLatency(arm.averageLatencyMs),
      difference: numberDifference((arm) => arm.averageLatencyMs, formatLatency),
    },
    ...(hasJudge
      ? [
          {
            label: 'Judge: faithfulness',
            isOutcome: true,
            show: (arm: ArmSummary) => formatScore(arm.judge?.faithfulness ?? null),
          },
          {
            label: 'Judge: relevance',
            isOutcome: true,
            show: (arm: ArmSummary) => formatScore(arm.judge?.relevance ?? null),
          },
        ]
      : []),
  ];
}

/** Each arm's totals side by side, the lines where they differ marked, with the second's difference. */
export function RunSummaryTable({ run }: { run: EvaluationRun }) {
  const [first, second] = run.summary;
  const isComparison = first !== undefined && second !== undefined;
  return (
    <table className="evaluation-summary">
      <caption className="visually-hidden">Each arm&apos;s results</caption>
      <thead>
        <tr>
          <th scope="col">Measure</th>
          {run.summary.map((arm) => (
            <th key={arm.arm} scope="col">
              Version {arm.version} <span className="muted cell-break">on {arm.model}</span>
            </th>
          ))}
          {isComparison ? <th scope="col">Difference</th> : null}
        </tr>
      </thead>
      <tbody>
        {metricsOf(run).map((metric) => {
          const shown = run.summary.map((arm) => metric.show(arm, run.caseCount));
          const isDifferent = isComparison && shown[0] !== shown[1];
          const isMarked = isDifferent && metric.isOutcome === true;
          return (
            <tr key={metric.label} className={isMarked ? 'evaluation-differs' : undefined}>
              <th scope="row">
                {metric.label}
                {isMarked ? <span className="badge badge-warning evaluation-differs-badge">Differs</span> : null}
              </th>
              {shown.map((text, index) => (
                <td key={index}>{text}</td>
              ))}
              {isComparison ? <td>{isDifferent ? (metric.difference?.(first, second) ?? '') : ''}</td> : null}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
