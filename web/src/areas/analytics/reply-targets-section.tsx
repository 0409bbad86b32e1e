import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import type { AnalyticsFilters } from './analytics-api';
import { ThemeChart } from './theme-chart';

/** What `GET /v1/analytics/reply-targets` answers (docs/analytics.md). */
export type ReplyTargetGrouping = 'team' | 'inbox' | 'operator';
export interface TargetFigures {
  met: number;
  missed: number;
  metRate: number | null;
}
interface FiguresPerTarget {
  firstResponse: TargetFigures;
  nextResponse: TargetFigures;
  resolution: TargetFigures;
}
export interface ReplyTargetsReport {
  range: { from: string; to: string; groupBy: ReplyTargetGrouping; inboxId: string | null; teamId: string | null };
  totals: FiguresPerTarget;
  groups: (FiguresPerTarget & { key: string | null; name: string })[];
}

const groupingLabels: Record<ReplyTargetGrouping, string> = { team: 'Team', inbox: 'Inbox', operator: 'Operator' };
const targets: { key: keyof FiguresPerTarget; label: string; color: string }[] = [
  { key: 'firstResponse', label: 'First reply', color: '--accent' },
  { key: 'nextResponse', label: 'Next reply', color: '--warn' },
  { key: 'resolution', label: 'Resolution', color: '--ok' },
];
const rate = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)}%`);
const figuresText = (figures: TargetFigures) =>
  `${figures.met.toLocaleString()} met, ${figures.missed.toLocaleString()} missed (${rate(figures.metRate)})`;

/** Reply-time targets met and missed over the dashboard's range, by team, inbox or operator. */
export function ReplyTargetsSection({ filters }: { filters: AnalyticsFilters }) {
  const { api } = useServices();
  const [groupBy, setGroupBy] = useState<ReplyTargetGrouping>('team');
  const params = new URLSearchParams({ from: filters.from, to: filters.to, groupBy });
  if (filters.inboxId) params.set('inboxId', filters.inboxId);
  const report = useQuery({
    queryKey: ['analytics-reply-targets', params.toString()],
    queryFn: () => api.get<ReplyTargetsReport>(`/v1/analytics/reply-targets?${params.toString()}`),
  });
  return (
    <section className="stack analytics-reply-targets" aria-labelledby="reply-targets-heading">
      <div className="analytics-header">
        <h2 id="reply-targets-heading">Reply-time targets</h2>
        <label>
          Targets by{' '}
          <select value={groupBy} onChange={(event) => setGroupBy(event.target.value as ReplyTargetGrouping)}>
            {Object.entries(groupingLabels).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {report.error ? <ErrorNotice error={report.error} /> : null}
      {report.data ? <TargetGroups report={report.data} /> : null}
    </section>
  );
}

function TargetGroups({ report }: { report: ReplyTargetsReport }) {
  const label = groupingLabels[report.range.groupBy];
  const labels = useMemo(() => report.groups.map((group) => group.name), [report]);
  const series = useMemo(
    () =>
      targets.map((target) => ({
        label: `${target.label} met (%)`,
        values: report.groups.map((group) => {
          const metRate = group[target.key].metRate;
          return metRate === null ? null : Math.round(metRate * 100);
        }),
        colorVariable: target.color,
      })),
    [report],
  );
  const isEmpty = targets.every(({ key }) => report.totals[key].met + report.totals[key].missed === 0);
  if (isEmpty) return <p className="muted">No reply-time target came due in this range.</p>;
  return (
    <>
      <ul className="muted" aria-label="Reply-time targets in total">
        {targets.map((target) => (
          <li key={target.key}>
            {target.label}: {figuresText(report.totals[target.key])}
          </li>
        ))}
      </ul>
      <div className="analytics-charts">
        <ThemeChart kind="bar" title={`Targets met by ${label.toLowerCase()}`} labels={labels} series={series} />
      </div>
      <table className="analytics-models">
        <caption>Reply-time targets by {label.toLowerCase()}</caption>
        <thead>
          <tr>
            <th scope="col">{label}</th>
            {targets.map((target) => (
              <th key={target.key} scope="col">
                {target.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {report.groups.map((group) => (
            <tr key={group.key ?? ''}>
              <td>{group.name}</td>
              {targets.map((target) => (
                <td key={target.key}>{figuresText(group[target.key])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
