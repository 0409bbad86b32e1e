import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../../app-context';
import { ErrorNotice } from '../../../ui/error-notice';
import { BudgetBars } from './budget-bars';
import { BudgetForm } from './budget-form';
import { budgetLabels, budgetPath, budgetQueryKey, type TenantBudget } from './budgets-api';

const numbers = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** The tenant's use against its budgets (a bar each), the 80% events, and the form that sets them. */
export function BudgetsPage() {
  const { api } = useServices();
  const budget = useQuery({ queryKey: budgetQueryKey, queryFn: () => api.get<TenantBudget>(budgetPath) });

  return (
    <section className="stack" aria-labelledby="budgets-heading">
      <h1 id="budgets-heading">Budgets</h1>
      <p className="muted intro">
        Every model call counts: chat, the API, MCP, titles, summaries and memory. Once a budget is used up, new calls
        are refused (429) until it resets; a call already running finishes.
      </p>
      {budget.isPending && <p className="muted state-text">Loading the budgets…</p>}
      {budget.isError && <ErrorNotice error={budget.error} onRetry={() => void budget.refetch()} />}
      {budget.data && (
        <>
          <section className="card stack" aria-labelledby="budget-use-heading">
            <h2 id="budget-use-heading">Use in {budget.data.period}</h2>
            <BudgetBars use={budget.data.use} />
            <p className="muted">
              {numbers.format(budget.data.usage.totalTokens)} tokens ({numbers.format(budget.data.usage.inputTokens)}{' '}
              in, {numbers.format(budget.data.usage.outputTokens)} out) in{' '}
              {numbers.format(budget.data.usage.modelCalls)} model calls, ${numbers.format(budget.data.usage.cost)}.
            </p>
            {budget.data.thresholdEvents.length > 0 && (
              <ul className="muted" aria-label="Budgets past 80%">
                {budget.data.thresholdEvents.map((event) => (
                  <li key={`${event.budget}-${event.period}`}>
                    {budgetLabels[event.budget]}: {event.percent}% reached in {event.period} (
                    {new Date(event.reachedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC)
                  </li>
                ))}
              </ul>
            )}
          </section>
          <BudgetForm key={budget.data.tenantId} budget={budget.data} />
        </>
      )}
    </section>
  );
}
