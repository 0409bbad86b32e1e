import { AppError } from '../../platform/errors.js';
import { describeInstant, nextDayStart, nextMonthStart, secondsUntil } from './budget-periods.js';

export const budgetKinds = ['monthly_tokens', 'monthly_cost', 'daily_messages'] as const;
export type BudgetKind = (typeof budgetKinds)[number];

const whoCanRaise =
  'A tenant administrator can raise it in the console (Administration → Budgets) or with PUT /v1/tenant/budget.';

/**
 * The 429 every path answers when a budget is used up: which budget, when it resets and who can raise
 * it, in one sentence that HTTP problems, socket error frames and the OpenAI-compatible API all carry.
 * `endsJob`: a job cannot wait a month out, so it ends (logged once) instead of retrying.
 */
export function budgetExceeded(kind: BudgetKind, used: string, limit: string, now: Date): AppError {
  const resetsAt = kind === 'daily_messages' ? nextDayStart(now) : nextMonthStart(now);
  const what =
    kind === 'daily_messages'
      ? `You have sent ${used} messages today, this tenant's daily cap per person (${limit})`
      : kind === 'monthly_tokens'
        ? `This tenant's monthly token budget is used up (${used} of ${limit} tokens this month)`
        : `This tenant's monthly cost budget is used up (${used} of ${limit} this month)`;
  return new AppError('rate_limited', `${what}. It resets at ${describeInstant(resetsAt)}. ${whoCanRaise}`, {
    retryAfterSeconds: secondsUntil(resetsAt, now),
    extensions: { budget: kind, resetsAt: resetsAt.toISOString() },
    endsJob: true,
  });
}

export function isBudgetRefusal(error: unknown): error is AppError {
  return error instanceof AppError && typeof error.details.extensions?.['budget'] === 'string';
}

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** Costs are kept in millionths; people read them to the cent (or finer, below a cent). */
export function formatCost(micros: number): string {
  const amount = micros / 1_000_000;
  return amount >= 0.01 || amount === 0 ? amount.toFixed(2) : amount.toPrecision(2);
}
