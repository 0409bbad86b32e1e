import { expect } from 'vitest';
import type { App } from '../../src/platform/http/types.js';
import type { SignedInUser } from '../harness/tenant-setup.js';

export interface BudgetAnswer {
  tenantId: string;
  monthlyTokens: number | null;
  monthlyCost: number | null;
  dailyMessagesPerUser: number | null;
  period: string;
  usage: { inputTokens: number; outputTokens: number; totalTokens: number; cost: number; modelCalls: number };
  use: { budget: string; used: number; limit: number | null; percent: number | null; resetsAt: string }[];
  thresholdEvents: { budget: string; percent: number; period: string; used: number; limit: number }[];
}

export async function readBudget(app: App, admin: SignedInUser): Promise<BudgetAnswer> {
  const response = await app.inject({ method: 'GET', url: '/v1/tenant/budget', headers: admin.headers });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

export async function setBudget(app: App, admin: SignedInUser, body: object): Promise<BudgetAnswer> {
  const response = await app.inject({ method: 'PUT', url: '/v1/tenant/budget', headers: admin.headers, payload: body });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** A token budget equal to what the tenant used so far: the next call is refused. */
export async function useUpTokens(app: App, admin: SignedInUser): Promise<number> {
  const { usage } = await readBudget(app, admin);
  expect(usage.totalTokens).toBeGreaterThan(0);
  await setBudget(app, admin, { monthlyTokens: usage.totalTokens });
  return usage.totalTokens;
}

/** A token budget one token above what the tenant used: the next call is admitted, and crosses it. */
export async function leaveOneToken(app: App, admin: SignedInUser): Promise<void> {
  const { usage } = await readBudget(app, admin);
  await setBudget(app, admin, { monthlyTokens: usage.totalTokens + 1 });
}

/** 00:00 UTC on the first of next month, as refusals write it. */
export function nextMonthText(now = new Date()): string {
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return `${next.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function nextMidnightText(now = new Date()): string {
  const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  return `${next.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** What every refusal of a used-up monthly token budget says, wherever it is read. */
export function expectTokenBudgetSentence(text: string): void {
  expect(text).toContain("This tenant's monthly token budget is used up");
  expect(text).toContain(`It resets at ${nextMonthText()}`);
  expect(text).toContain('A tenant administrator can raise it');
}

/** Waits until the tenant's month counts `calls` model calls (a title is written after its turn answers). */
export async function waitForModelCalls(app: App, admin: SignedInUser, calls: number): Promise<BudgetAnswer> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const budget = await readBudget(app, admin);
    if (budget.usage.modelCalls >= calls) return budget;
    if (Date.now() > deadline) throw new Error(`the tenant counted ${budget.usage.modelCalls} calls, not ${calls}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
