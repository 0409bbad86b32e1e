import { useMemo } from 'react';
import { ThemeChart, type ChartSeries } from '../../analytics/theme-chart';
import { formatPercent } from '../evaluation-format';
import type { EvaluationRun } from '../evaluations-api';

/** Lines take the theme's colours in turn; past the last, they start again. */
const lineColors = ['--accent', '--ok', '--warn', '--danger', '--muted'];

interface PassRates {
  versions: number[];
  /** Per set: its name and, per version, the pass rate of the newest completed run, or null. */
  sets: { key: string; name: string; rates: (number | null)[] }[];
}

/**
 * Each version's pass rate on each set, from completed runs only (a stopped run's cases were not all
 * answered). An arm on a model other than its version's says nothing about the version, so it is left
 * out; of several runs of one version on one set, the newest counts. Runs come newest first.
 */
export function passRatesByVersion(runs: readonly EvaluationRun[]): PassRates {
  // By the set's id: two sets may share a name. A deleted set's runs keep its name only.
  const newest = new Map<string, Map<number, number>>();
  const names = new Map<string, string>();
  for (const run of runs) {
    if (run.status !== 'completed') continue;
    const key = run.setId ?? `deleted ${run.setName}`;
    const bySet = newest.get(key) ?? new Map<number, number>();
    newest.set(key, bySet);
    names.set(key, run.setName);
    run.summary.forEach((arm, index) => {
      if (run.arms[index]?.isModelOverridden) return;
      if (!bySet.has(arm.version)) bySet.set(arm.version, arm.passRate);
    });
  }
  const versions = [...new Set([...newest.values()].flatMap((bySet) => [...bySet.keys()]))].sort((a, b) => a - b);
  const sets = [...newest.entries()]
    .filter(([, bySet]) => bySet.size > 0)
    .map(([key, bySet]) => ({
      key,
      name: names.get(key) ?? key,
      rates: versions.map((version) => bySet.get(version) ?? null),
    }));
  return { versions, sets };
}

/** The pass rate over the agent's versions, one line per set, with the same figures in a table. */
export function PassRateChart({ runs }: { runs: readonly EvaluationRun[] }) {
  const rates = useMemo(() => passRatesByVersion(runs), [runs]);
  const labels = useMemo(() => rates.versions.map((version) => `Version ${version}`), [rates]);
  const series = useMemo<ChartSeries[]>(
    () =>
      rates.sets.map((set, index) => ({
        label: set.name,
        values: set.rates.map((rate) => (rate === null ? null : Math.round(rate * 1000) / 10)),
        colorVariable: lineColors[index % lineColors.length] ?? '--accent',
      })),
    [rates],
  );
  if (rates.sets.length === 0) {
    return <p className="muted">The pass rate over versions shows here once a run has completed.</p>;
  }
  return (
    <div className="stack">
      <ThemeChart kind="line" title="Pass rate by version (%)" labels={labels} series={series} />
      <details>
        <summary>The pass rates as a table</summary>
        <table>
          <caption className="visually-hidden">Pass rate by version</caption>
          <thead>
            <tr>
              <th scope="col">Set</th>
              {labels.map((label) => (
                <th key={label} scope="col">
                  {label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rates.sets.map((set) => (
              <tr key={set.key}>
                <th scope="row">{set.name}</th>
                {set.rates.map((rate, index) => (
                  <td key={index}>{rate === null ? '—' : formatPercent(rate)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}
