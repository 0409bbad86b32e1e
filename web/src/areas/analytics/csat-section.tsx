import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import { formatDateTime } from '../../ui/format';
import type { AnalyticsFilters } from './analytics-api';
import { csatQuery, type CsatGrouping, type CsatReport, type LowRatingsPage } from './csat-api';
import { ThemeChart } from './theme-chart';

/** The theme's colours a chart may use, one a group; the table below the chart lists every group. */
const groupColors = ['--accent', '--danger', '--ok', '--warn', '--hl-keyword', '--hl-string', '--hl-number', '--muted'];
const groupingLabels: Record<CsatGrouping, string> = { operator: 'Operator', inbox: 'Inbox', label: 'Label' };
const average = (value: number | null) => (value === null ? '—' : value.toFixed(2));
const share = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)}%`);

/** CSAT over the dashboard's range: by operator, inbox or label, and the low ratings to open. */
export function CsatSection({ filters }: { filters: AnalyticsFilters }) {
  const { api } = useServices();
  const [groupBy, setGroupBy] = useState<CsatGrouping>('operator');
  const params = csatQuery(filters);
  const reportParams = new URLSearchParams(params);
  reportParams.set('groupBy', groupBy);
  reportParams.set('interval', filters.bucket);
  const report = useQuery({
    queryKey: ['analytics-csat', reportParams.toString()],
    queryFn: () => api.get<CsatReport>(`/v1/analytics/csat?${reportParams.toString()}`),
  });
  return (
    <section className="stack analytics-csat" aria-labelledby="csat-heading">
      <div className="analytics-header">
        <h2 id="csat-heading">Customer satisfaction</h2>
        <label>
          Group by{' '}
          <select value={groupBy} onChange={(event) => setGroupBy(event.target.value as CsatGrouping)}>
            {Object.entries(groupingLabels).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {report.error ? <ErrorNotice error={report.error} /> : null}
      {report.data ? <CsatGroups report={report.data} /> : null}
      <LowRatings params={params} />
    </section>
  );
}

function CsatGroups({ report }: { report: CsatReport }) {
  const label = groupingLabels[report.range.groupBy];
  const labels = useMemo(
    () => [...new Set(report.groups.flatMap((group) => group.series.map((point) => point.start)))].sort(),
    [report],
  );
  const series = useMemo(
    () =>
      report.groups.slice(0, groupColors.length).map((group, index) => {
        const byStart = new Map(group.series.map((point) => [point.start, point.average]));
        return {
          label: group.name,
          values: labels.map((start) => byStart.get(start) ?? null),
          colorVariable: groupColors[index]!,
        };
      }),
    [report, labels],
  );
  if (report.totals.ratings === 0) return <p className="muted">No ratings in this range.</p>;
  return (
    <>
      <p>
        {report.totals.ratings.toLocaleString()} ratings, average {average(report.totals.average)},{' '}
        {share(report.totals.satisfiedShare)} satisfied (rated {report.satisfiedFrom} or 5).
      </p>
      <div className="analytics-charts">
        <ThemeChart kind="line" title={`Average rating by ${label.toLowerCase()}`} labels={labels} series={series} />
      </div>
      <table className="analytics-models">
        <caption>CSAT by {label.toLowerCase()}</caption>
        <thead>
          <tr>
            <th scope="col">{label}</th>
            <th scope="col">Ratings</th>
            <th scope="col">Average</th>
            <th scope="col">Satisfied</th>
          </tr>
        </thead>
        <tbody>
          {report.groups.map((group) => (
            <tr key={group.key ?? ''}>
              <td>{group.name}</td>
              <td>{group.ratings.toLocaleString()}</td>
              <td>{average(group.average)}</td>
              <td>{share(group.satisfiedShare)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Ratings of 1 and 2, newest first, each opening its conversation in the Inbox. */
function LowRatings({ params }: { params: URLSearchParams }) {
  const { api } = useServices();
  const query = useInfiniteQuery({
    queryKey: ['analytics-low-ratings', params.toString()],
    queryFn: ({ pageParam }) => {
      const page = new URLSearchParams(params);
      page.set('limit', '20');
      if (pageParam) page.set('cursor', pageParam);
      return api.get<LowRatingsPage>(`/v1/analytics/csat/low-ratings?${page.toString()}`);
    },
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = query.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <div className="stack">
      <h3>Low ratings</h3>
      {query.error ? <ErrorNotice error={query.error} /> : null}
      {query.data && items.length === 0 ? <p className="muted">No ratings of 1 or 2 in this range.</p> : null}
      <ul className="low-ratings" aria-label="Low ratings">
        {items.map((item) => (
          <li key={item.supportConversationId}>
            <Link to={`/inbox/${item.supportConversationId}`}>
              <strong>{item.rating} / 5</strong> {item.contact.name}
            </Link>{' '}
            <span className="muted">
              {formatDateTime(item.ratedAt)} · {item.inbox.name} · {item.operator?.name ?? 'AI alone'}
              {item.labels.length > 0 ? ` · ${item.labels.join(', ')}` : ''}
            </span>
            {item.comment ? <p className="low-rating-comment">{item.comment}</p> : null}
          </li>
        ))}
      </ul>
      {query.hasNextPage ? (
        <button type="button" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          More low ratings
        </button>
      ) : null}
    </div>
  );
}
