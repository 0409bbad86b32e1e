/** The tenant's budgets and this month's use, as `GET /v1/tenant/budget` answers (docs/budgets.md). */
export type BudgetKind = 'monthly_tokens' | 'monthly_cost' | 'daily_messages';

export interface BudgetUse {
  budget: BudgetKind;
  /** For `daily_messages`: the busiest person's messages today. */
  used: number;
  limit: number | null;
  percent: number | null;
  resetsAt: string;
}

export interface TenantBudget {
  tenantId: string;
  monthlyTokens: number | null;
  monthlyCost: number | null;
  dailyMessagesPerUser: number | null;
  period: string;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number; cost: number; modelCalls: number };
  use: BudgetUse[];
  thresholdEvents: {
    budget: BudgetKind;
    percent: number;
    period: string;
    used: number;
    limit: number;
    reachedAt: string;
  }[];
}

export interface BudgetLimits {
  monthlyTokens: number | null;
  monthlyCost: number | null;
  dailyMessagesPerUser: number | null;
}

export const budgetPath = '/v1/tenant/budget';
export const budgetQueryKey = ['tenant-budget'] as const;

export const budgetLabels: Record<BudgetKind, string> = {
  monthly_tokens: 'Tokens this month',
  monthly_cost: 'Cost this month (USD)',
  daily_messages: 'Messages today (busiest person)',
};
