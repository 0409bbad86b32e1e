import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { preparedFor } from '../../../platform/db/prepared.js';
import { conversations, messages } from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';
import { chargeCtes, chargeValuesOf, type ChargeValues, type UsageTotalsRow } from '../../budgets/index.js';
import { userTurnsSinceSummaryQuery } from '../../companion/index.js';
import type { AssistantMessageResult } from './chat-turn.repository.js';

export interface ReplyToRecord {
  readonly tenantId: string;
  readonly conversationId: string;
  readonly messageId: string;
  readonly result: AssistantMessageResult;
  /** Set for a successful reply: the conversation's state then counts the turn and its model. */
  readonly turn?: {
    readonly modelRef: string;
    readonly now: Date;
    /** The reply's model call, charged in the same statement (budgets' `ChargeHandoff`). */
    readonly charge?: ChargeValues;
    /** Also answer the user's turns since the newest summary (the companion's summary check). */
    readonly countsSummaryTurns?: boolean;
  };
}

/** What storing a reply answered; undefined from `recordReply` when the conversation is gone. */
export interface RecordedReply {
  /** The seq the reply's new state took in the conversation's log. */
  readonly seq: number;
  /** The month's totals after the charge the statement ran (`turn.charge`). */
  readonly chargeTotals?: UsageTotalsRow;
  /** `turn.countsSummaryTurns`: the user's turns since the newest summary, through this reply. */
  readonly userTurnsSinceSummary?: number;
}

const value = sql.placeholder;

/**
 * A reply's outcome, every field a placeholder. Its seq comes from the trigger, or, when the statement
 * also bumps the conversation (`counted`, a CTE returning `last_seq`), from that bump.
 */
function replyCompletion(
  db: Executor,
  counted?: ReturnType<typeof turnCounted>,
  more: ReturnType<typeof chargeCtes>['ctes'] = [],
) {
  const field = (name: keyof AssistantMessageResult) => sql`${value(name)}`;
  const seq = counted && sql`(select last_seq from ${counted})`;
  return (counted ? db.with(counted, ...more) : db)
    .update(messages)
    .set({
      content: field('content'),
      reasoning: field('reasoning'),
      status: field('status'),
      errorCode: field('errorCode'),
      errorMessage: field('errorMessage'),
      inputTokens: field('inputTokens'),
      outputTokens: field('outputTokens'),
      reasoningTokens: field('reasoningTokens'),
      totalTokens: field('totalTokens'),
      timeToFirstTokenMs: field('timeToFirstTokenMs'),
      durationMs: field('durationMs'),
      finishReason: field('finishReason'),
      completedAt: sql`${value('completedAt')}::timestamptz`,
      citations: sql`${value('citations')}::jsonb`,
      passagesFound: sql`${value('passagesFound')}::integer`,
      ...(seq && { seq }),
    })
    .where(
      inTenant(
        messages,
        value('tenantId'),
        eq(messages.id, value('messageId')),
        counted && sql`exists (select from ${counted})`,
      ),
    );
}

const recordFailedReply = preparedFor((db) =>
  replyCompletion(db).returning({ id: messages.id, seq: messages.seq }).prepare('chat_record_failed_reply'),
);

/**
 * The turn counted in the conversation's state (merged in SQL, so concurrent turns both count), and the
 * seq its reply takes from this bump (the trigger would update the conversation a second time).
 */
function turnCounted(db: Executor) {
  return db.$with('counted').as(
    db
      .update(conversations)
      .set({
        state: sql`${conversations.state} || jsonb_build_object('lastModel', ${value('modelRef')}::text, 'turns', coalesce((${conversations.state}->>'turns')::int, 0) + 1)`,
        lastSeq: sql`${conversations.lastSeq} + 1`,
        lastActivityAt: sql`${value('now')}::timestamptz`,
        updatedAt: sql`${value('now')}::timestamptz`,
      })
      .where(inTenant(conversations, value('tenantId'), eq(conversations.id, value('conversationId'))))
      .returning({ id: conversations.id, lastSeq: conversations.lastSeq }),
  );
}

/** Where the charge's placeholders are kept apart from the reply's own (`chargeCtes`). */
const chargePrefix = 'charge_';

/**
 * A successful reply's one statement after the model (issue 63): the reply, the turn counted, its model
 * call charged (`charging`: none, or budgets' add or settle) and the user's turns since the newest summary
 * (read only where `countsSummaryTurns` is true).
 */
function completedReplyStatement(db: Executor, charging: 'none' | 'add' | 'settle') {
  const counted = turnCounted(db);
  const charge = charging === 'none' ? undefined : chargeCtes(db, charging === 'settle', chargePrefix);
  const summaryTurns = userTurnsSinceSummaryQuery(db, value('messageId'));
  const statement = replyCompletion(db, counted, charge?.ctes).returning({
    id: messages.id,
    seq: messages.seq,
    userTurnsSinceSummary: sql<
      number | null
    >`CASE WHEN ${value('countsSummaryTurns')}::boolean THEN (${summaryTurns}) END`,
    ...(charge && {
      chargeInputTokens: charge.totals.input_tokens,
      chargeOutputTokens: charge.totals.output_tokens,
      chargeCostMicros: charge.totals.cost_micros,
      chargeModelCalls: charge.totals.model_calls,
    }),
  });
  return statement.prepare(
    charging === 'none' ? 'chat_record_completed_reply' : `chat_record_completed_reply_${charging}_charge`,
  );
}

/** The month's totals a charged reply's statement answered, as budgets reads them (`ParkedCharge.settled`). */
function chargeTotalsOf(
  row: Partial<Record<`charge${'InputTokens' | 'OutputTokens' | 'CostMicros' | 'ModelCalls'}`, unknown>>,
) {
  const total = (value: unknown) => value as string | number;
  return {
    input_tokens: total(row.chargeInputTokens),
    output_tokens: total(row.chargeOutputTokens),
    cost_micros: total(row.chargeCostMicros),
    model_calls: total(row.chargeModelCalls),
  } satisfies UsageTotalsRow;
}

const recordCompletedReply = preparedFor((db) => completedReplyStatement(db, 'none'));
const recordChargedReply = preparedFor((db) => completedReplyStatement(db, 'add'));
const recordSettledReply = preparedFor((db) => completedReplyStatement(db, 'settle'));
/** How a reply's outcome is stored: one statement after the model (issue 63, ADR 7). */
export function createReplyStoreRepository() {
  return {
    /**
     * Stores a reply's outcome and, for a successful one, counts the turn in the conversation's state,
     * in one statement, with its call's charge and the summary count when the turn asks for them. The
     * state is merged in SQL so two turns finishing together both count. Undefined when there was
     * nothing to write to: the conversation was deleted while the model talked (a charge still ran).
     */
    async recordReply(db: Executor, reply: ReplyToRecord): Promise<RecordedReply | undefined> {
      const { tenantId, conversationId, messageId, result, turn } = reply;
      const values = {
        ...result,
        completedAt: result.completedAt?.toISOString() ?? null,
        citations: result.citations === null ? null : JSON.stringify(result.citations),
        tenantId,
        messageId,
      };
      if (!turn) {
        const [failed] = await recordFailedReply(db).execute(values);
        // bigint: a string from some drivers.
        return failed && { seq: Number(failed.seq) };
      }
      const { charge } = turn;
      const statement = !charge
        ? recordCompletedReply
        : charge.reservationId === undefined
          ? recordChargedReply
          : recordSettledReply;
      const [row] = await statement(db).execute({
        ...values,
        ...(charge && chargeValuesOf(charge, chargePrefix)),
        conversationId,
        modelRef: turn.modelRef,
        now: turn.now.toISOString(),
        countsSummaryTurns: turn.countsSummaryTurns ?? false,
      });
      if (!row) return undefined;
      const { seq, userTurnsSinceSummary } = row;
      return {
        seq: Number(seq),
        ...(userTurnsSinceSummary !== null && { userTurnsSinceSummary: Number(userTurnsSinceSummary) }),
        ...('chargeInputTokens' in row && { chargeTotals: chargeTotalsOf(row) }),
      };
    },
  };
}
