import { budgetLabels, type BudgetUse } from './budgets-api';

const numbers = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

function resetText(use: BudgetUse): string {
  const at = new Date(use.resetsAt).toISOString().slice(0, 16).replace('T', ' ');
  return `resets ${at} UTC`;
}

/** One bar per budget that is set: used against the limit, warned from 80% and full at 100%. */
export function BudgetBars(props: { use: readonly BudgetUse[] }) {
  if (props.use.length === 0) {
    return <p className="muted">No budget is set: every model call is allowed, and counted below.</p>;
  }
  return (
    <ul className="budget-bars stack">
      {props.use.map((use) => {
        const limit = use.limit ?? 0;
        const percent = use.percent ?? 0;
        const state = percent >= 100 ? 'used up' : percent >= 80 ? 'over 80%' : undefined;
        return (
          <li key={use.budget} className="budget-bar">
            <div className="row budget-bar-heading">
              <span>{budgetLabels[use.budget]}</span>
              <span className="muted">
                {numbers.format(use.used)} of {numbers.format(limit)} ({numbers.format(percent)}%)
                {state && <strong className="budget-bar-state"> · {state}</strong>}
              </span>
            </div>
            <progress
              aria-label={budgetLabels[use.budget]}
              max={limit}
              value={Math.min(use.used, limit)}
              data-state={state ? (percent >= 100 ? 'full' : 'warn') : 'ok'}
            />
            <span className="muted field-hint">{resetText(use)}</span>
          </li>
        );
      })}
    </ul>
  );
}
