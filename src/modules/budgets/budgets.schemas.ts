import { z } from 'zod';
import { budgetKinds } from './budget-refusals.js';
import { monthOf, nextDayStart, nextMonthStart } from './budget-periods.js';
import type { BudgetLimits, BudgetRow, MonthlyUsage, ThresholdEventRow } from './budgets.repository.js';

const maxTokens = 1_000_000_000_000;
const maxCost = 1_000_000_000;

/** The whole budget, as PUT replaces it: a limit left out or null is no limit. */
export const budgetBody = z.strictObject({
  monthlyTokens: z
    .int('must be a whole number of tokens')
    .min(1, 'must be at least 1 token; send null for no token budget')
    .max(maxTokens, `must be at most ${maxTokens} tokens`)
    .nullable()
    .default(null)
    .describe('Tokens in and out per calendar month (UTC); null: no token budget'),
  monthlyCost: z
    .number('must be a number, in the price table’s currency')
    .positive('must be more than 0; send null for no cost budget')
    .max(maxCost, `must be at most ${maxCost}`)
    .nullable()
    .default(null)
    .describe('Cost per calendar month (UTC), in the price table’s currency; null: no cost budget'),
  dailyMessagesPerUser: z
    .int('must be a whole number of messages')
    .min(1, 'must be at least 1 message; send null for no daily cap')
    .max(1_000_000, 'must be at most 1000000 messages')
    .nullable()
    .default(null)
    .describe('Messages one person may send per day (UTC) on any path; null: no cap'),
});
export type BudgetInput = z.infer<typeof budgetBody>;

const useSchema = z.object({
  budget: z.enum(budgetKinds),
  used: z.number().describe('For monthly_cost, in the currency; for daily_messages, the busiest person today'),
  limit: z.number().nullable(),
  percent: z.number().nullable().describe('Share of the limit used, 0–100 or more; null when there is no limit'),
  resetsAt: z.iso.datetime(),
});

const thresholdEventSchema = z.object({
  budget: z.enum(budgetKinds),
  percent: z.number(),
  period: z.string().describe('YYYY-MM'),
  used: z.number(),
  limit: z.number(),
  reachedAt: z.iso.datetime(),
});

export const budgetSchema = z.object({
  tenantId: z.uuid(),
  monthlyTokens: z.number().nullable(),
  monthlyCost: z.number().nullable(),
  dailyMessagesPerUser: z.number().nullable(),
  period: z.string().describe('The month counted, YYYY-MM (UTC)'),
  usage: z.object({
    inputTokens: z.number(),
    outputTokens: z.number(),
    totalTokens: z.number(),
    cost: z.number(),
    modelCalls: z.number(),
  }),
  use: z.array(useSchema).describe('Each budget that is set, with its use against it'),
  thresholdEvents: z.array(thresholdEventSchema).describe('Budgets that crossed 80%, newest first'),
});
export type BudgetView = z.infer<typeof budgetSchema>;

export function toLimits(input: BudgetInput): BudgetLimits {
  return {
    monthlyTokens: input.monthlyTokens,
    monthlyCostMicros: input.monthlyCost === null ? null : Math.round(input.monthlyCost * 1_000_000),
    dailyMessagesPerUser: input.dailyMessagesPerUser,
  };
}

const fromMicros = (micros: number): number => micros / 1_000_000;
const percentOf = (used: number, limit: number): number => Math.round((used / limit) * 1000) / 10;

export function presentBudget(state: {
  tenantId: string;
  budget: BudgetRow | undefined;
  usage: MonthlyUsage;
  events: readonly ThresholdEventRow[];
  busiestToday: number;
  at: Date;
}): BudgetView {
  const { budget, usage, at } = state;
  const totalTokens = usage.inputTokens + usage.outputTokens;
  const monthEnds = nextMonthStart(at).toISOString();
  const use: BudgetView['use'] = [];
  if (budget?.monthlyTokens != null) {
    const limit = budget.monthlyTokens;
    use.push({
      budget: 'monthly_tokens',
      used: totalTokens,
      limit,
      percent: percentOf(totalTokens, limit),
      resetsAt: monthEnds,
    });
  }
  if (budget?.monthlyCostMicros != null) {
    const limit = budget.monthlyCostMicros;
    use.push({
      budget: 'monthly_cost',
      used: fromMicros(usage.costMicros),
      limit: fromMicros(limit),
      percent: percentOf(usage.costMicros, limit),
      resetsAt: monthEnds,
    });
  }
  if (budget?.dailyMessagesPerUser != null) {
    const limit = budget.dailyMessagesPerUser;
    use.push({
      budget: 'daily_messages',
      used: state.busiestToday,
      limit,
      percent: percentOf(state.busiestToday, limit),
      resetsAt: nextDayStart(at).toISOString(),
    });
  }
  return {
    tenantId: state.tenantId,
    monthlyTokens: budget?.monthlyTokens ?? null,
    monthlyCost: budget?.monthlyCostMicros == null ? null : fromMicros(budget.monthlyCostMicros),
    dailyMessagesPerUser: budget?.dailyMessagesPerUser ?? null,
    period: monthOf(at).slice(0, 7),
    usage: { ...usage, totalTokens, cost: fromMicros(usage.costMicros) },
    use,
    thresholdEvents: state.events.map((event) => ({
      budget: event.budget as BudgetView['thresholdEvents'][number]['budget'],
      percent: event.percent,
      period: event.period.slice(0, 7),
      used: event.budget === 'monthly_cost' ? fromMicros(event.used) : event.used,
      limit: event.budget === 'monthly_cost' ? fromMicros(event.budgetLimit) : event.budgetLimit,
      reachedAt: event.reachedAt.toISOString(),
    })),
  };
}
