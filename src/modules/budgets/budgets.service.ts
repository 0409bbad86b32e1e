import type { LanguageModelV3Usage } from '@ai-sdk/provider';
import type { Actor } from '../../access/actor.js';
import { requireAdmin, requirePlatformAdmin } from '../../access/require-access.js';
import type { ModelMeter } from '../../ai/metered-model.js';
import type { Database } from '../../platform/db/client.js';
import { isForeignKeyViolation } from '../../platform/db/errors.js';
import { notFound } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { WebhookEvents } from '../webhooks/webhook-event-types.js';
import { dayOf, monthOf, nextMonthStart } from './budget-periods.js';
import { budgetExceeded } from './budget-refusals.js';
import type { BudgetRow, BudgetsRepository, MonthlyUsage } from './budgets.repository.js';
import { presentBudget, toLimits, type BudgetInput, type BudgetView } from './budgets.schemas.js';
import { createThresholdWatch } from './threshold-watch.js';

/** What a model call is for; `messageFrom`: the person whose message it answers (their daily cap applies). */
export interface ModelUse {
  readonly messageFrom?: string | undefined;
}

export interface MeteredCall {
  readonly providerName: string;
  readonly modelRef: string;
  readonly isOffline: boolean;
}

/**
 * The price of one call in millionths of the price table's currency; undefined when the table has no
 * price for the model (the call then costs nothing against a cost budget, and its tokens still count).
 */
export type CostOfCall = (
  tenantId: string,
  call: MeteredCall & { inputTokens: number; outputTokens: number },
) => Promise<number | undefined>;

export interface BudgetsServiceDeps {
  readonly db: Database;
  readonly repository: BudgetsRepository;
  readonly logger: Logger;
  readonly events?: Pick<WebhookEvents, 'emit'> | undefined;
  readonly costOf?: CostOfCall | undefined;
  readonly now?: () => Date;
}

const listedThresholdEvents = 12;

export function createBudgetsService(deps: BudgetsServiceDeps) {
  const { db, repository, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const thresholds = createThresholdWatch({ db, repository, logger, events: deps.events });

  /** Throws the 429 of the first monthly budget used up; answers the budget (undefined: none set). */
  async function requireMonthlyBudget(tenantId: string, at: Date): Promise<BudgetRow | undefined> {
    const state = await repository.findBudgetWithUsage(db, tenantId, monthOf(at));
    if (!state) return undefined;
    const { budget, usage } = state;
    const tokens = usage.inputTokens + usage.outputTokens;
    if (budget.monthlyTokens !== null && tokens >= budget.monthlyTokens) {
      throw budgetExceeded('monthly_tokens', formatCount(tokens), formatCount(budget.monthlyTokens), at);
    }
    if (budget.monthlyCostMicros !== null && usage.costMicros >= budget.monthlyCostMicros) {
      throw budgetExceeded('monthly_cost', formatCost(usage.costMicros), formatCost(budget.monthlyCostMicros), at);
    }
    return budget;
  }

  async function record(tenantId: string, call: MeteredCall, usage: LanguageModelV3Usage): Promise<void> {
    const inputTokens = usage.inputTokens.total ?? 0;
    const outputTokens = usage.outputTokens.total ?? 0;
    if (inputTokens === 0 && outputTokens === 0) return;
    try {
      const costMicros = call.isOffline
        ? 0
        : ((await deps.costOf?.(tenantId, { ...call, inputTokens, outputTokens })) ?? 0);
      const at = now();
      const month = monthOf(at);
      const totals = await repository.addUsage(db, { tenantId, month, inputTokens, outputTokens, costMicros });
      await thresholds.consider(tenantId, month, nextMonthStart(at), totals);
    } catch (error) {
      // A tenant deleted while its call finished has nothing left to count against.
      if (isForeignKeyViolation(error)) return;
      logger.error({ err: error, tenantId }, 'A model call’s usage could not be counted against the budget');
    }
  }

  async function view(tenantId: string): Promise<BudgetView> {
    const at = now();
    const [budget, usage, events, busiest] = await Promise.all([
      repository.findBudget(db, tenantId),
      repository.findUsage(db, tenantId, monthOf(at)),
      repository.listThresholdEvents(db, tenantId, listedThresholdEvents),
      repository.mostMessagesOn(db, tenantId, dayOf(at)),
    ]);
    return presentBudget({ tenantId, budget, usage, events, busiestToday: busiest, at });
  }

  async function requireTenant(tenantId: string): Promise<void> {
    if (!(await repository.tenantExists(db, tenantId))) throw notFound('Tenant', tenantId);
  }

  return {
    /**
     * The check before a model call: the tenant's monthly budgets, then (for a person's message) their
     * daily cap, which this also counts. Throws the 429 of the budget used up.
     */
    async admit(tenantId: string, use: ModelUse = {}): Promise<void> {
      const at = now();
      const budget = await requireMonthlyBudget(tenantId, at);
      if (!use.messageFrom) return;
      const cap = budget?.dailyMessagesPerUser ?? null;
      const day = dayOf(at);
      const counted = await repository.admitMessage(db, { tenantId, userId: use.messageFrom, day, cap });
      if (counted === undefined && cap !== null) {
        throw budgetExceeded('daily_messages', formatCount(cap), formatCount(cap), at);
      }
    },

    /** What a resolved model reports to: later calls checked, every finished call counted. */
    meterFor(tenantId: string, call: MeteredCall): ModelMeter {
      return {
        beforeCall: async () => {
          await requireMonthlyBudget(tenantId, now());
        },
        record: (usage) => record(tenantId, call, usage),
      };
    },

    async getOwn(actor: Actor): Promise<BudgetView> {
      requireAdmin(actor);
      return view(actor.tenantId);
    },

    async setOwn(actor: Actor, input: BudgetInput): Promise<BudgetView> {
      requireAdmin(actor);
      await repository.saveBudget(db, actor.tenantId, toLimits(input), now());
      return view(actor.tenantId);
    },

    async getForTenant(actor: Actor, tenantId: string): Promise<BudgetView> {
      requirePlatformAdmin(actor);
      await requireTenant(tenantId);
      return view(tenantId);
    },

    async setForTenant(actor: Actor, tenantId: string, input: BudgetInput): Promise<BudgetView> {
      requirePlatformAdmin(actor);
      await requireTenant(tenantId);
      await repository.saveBudget(db, tenantId, toLimits(input), now());
      return view(tenantId);
    },
  };
}

export type BudgetsService = ReturnType<typeof createBudgetsService>;
export type { MonthlyUsage };

export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** Costs are kept in millionths; people read them to the cent (or finer, below a cent). */
export function formatCost(micros: number): string {
  const amount = micros / 1_000_000;
  return amount >= 0.01 || amount === 0 ? amount.toFixed(2) : amount.toPrecision(2);
}
