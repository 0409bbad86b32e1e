import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeApi, problem, renderArea } from '../../../ui/test-harness';
import { administrationArea } from '../admin-area';
import type { TenantBudget } from './budgets-api';

afterEach(cleanup);

const budget: TenantBudget = {
  tenantId: 't1',
  monthlyTokens: 10_000,
  monthlyCost: null,
  dailyMessagesPerUser: 50,
  period: '2026-11',
  usage: { inputTokens: 6000, outputTokens: 2500, totalTokens: 8500, cost: 1.25, modelCalls: 40 },
  use: [
    { budget: 'monthly_tokens', used: 8500, limit: 10_000, percent: 85, resetsAt: '2026-12-01T00:00:00.000Z' },
    { budget: 'daily_messages', used: 12, limit: 50, percent: 24, resetsAt: '2026-11-27T00:00:00.000Z' },
  ],
  thresholdEvents: [
    {
      budget: 'monthly_tokens',
      percent: 80,
      period: '2026-11',
      used: 8100,
      limit: 10_000,
      reachedAt: '2026-11-20T09:30:00.000Z',
    },
  ],
};

function budgetServer(answerPut?: (body: unknown) => Response) {
  return fakeApi({
    'GET /v1/tenant/budget': () => Response.json(budget),
    'PUT /v1/tenant/budget': (call) => answerPut?.(call.body) ?? Response.json({ ...budget, ...(call.body as object) }),
  });
}

const open = (server: ReturnType<typeof budgetServer>) =>
  renderArea(administrationArea.element, { fetchImpl: server.fetchImpl, areaPath: '/admin', path: '/admin/budgets' });

describe('budgets page', () => {
  it('shows a bar per budget with its use, the 80% warning and when it resets', async () => {
    await open(budgetServer());
    const tokens = await screen.findByRole<HTMLProgressElement>('progressbar', { name: 'Tokens this month' });
    expect(tokens.max).toBe(10_000);
    expect(tokens.value).toBe(8500);
    expect(tokens.dataset.state).toBe('warn');
    expect(screen.getByText(/8,500 of 10,000 \(85%\)/)).toBeTruthy();
    expect(screen.getByText('resets 2026-12-01 00:00 UTC')).toBeTruthy();
    const messages = screen.getByRole<HTMLProgressElement>('progressbar', { name: 'Messages today (busiest person)' });
    expect(messages.dataset.state).toBe('ok');
    // No cost budget: no bar for it.
    expect(screen.queryByRole('progressbar', { name: 'Cost this month (USD)' })).toBeNull();
    expect(screen.getByRole('list', { name: 'Budgets past 80%' }).textContent).toContain('80% reached in 2026-11');
  });

  it('saves the limits, an empty field as no limit', async () => {
    const server = budgetServer();
    await open(server);
    const tokens = await screen.findByLabelText<HTMLInputElement>('Monthly token budget');
    expect(tokens.value).toBe('10000');
    fireEvent.change(tokens, { target: { value: '20000' } });
    fireEvent.change(screen.getByLabelText('Monthly cost budget (USD)'), { target: { value: '12.5' } });
    fireEvent.change(screen.getByLabelText('Daily messages per person'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save limits' }));
    await waitFor(() => expect(server.callsTo('PUT', '/v1/tenant/budget')).toHaveLength(1));
    expect(server.callsTo('PUT', '/v1/tenant/budget')[0]!.body).toEqual({
      monthlyTokens: 20_000,
      monthlyCost: 12.5,
      dailyMessagesPerUser: null,
    });
    expect(await screen.findByText('Saved.')).toBeTruthy();
  });

  it('shows the server’s sentence beside the field it refused', async () => {
    const server = budgetServer(() =>
      problem(400, 'validation_failed', 'The request is invalid', [
        { field: 'monthlyTokens', message: 'must be a whole number of tokens' },
      ]),
    );
    await open(server);
    fireEvent.change(await screen.findByLabelText('Monthly token budget'), { target: { value: '1.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save limits' }));
    expect(await screen.findByText('must be a whole number of tokens')).toBeTruthy();
    expect(screen.getByLabelText('Monthly token budget').getAttribute('aria-invalid')).toBe('true');
  });
});
