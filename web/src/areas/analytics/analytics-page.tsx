import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useServices } from '../../app-context';
import { ErrorNotice } from '../../ui/error-notice';
import {
  defaultFilters,
  overviewQuery,
  type AnalyticsFilters,
  type AnalyticsOverview,
  type PathSpend,
} from './analytics-api';
import { AnalyticsFiltersBar } from './analytics-filters';
import { CsatSection } from './csat-section';
import { ReplyTargetsSection } from './reply-targets-section';
import { ThemeChart } from './theme-chart';

const count = (value: number) => value.toLocaleString();
const percent = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(1)}%`);
const usd = (value: number | null) => (value === null ? 'no price' : `$${value.toFixed(value < 1 ? 4 : 2)}`);
function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** The analytics dashboard: filters, the figures, charts of the series, tokens by model, and a CSV export. */
export function AnalyticsPage() {
  const { api, authedFetch } = useServices();
  const [filters, setFilters] = useState<AnalyticsFilters>(defaultFilters);
  const query = overviewQuery(filters);
  const overview = useQuery({
    queryKey: ['analytics', query],
    queryFn: () => api.get<AnalyticsOverview>(`/v1/analytics/overview?${query}`),
  });
  const [exportError, setExportError] = useState<unknown>(null);

  async function exportCsv() {
    setExportError(null);
    try {
      const response = await authedFetch(`/v1/analytics/overview?${query}`, { headers: { accept: 'text/csv' } });
      if (!response.ok) throw new Error(`The export failed (${response.status})`);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(await response.blob());
      link.download = `parley-analytics-${filters.from}-to-${filters.to}-by-${filters.bucket}.csv`;
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (error) {
      setExportError(error);
    }
  }

  return (
    <section className="stack analytics" aria-labelledby="analytics-heading">
      <div className="analytics-header">
        <h1 id="analytics-heading">Analytics</h1>
        <button type="button" onClick={() => void exportCsv()}>
          Export CSV
        </button>
      </div>
      <AnalyticsFiltersBar filters={filters} onChange={setFilters} />
      {exportError ? <ErrorNotice error={exportError} /> : null}
      {overview.error ? <ErrorNotice error={overview.error} /> : null}
      {overview.isPending ? <p className="muted">Counting…</p> : null}
      {overview.data ? <OverviewView overview={overview.data} /> : null}
      <CsatSection filters={filters} />
      <ReplyTargetsSection filters={filters} />
    </section>
  );
}

function Figure(props: { label: string; value: string; note?: string }) {
  return (
    <div className="analytics-figure">
      <dt>{props.label}</dt>
      <dd>
        {props.value}
        {props.note ? <span className="muted"> {props.note}</span> : null}
      </dd>
    </div>
  );
}

function OverviewView({ overview }: { overview: AnalyticsOverview }) {
  const { totals, series } = overview;
  const labels = useMemo(() => series.map((point) => point.start), [series]);
  const messageSeries = useMemo(
    () => [
      { label: 'Users and contacts', values: series.map((point) => point.userMessages), colorVariable: '--accent' },
      { label: 'AI', values: series.map((point) => point.aiMessages), colorVariable: '--muted' },
      { label: 'Operators', values: series.map((point) => point.operatorMessages), colorVariable: '--danger' },
    ],
    [series],
  );
  const supportSeries = useMemo(
    () => [
      { label: 'Conversations', values: series.map((point) => point.conversations), colorVariable: '--accent' },
      { label: 'Handed to a person', values: series.map((point) => point.handedOff), colorVariable: '--danger' },
      { label: 'Resolved by AI alone', values: series.map((point) => point.aiResolved), colorVariable: '--muted' },
    ],
    [series],
  );
  const tokenSeries = useMemo(
    () => [
      { label: 'Tokens in', values: series.map((point) => point.inputTokens), colorVariable: '--accent' },
      { label: 'Tokens out', values: series.map((point) => point.outputTokens), colorVariable: '--muted' },
    ],
    [series],
  );
  const csat = totals.csat.distribution;
  const csatSeries = useMemo(
    () => [{ label: 'Ratings', values: [csat[1], csat[2], csat[3], csat[4], csat[5]], colorVariable: '--accent' }],
    [csat],
  );
  return (
    <>
      <dl className="analytics-figures">
        <Figure label="Conversations" value={count(totals.conversations)} />
        <Figure label="Messages" value={count(totals.messages.total)} />
        <Figure label="Active users" value={count(totals.activeUsers)} />
        <Figure label="Active contacts" value={count(totals.activeContacts)} />
        <Figure
          label="Resolved by AI alone"
          value={percent(totals.aiResolvedRate)}
          note={`(${count(totals.aiResolved)})`}
        />
        <Figure label="Handoff rate" value={percent(totals.handoffRate)} note={`(${count(totals.handedOff)})`} />
        <Figure
          label="AI first response p50 / p90"
          value={`${duration(totals.firstResponseAi.p50Ms)} / ${duration(totals.firstResponseAi.p90Ms)}`}
        />
        <Figure
          label="Human first response p50 / p90"
          value={`${duration(totals.firstResponseHuman.p50Ms)} / ${duration(totals.firstResponseHuman.p90Ms)}`}
        />
        <Figure
          label="Resolution p50 / p90"
          value={`${duration(totals.resolution.p50Ms)} / ${duration(totals.resolution.p90Ms)}`}
        />
        <Figure
          label="CSAT"
          value={totals.csat.average === null ? '—' : totals.csat.average.toFixed(2)}
          note={`(${count(totals.csat.ratings)} ratings)`}
        />
        <Figure label="Tokens in / out" value={`${count(totals.tokens.input)} / ${count(totals.tokens.output)}`} />
        <Figure
          label="Cost"
          value={usd(totals.costUsd)}
          note={totals.unpricedTokens > 0 ? `(+${count(totals.unpricedTokens)} unpriced tokens)` : undefined}
        />
        <Figure label="Knowledge searches" value={count(totals.knowledge.queries)} />
        <Figure label="Found nothing" value={percent(totals.knowledge.foundNothingRate)} />
        <Figure label="Replies that cited" value={percent(totals.knowledge.citedRate)} />
        <Figure
          label="Tool calls / failures"
          value={`${count(totals.tools.calls)} / ${count(totals.tools.failures)}`}
        />
      </dl>
      <div className="analytics-charts">
        <ThemeChart kind="bar" title="Messages" labels={labels} series={messageSeries} />
        <ThemeChart kind="line" title="Conversations and handoffs" labels={labels} series={supportSeries} />
        <ThemeChart kind="bar" title="Tokens" labels={labels} series={tokenSeries} />
        <ThemeChart kind="bar" title="CSAT ratings" labels={['1', '2', '3', '4', '5']} series={csatSeries} />
      </div>
      <table className="analytics-models">
        <caption>Tokens and cost by model</caption>
        <thead>
          <tr>
            <th scope="col">Provider</th>
            <th scope="col">Model</th>
            <th scope="col">Replies</th>
            <SpendHeaders />
          </tr>
        </thead>
        <tbody>
          {overview.models.map((model) => (
            <tr key={`${model.provider}:${model.model}`}>
              <td>
                {model.provider}
                {model.providerKind ? <span className="muted"> ({model.providerKind})</span> : null}
              </td>
              <td>{model.model}</td>
              <td>{count(model.replies)}</td>
              <SpendCells spend={model} />
            </tr>
          ))}
        </tbody>
      </table>
      <table className="analytics-models analytics-paths">
        <caption>Spend by path</caption>
        <thead>
          <tr>
            <th scope="col">Path</th>
            <SpendHeaders />
          </tr>
        </thead>
        <tbody>
          {overview.totals.spendByPath.map((spend) => (
            <tr key={spend.path}>
              <td>{pathLabels[spend.path] ?? spend.path}</td>
              <SpendCells spend={spend} />
            </tr>
          ))}
        </tbody>
      </table>
      {overview.totals.spendByVersion.length > 0 && (
        <table className="analytics-models analytics-paths">
          <caption>Spend by version of the agent</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Of the calls, evaluation runs</th>
              <SpendHeaders />
            </tr>
          </thead>
          <tbody>
            {overview.totals.spendByVersion.map((spend) => (
              <tr key={spend.version}>
                <td>Version {spend.version}</td>
                <td>{count(spend.evaluationCalls)}</td>
                <SpendCells spend={spend} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** The columns both spend tables share: a model's or a path's calls, tokens and cost. */
function SpendHeaders() {
  return (
    <>
      <th scope="col">Calls</th>
      <th scope="col">Tokens in</th>
      <th scope="col">Tokens out</th>
      <th scope="col">Cost</th>
    </>
  );
}

function SpendCells({
  spend,
}: {
  spend: Pick<PathSpend, 'calls' | 'inputTokens' | 'outputTokens'> & { costUsd: number | null };
}) {
  return (
    <>
      <td>{count(spend.calls)}</td>
      <td>{count(spend.inputTokens)}</td>
      <td>{count(spend.outputTokens)}</td>
      <td>{usd(spend.costUsd)}</td>
    </>
  );
}

/** What each path of the usage ledger is, as an administrator reads it. */
const pathLabels: Record<string, string> = {
  chat: 'Chat replies',
  support: 'Support answers',
  openai_api: 'OpenAI-compatible API',
  title: 'Conversation titles',
  summary: 'Summaries',
  memory: 'Memory',
  personality: 'Personality suggestions',
  proactive: 'Proactive messages',
  handoff_summary: 'Handoff summaries',
  reply_suggestion: 'Reply suggestions',
  embedding: 'Indexing (embeddings)',
  query_embedding: 'Search queries (embeddings)',
  rerank: 'Reranking',
  transcription: 'Audio transcription',
  evaluation: 'Evaluation runs',
};
