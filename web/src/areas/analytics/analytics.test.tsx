import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, pageOf, renderArea } from '../../ui/test-harness';
import { analyticsArea } from './analytics-area';
import type { AnalyticsOverview } from './analytics-api';
import type { CsatReport, LowRatingsPage } from './csat-api';
import type { ReplyTargetsReport } from './reply-targets-section';

afterEach(cleanup);

const percentiles = { count: 2, p50Ms: 4000, p90Ms: 90_000 };
const overview: AnalyticsOverview = {
  range: { from: '2026-03-02', to: '2026-03-03', bucket: 'day' },
  totals: {
    conversations: 12,
    messages: { total: 40, user: 20, ai: 18, operator: 2 },
    activeUsers: 3,
    activeContacts: 5,
    supportConversations: 8,
    aiResolved: 6,
    aiResolvedRate: 0.75,
    handedOff: 2,
    handoffRate: 0.25,
    firstResponseAi: percentiles,
    firstResponseHuman: percentiles,
    resolution: percentiles,
    csat: { ratings: 4, average: 4.25, distribution: { 1: 0, 2: 0, 3: 1, 4: 1, 5: 2 } },
    modelCalls: 25,
    tokens: { input: 12000, output: 3400 },
    costUsd: 0.0123,
    unpricedTokens: 0,
    spendByPath: [
      { path: 'chat', calls: 18, inputTokens: 11000, outputTokens: 3000, costUsd: 0.0113 },
      { path: 'summary', calls: 7, inputTokens: 1000, outputTokens: 400, costUsd: 0.001 },
    ],
    spendByVersion: [
      { version: 3, calls: 12, evaluationCalls: 12, inputTokens: 6000, outputTokens: 1500, costUsd: 0.006 },
      { version: 2, calls: 13, evaluationCalls: 4, inputTokens: 6000, outputTokens: 1900, costUsd: 0.0063 },
    ],
    knowledge: { queries: 10, foundNothing: 1, foundNothingRate: 0.1, cited: 7, citedRate: 0.7 },
    tools: { calls: 5, failures: 1, failureRate: 0.2 },
  },
  models: [
    {
      provider: 'acme',
      providerKind: 'openai',
      model: 'gpt-4o-mini',
      replies: 18,
      calls: 25,
      inputTokens: 12000,
      outputTokens: 3400,
      costUsd: 0.0123,
    },
  ],
  series: ['2026-03-02', '2026-03-03'].map((start) => ({
    start,
    conversations: 6,
    userMessages: 10,
    aiMessages: 9,
    operatorMessages: 1,
    supportConversations: 4,
    handedOff: 1,
    aiResolved: 3,
    ratings: 2,
    csatAverage: 4.25,
    inputTokens: 6000,
    outputTokens: 1700,
    costUsd: 0.00615,
    knowledgeQueries: 5,
    toolCalls: 2,
    toolFailures: 0,
  })),
};

const figures = { ratings: 3, average: 3.1, satisfiedShare: 0.333 };
function csatReport(groupBy: CsatReport['range']['groupBy']): CsatReport {
  return {
    range: { from: '2026-03-02', to: '2026-03-03', interval: 'day', groupBy, inboxId: null },
    satisfiedFrom: 4,
    totals: figures,
    groups: [
      {
        key: groupBy === 'label' ? 'billing' : 'g1',
        name: groupBy === 'label' ? 'billing' : 'Olive',
        ...figures,
        series: [{ start: '2026-03-02', ...figures }],
      },
    ],
  };
}
const lowRatings: LowRatingsPage = {
  items: [
    {
      supportConversationId: 's1',
      rating: 1,
      comment: 'Nobody answered my refund question',
      contact: { id: 'c1', name: 'Gentle Otter' },
      operator: { id: 'u1', name: 'Olive' },
      inbox: { id: 'i1', name: 'Website' },
      labels: ['refunds'],
      ratedAt: '2026-03-02T10:00:00.000Z',
    },
  ],
  nextCursor: null,
};

const targetFigures = (met: number, missed: number) => ({
  met,
  missed,
  metRate: met + missed === 0 ? null : met / (met + missed),
});
function replyTargetsReport(groupBy: ReplyTargetsReport['range']['groupBy']): ReplyTargetsReport {
  const billing = {
    firstResponse: targetFigures(3, 1),
    nextResponse: targetFigures(2, 2),
    resolution: targetFigures(1, 0),
  };
  return {
    range: { from: '2026-03-02', to: '2026-03-03', groupBy, inboxId: null, teamId: null },
    totals: billing,
    groups: [{ key: groupBy === 'team' ? 't1' : 'u1', name: groupBy === 'team' ? 'Billing' : 'Olive', ...billing }],
  };
}

function server(role: 'tenant_admin' | 'operator' = 'tenant_admin') {
  return fakeApi(
    {
      'GET /v1/analytics/overview': () => Response.json(overview),
      'GET /v1/analytics/csat': (call) =>
        Response.json(csatReport(new URLSearchParams(call.search).get('groupBy') as 'operator' | 'label')),
      'GET /v1/analytics/csat/low-ratings': () => Response.json(lowRatings),
      'GET /v1/analytics/reply-targets': (call) =>
        Response.json(replyTargetsReport(new URLSearchParams(call.search).get('groupBy') as 'team' | 'operator')),
      'GET /v1/agents': () => pageOf([{ id: 'a1', name: 'Helper' }]),
      'GET /v1/inboxes': () => pageOf([{ id: 'i1', name: 'Website' }]),
      'GET /v1/users': () => pageOf([{ id: 'u1', email: 'op@example.test', displayName: 'Olive', role: 'operator' }]),
    },
    { role },
  );
}

describe('Analytics dashboard', () => {
  it("shows the overview's figures, six charts, the cost by model and by path", async () => {
    await renderArea(analyticsArea.element, {
      fetchImpl: server().fetchImpl,
      areaPath: '/analytics',
      path: '/analytics',
    });
    expect(await screen.findByText('75.0%')).toBeTruthy();
    expect(screen.getByText('25.0%')).toBeTruthy();
    expect(screen.getAllByText('4.0 s / 1.5 min')).toHaveLength(3);
    expect(screen.getByText('4.25')).toBeTruthy();
    expect(screen.getByText('gpt-4o-mini')).toBeTruthy();
    expect(await screen.findByRole('img', { name: 'Average rating by operator' })).toBeTruthy();
    expect(await screen.findByRole('img', { name: 'Targets met by team' })).toBeTruthy();
    expect(screen.getAllByRole('img')).toHaveLength(6);
    const paths = screen.getByRole('table', { name: 'Spend by path' });
    expect(within(paths).getByText('Summaries').closest('tr')?.textContent).toContain('7');
    expect(within(paths).getByText('Chat replies')).toBeTruthy();
    const versions = screen.getByRole('table', { name: 'Spend by version of the agent' });
    expect(within(versions).getByText('Version 2').closest('tr')?.textContent).toContain('13');
  });

  it('asks again with the chosen filters', async () => {
    const api = server();
    await renderArea(analyticsArea.element, { fetchImpl: api.fetchImpl, areaPath: '/analytics', path: '/analytics' });
    await screen.findByText('75.0%');
    await screen.findByRole('option', { name: 'Website' });
    fireEvent.change(screen.getByLabelText('Inbox'), { target: { value: 'i1' } });
    fireEvent.change(screen.getByLabelText('By'), { target: { value: 'week' } });
    await waitFor(() => {
      const urls = api.calls.filter((call) => call.path === '/v1/analytics/overview').map((call) => call.search);
      expect(urls.at(-1)).toContain('inboxId=i1');
      expect(urls.at(-1)).toContain('bucket=week');
    });
  });

  it('shows CSAT by the chosen grouping and the low ratings, each a link to its conversation', async () => {
    const api = server();
    await renderArea(analyticsArea.element, { fetchImpl: api.fetchImpl, areaPath: '/analytics', path: '/analytics' });
    const byOperator = await screen.findByRole('table', { name: 'CSAT by operator' });
    expect(within(byOperator).getByText('Olive').closest('tr')?.textContent).toContain('33%');
    const low = await screen.findByRole('list', { name: 'Low ratings' });
    expect(within(low).getByText('Nobody answered my refund question')).toBeTruthy();
    expect(within(low).getByRole('link').getAttribute('href')).toBe('/inbox/s1');
    fireEvent.change(screen.getByLabelText('Group by'), { target: { value: 'label' } });
    expect(await screen.findByRole('table', { name: 'CSAT by label' })).toBeTruthy();
    const asked = api.calls.filter((call) => call.path === '/v1/analytics/csat').map((call) => call.search);
    expect(asked.at(-1)).toContain('groupBy=label');
  });

  it('shows reply-time targets met and missed by team, and by operator when asked', async () => {
    const api = server();
    await renderArea(analyticsArea.element, { fetchImpl: api.fetchImpl, areaPath: '/analytics', path: '/analytics' });
    const byTeam = await screen.findByRole('table', { name: 'Reply-time targets by team' });
    const billing = within(byTeam).getByText('Billing').closest('tr')?.textContent;
    expect(billing).toContain('3 met, 1 missed (75%)');
    expect(billing).toContain('2 met, 2 missed (50%)');
    const totals = screen.getByRole('list', { name: 'Reply-time targets in total' });
    expect(within(totals).getByText('Resolution: 1 met, 0 missed (100%)')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Targets by'), { target: { value: 'operator' } });
    const byOperator = await screen.findByRole('table', { name: 'Reply-time targets by operator' });
    expect(within(byOperator).getByText('Olive')).toBeTruthy();
    const asked = api.calls.filter((call) => call.path === '/v1/analytics/reply-targets').map((call) => call.search);
    expect(asked.at(-1)).toContain('groupBy=operator');
  });

  it('shows an operator their own ratings only: no dashboard, no filters of others', async () => {
    const api = server('operator');
    await renderArea(analyticsArea.element, { fetchImpl: api.fetchImpl, areaPath: '/analytics', path: '/analytics' });
    expect(await screen.findByRole('heading', { name: 'Your ratings' })).toBeTruthy();
    expect(await screen.findByRole('table', { name: 'CSAT by operator' })).toBeTruthy();
    expect(await screen.findByRole('list', { name: 'Low ratings' })).toBeTruthy();
    expect(screen.queryByLabelText('Operator')).toBeNull();
    expect(api.callsTo('GET', '/v1/analytics/overview')).toHaveLength(0);
    expect(api.callsTo('GET', '/v1/users')).toHaveLength(0);
  });
});
