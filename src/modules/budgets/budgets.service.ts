import { settingsCacheTtlMs } from '../../platform/cache/invalidation-bus.js';
import type { Actor } from '../../access/actor.js';
import { requireAdmin, requirePlatformAdmin } from '../../access/require-access.js';
import type { CallCharge, CallTokens, ModelMeter } from '../../ai/metered-model.js';
import { providerOfModelRef } from '../../ai/model-ref.js';
import type { CallOutcome, RecordedCall, UsageSubject } from '../../ai/usage-paths.js';
import type { Database } from '../../platform/db/client.js';
import { isForeignKeyViolation } from '../../platform/db/errors.js';
import { notFound } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import type { WebhookEvents } from '../webhooks/webhook-event-types.js';
import { dayOf, monthOf, nextMonthStart } from './budget-periods.js';
import { budgetExceeded, formatCost, formatCount } from './budget-refusals.js';
import type { MessageToCount } from './daily-message-count.js';
import {
  asUsage,
  chargeValues,
  type BudgetRow,
  type BudgetsRepository,
  type LedgerEntry,
  type MonthlyUsage,
  type Reservation,
} from './budgets.repository.js';
import type { ChargeHandoff } from './charge-handoff.js';
import type { ChargeValues } from './charge.statements.js';
import { presentBudget, toLimits, type BudgetInput, type BudgetView } from './budgets.schemas.js';
import { createHeldLimits } from './held-limits.js';
import { createThresholdWatch } from './threshold-watch.js';

/** What a model call is for; `messageFrom`: the person whose message it answers (their daily cap applies). */
export interface ModelUse {
  readonly messageFrom?: string | undefined;
  /**
   * The caller counts the message in a statement of its own (`countedMessageSql`, a chat turn's store):
   * admit hands it back as `messageToCount` rather than counting it.
   */
  readonly isMessageCountedByCaller?: boolean;
}

export interface MeteredCall {
  readonly providerName: string;
  readonly modelRef: string;
  readonly isOffline: boolean;
}

/** A call as the ledger records it: the model and who and what it was for. */
export interface LedgeredCall extends MeteredCall {
  readonly subject: UsageSubject;
}

/** One call's end: what it used, how it ended, and how long since it was admitted. */
interface CallEnd {
  readonly use: CallTokens;
  readonly outcome: CallOutcome;
  readonly latencyMs: number;
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
  /** How long a tenant's limits are held between reads, where no invalidation bus tells of a change. */
  readonly limitsTtlMs?: number;
  /** Told after a tenant's limits are saved: tells every node (the invalidation bus), which calls `forgetLimits`. */
  readonly onLimitsChanged?: (tenantId: string) => void;
}

const listedThresholdEvents = 12;
/**
 * How long a reservation holds when its call never settles (its node died mid-call): the maintenance
 * sweep gives it back after this. Longer than any model call runs (MODEL_TIMEOUT_MS is minutes).
 */
const reservationLifetimeMs = 30 * 60_000;

/** What the resolver's check found, handed to the meter of the model it resolved. */
export interface Admission {
  readonly budget: BudgetRow | undefined;
  /** The message the caller counts itself (`ModelUse.isMessageCountedByCaller`). */
  readonly messageToCount?: MessageToCount;
}

const hasSpendLimit = (budget: BudgetRow | undefined): budget is BudgetRow =>
  budget !== undefined && (budget.monthlyTokens !== null || budget.monthlyCostMicros !== null);

export function createBudgetsService(deps: BudgetsServiceDeps) {
  const { db, repository, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const limits = createHeldLimits({ db, repository, ttlMs: deps.limitsTtlMs ?? settingsCacheTtlMs });
  const limitsOf = limits.of;
  const thresholds = createThresholdWatch({ db, repository, logger, events: deps.events, limitsOf });
  // Counts of messages no cap limits, written beside the turn rather than before it; a read of the
  // budget waits for this node's (so a person sees their own message counted).
  const uncappedCounts = new Set<Promise<unknown>>();

  /**
   * Throws the 429 of the first monthly budget used up; answers the budget (undefined: none set). A
   * tenant with no monthly limit costs no statement; one with a limit reads it afresh with the month's use.
   */
  async function requireMonthlyBudget(tenantId: string, at: Date): Promise<BudgetRow | undefined> {
    const held = await limitsOf(tenantId);
    if (!hasSpendLimit(held)) return held;
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

  /**
   * One call's charge, priced: its ledger row, the month's counters and the reservation to give back.
   * Undefined when it could not be priced (logged): a call that ran is not failed for its bookkeeping.
   */
  async function chargeOf(
    tenantId: string,
    call: LedgeredCall,
    reservation: Reservation | undefined,
    end: CallEnd,
  ): Promise<ChargeValues | undefined> {
    const { inputTokens, outputTokens } = end.use;
    try {
      const price = await priceOf(tenantId, call, end.use);
      const month = reservation?.month ?? monthOf(now());
      const usage = { tenantId, month, inputTokens, outputTokens, costMicros: price ?? 0 };
      return chargeValues(usage, ledgerEntryOf(call, end, price), reservation?.id);
    } catch (error) {
      logger.error({ err: error, tenantId }, 'A model call’s usage could not be priced');
      return undefined;
    }
  }

  /** After a charge ran (in a statement of its own or its caller's): the 80% line. Never rejects. */
  async function afterCharge(values: ChargeValues, totals: MonthlyUsage): Promise<void> {
    await thresholds
      .consider(values.tenantId, values.month, nextMonthStart(now()), totals)
      .catch((error: unknown) =>
        logger.error({ err: error, tenantId: values.tenantId }, 'A budget threshold could not be checked'),
      );
  }

  /**
   * Charges one call, writes its ledger row and gives back its reservation (if it made one), in one
   * statement, then watches the 80% line. Never rejects: a call that ran is not failed for its bookkeeping.
   */
  async function runCharge(values: ChargeValues): Promise<void> {
    try {
      const totals = await repository.charge(db, values);
      await afterCharge(values, totals);
    } catch (error) {
      // A tenant deleted while its call finished has nothing left to count against.
      if (isForeignKeyViolation(error)) return;
      logger.error(
        { err: error, tenantId: values.tenantId },
        'A model call’s usage could not be counted against the budget',
      );
    }
  }

  async function charge(
    tenantId: string,
    call: LedgeredCall,
    reservation: Reservation | undefined,
    end: CallEnd,
  ): Promise<void> {
    const values = await chargeOf(tenantId, call, reservation, end);
    if (values) await runCharge(values);
  }

  /** A finished call's charge left for the caller's statement (`ChargeHandoff`), run alone if it is not taken. */
  async function parkCharge(
    handoff: ChargeHandoff,
    tenantId: string,
    call: LedgeredCall,
    reservation: Reservation | undefined,
    end: CallEnd,
  ): Promise<void> {
    const values = await chargeOf(tenantId, call, reservation, end);
    if (!values) return;
    handoff.park({
      values,
      settled: async (totals) => {
        if (totals) await afterCharge(values, asUsage(totals));
      },
      runAlone: () => runCharge(values),
    });
  }

  /** Undefined: the price table has no price for the model (its tokens still count). */
  async function priceOf(tenantId: string, call: MeteredCall, use: CallTokens): Promise<number | undefined> {
    if (call.isOffline || (use.inputTokens === 0 && use.outputTokens === 0)) return 0;
    return deps.costOf?.(tenantId, { ...call, ...use });
  }

  /**
   * Holds the most a call may use against the month before it starts. Refused when what was used
   * plus what running calls hold reaches a budget: the 429 names the budget and both figures.
   */
  async function reserve(tenantId: string, call: MeteredCall, budget: BudgetRow, estimate: CallTokens) {
    const at = now();
    const month = monthOf(at);
    const tokens = estimate.inputTokens + estimate.outputTokens;
    const costMicros = budget.monthlyCostMicros === null ? 0 : ((await priceOf(tenantId, call, estimate)) ?? 0);
    const expiresAt = new Date(at.getTime() + reservationLifetimeMs);
    const reservation = await repository.reserve(db, { tenantId, month, tokens, costMicros, expiresAt });
    if (reservation) return reservation;
    throw await refusalOfHeldBudget(tenantId, budget, at);
  }

  /**
   * The 429 of a budget that what was used and what running calls hold have reached. Read once, after
   * the refusal: the calls that held it may have ended since, so the budget named is the one the row
   * shows reached, else the token budget where there is one.
   */
  async function refusalOfHeldBudget(tenantId: string, budget: BudgetRow, at: Date) {
    const { usage, held } = await repository.findUsageAndHeld(db, tenantId, monthOf(at));
    const tokens = usage.inputTokens + usage.outputTokens;
    const describe = (used: string, heldNow: number, format: (value: number) => string) =>
      heldNow > 0 ? `${used} used and ${format(heldNow)} held by calls running now` : used;
    const isTokens =
      budget.monthlyTokens !== null &&
      (tokens + held.tokens >= budget.monthlyTokens || budget.monthlyCostMicros === null);
    if (isTokens) {
      const used = describe(formatCount(tokens), held.tokens, formatCount);
      return budgetExceeded('monthly_tokens', used, formatCount(budget.monthlyTokens ?? 0), at);
    }
    const used = describe(formatCost(usage.costMicros), held.costMicros, formatCost);
    return budgetExceeded('monthly_cost', used, formatCost(budget.monthlyCostMicros ?? 0), at);
  }

  /** Counts a message no daily cap limits, off the turn's path; never rejects. */
  function countUncapped(tenantId: string, userId: string, day: string): void {
    const counting = repository
      .admitMessage(db, { tenantId, userId, day, cap: null })
      .catch((error: unknown) => {
        if (!isForeignKeyViolation(error)) logger.warn({ err: error, tenantId }, 'A message could not be counted');
      })
      .finally(() => uncappedCounts.delete(counting));
    uncappedCounts.add(counting);
  }

  async function view(tenantId: string): Promise<BudgetView> {
    await Promise.all(uncappedCounts);
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
    /** A tenant's limits changed (on any node): the next call reads them again. `everyKey`: all tenants. */
    forgetLimits: limits.forget,

    /**
     * The check before a model call: the tenant's monthly budgets, then (for a person's message) their
     * daily cap, which this also counts. Throws the 429 of the budget used up.
     */
    async admit(tenantId: string, use: ModelUse = {}): Promise<Admission> {
      const at = now();
      const budget = await requireMonthlyBudget(tenantId, at);
      if (!use.messageFrom) return { budget };
      const cap = budget?.dailyMessagesPerUser ?? null;
      const day = dayOf(at);
      if (use.isMessageCountedByCaller) return { budget, messageToCount: { userId: use.messageFrom, day, cap, at } };
      if (cap === null) {
        countUncapped(tenantId, use.messageFrom, day);
        return { budget };
      }
      const counted = await repository.admitMessage(db, { tenantId, userId: use.messageFrom, day, cap });
      if (counted === undefined) {
        throw budgetExceeded('daily_messages', formatCount(cap), formatCount(cap), at);
      }
      return { budget };
    },

    /**
     * What a resolved model's calls are admitted and charged through. Where the tenant has a token or
     * cost budget, each call reserves its estimate first (`reserve`); else the first call was admitted
     * by the resolver a moment ago, and each later one checks the month again (a budget set since applies).
     * With a `handoff`, a finished call's charge waits there for the caller's own statement (issue 63).
     */
    meterFor(tenantId: string, call: LedgeredCall, admission: Admission, handoff?: ChargeHandoff): ModelMeter {
      let isFirstCall = true;
      return {
        async admitCall(estimate): Promise<CallCharge> {
          // The call before this one is charged first, so this one is admitted against it.
          await handoff?.runParkedAlone();
          const budget = isFirstCall ? admission.budget : await requireMonthlyBudget(tenantId, now());
          isFirstCall = false;
          const reservation = hasSpendLimit(budget)
            ? await reserve(tenantId, call, budget, await estimate())
            : undefined;
          const admittedAt = performance.now();
          return {
            settle: (use, outcome) => {
              const end = { use, outcome, latencyMs: Math.round(performance.now() - admittedAt) };
              // Only a finished call waits for its caller: one stopped or failed may end the caller too.
              return handoff && outcome === 'finished'
                ? parkCharge(handoff, tenantId, call, reservation, end)
                : charge(tenantId, call, reservation, end);
            },
          };
        },
      };
    },

    /**
     * A call of an embedding or reranking model, ended: counted in the month and the ledger like any
     * other, never refused (see `RecordedCall`). Never rejects.
     */
    async record(tenantId: string, call: RecordedCall): Promise<void> {
      const { modelRef, inputTokens, latencyMs, outcome, ...subject } = call;
      const metered: LedgeredCall = { ...providerOfModelRef(modelRef), modelRef, subject };
      await charge(tenantId, metered, undefined, { use: { inputTokens, outputTokens: 0 }, outcome, latencyMs });
    },

    async getOwn(actor: Actor): Promise<BudgetView> {
      requireAdmin(actor);
      return view(actor.tenantId);
    },

    async setOwn(actor: Actor, input: BudgetInput): Promise<BudgetView> {
      requireAdmin(actor);
      await repository.saveBudget(db, actor.tenantId, toLimits(input), now());
      deps.onLimitsChanged?.(actor.tenantId);
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
      deps.onLimitsChanged?.(tenantId);
      return view(tenantId);
    },
  };
}

export type BudgetsService = ReturnType<typeof createBudgetsService>;
export type { MonthlyUsage };

function ledgerEntryOf(call: LedgeredCall, end: CallEnd, price: number | undefined): LedgerEntry {
  const { subject } = call;
  return {
    path: subject.path,
    userId: subject.userId ?? null,
    contactId: subject.contactId ?? null,
    agentId: subject.agentId ?? null,
    agentVersion: subject.agentVersion ?? null,
    conversationId: subject.conversationId ?? null,
    provider: call.providerName,
    modelRef: call.modelRef,
    costMicros: price ?? null,
    latencyMs: end.latencyMs,
    outcome: end.outcome,
  };
}
