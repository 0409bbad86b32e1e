import { setImmediate as nextLoopTurn } from 'node:timers/promises';
import { storableJson, storableText } from '../../../platform/db/storable-text.js';
import { presentMessage, storeAnnounced, type MessageView } from '../../conversations/index.js';
import type { ParkedCharge } from '../../budgets/index.js';
import type { AssistantMessageResult, RecordedReply } from '../chat.repository.js';
import type { ToolLoopResult } from '../tools/tool-loop.js';
import type { TurnError } from './chat-events.js';
import type { ChatTurnDeps, StoredTurn } from './chat-turn.js';
import type { ModelStreamResult } from './model-stream.js';

/** A turn that failed in Parley rather than at the model. */
export const internalTurnError: TurnError = {
  code: 'internal',
  message: 'The reply could not be stored; quote the request id when reporting it',
};

/** What a turn ends with once its reply is written: the reply, and its error if it has one. */
export interface StoredReply {
  readonly message: MessageView;
  readonly error?: TurnError;
  /** Asked for with `countsSummaryTurns`: the user's turns since the conversation's newest summary. */
  readonly userTurnsSinceSummary?: number;
}

/** The conversation went while the model talked: the client hears what was said, and that it was not kept. */
const conversationGone: TurnError = {
  code: 'not_found',
  message: 'The conversation was deleted while its reply was being written, so the reply was not kept',
};

/**
 * Stores the reply. A tool loop's reply also stores its calls, in the same transaction; one that
 * stopped for approval is stored `awaiting_approval` and not yet counted as a turn. A reply stored
 * `complete` (a stopped one too) is announced in the transaction that stores it; a failed one is not.
 * A successful reply's statement also runs its model call's charge, which the meter left for it (budgets'
 * `ChargeHandoff`), and, asked with `countsSummaryTurns`, counts the user's turns since the last summary.
 */
export async function storeReply(
  deps: Pick<ChatTurnDeps, 'db' | 'repository' | 'tools' | 'messageEvents'>,
  turn: Pick<StoredTurn, 'tenantId' | 'conversationId' | 'assistantMessage' | 'resolved'>,
  result: ModelStreamResult | ToolLoopResult,
  citations: AssistantMessageResult['citations'],
  /** How many passages the knowledge search found for this reply; absent when it searched none (analytics). */
  passagesFound?: number,
  countsSummaryTurns = false,
): Promise<StoredReply> {
  // The stream's last parts leave before its end is stored: listeners send what one loop turn published
  // together, on the next (the realtime relay's Redis pipeline, event-relay.ts). Stored first, the end
  // could reach another node's watcher from the database while those parts were still here, and the
  // watcher, having the end, would drop them (a hole the two-node log race found once in 100 rounds).
  await nextLoopTurn();
  const now = new Date();
  // Excerpts are cut from passages (citationExcerpt); cleaned like every other text from outside.
  const fields = {
    ...storedResult(result, now),
    citations: citations && storableJson(citations),
    passagesFound: passagesFound ?? null,
  };
  const isAwaiting = 'toolCalls' in result && result.isAwaitingApproval;
  const isCounted = !result.error && !isAwaiting;
  const tools = 'toolCalls' in result ? deps.tools : undefined;
  const toolCalls = tools && 'toolCalls' in result ? storableJson(result.toolCalls) : undefined;
  // The row as stored, with the seq its write took (undefined: the conversation was deleted meanwhile).
  const stored = (seq: number) =>
    presentMessage({ ...turn.assistantMessage, ...fields, ...(toolCalls && { toolCalls }), seq });
  const record = (charge: ParkedCharge | undefined) =>
    storeAnnounced(
      deps,
      turn.tenantId,
      async (executor) => {
        const recorded = await deps.repository.recordReply(executor, {
          tenantId: turn.tenantId,
          conversationId: turn.conversationId,
          messageId: turn.assistantMessage.id,
          result: fields,
          ...(isCounted && {
            turn: { modelRef: turn.resolved.modelRef, now, charge: charge?.values, countsSummaryTurns },
          }),
        });
        if (tools && toolCalls)
          await tools.repository.setToolCalls(executor, turn.tenantId, turn.assistantMessage.id, toolCalls);
        return recorded;
      },
      (recorded) => (recorded !== undefined && fields.status === 'complete' ? [stored(recorded.seq)] : []),
      { needsTransaction: tools !== undefined },
    );
  const charge = isCounted ? turn.resolved.chargeHandoff?.take() : undefined;
  let recorded: RecordedReply | undefined;
  try {
    recorded = await record(charge);
    await charge?.settled(recorded?.chargeTotals);
  } catch (error) {
    if (!charge) throw error;
    // The reply matters more than its bookkeeping: stored without the charge, which then runs alone.
    recorded = await record(undefined);
    await charge.runAlone();
  }
  // Exactly the stored row; or, if the conversation was deleted while the model talked, what it said,
  // ended in that error.
  const message = stored(recorded?.seq ?? 0);
  if (recorded !== undefined) {
    const { userTurnsSinceSummary } = recorded;
    return {
      message,
      ...(result.error && { error: result.error }),
      ...(userTurnsSinceSummary !== undefined && { userTurnsSinceSummary }),
    };
  }
  return {
    message: { ...message, status: 'error', error: { code: conversationGone.code, message: conversationGone.message } },
    error: conversationGone,
  };
}

function storedResult(result: ModelStreamResult | ToolLoopResult, now: Date): AssistantMessageResult {
  const isAwaiting = 'toolCalls' in result && result.isAwaitingApproval;
  return {
    citations: null,
    passagesFound: null,
    content: storableText(result.text),
    reasoning: storableText(result.reasoning) || null,
    status: result.error ? 'error' : isAwaiting ? 'awaiting_approval' : 'complete',
    errorCode: result.error?.code ?? null,
    errorMessage: result.error?.message ?? null,
    ...result.usage,
    timeToFirstTokenMs: result.timeToFirstTokenMs,
    durationMs: result.durationMs,
    finishReason: result.finishReason,
    completedAt: isAwaiting ? null : now,
  };
}

export async function markFailed(
  deps: ChatTurnDeps,
  turn: StoredTurn,
  result: ModelStreamResult | undefined,
  error: TurnError = internalTurnError,
): Promise<MessageView> {
  const failed = failedResult(result, error);
  const recorded = await deps.repository.recordReply(deps.db, {
    tenantId: turn.tenantId,
    conversationId: turn.conversationId,
    messageId: turn.assistantMessage.id,
    result: failed,
  });
  return presentMessage({ ...turn.assistantMessage, ...failed, seq: recorded?.seq ?? turn.assistantMessage.seq });
}

export function presentFailed(turn: StoredTurn, result: ModelStreamResult | undefined): MessageView {
  return presentMessage({ ...turn.assistantMessage, ...failedResult(result) });
}

function failedResult(
  result: ModelStreamResult | undefined,
  error: TurnError = internalTurnError,
): AssistantMessageResult {
  const base = storedResult(result ?? emptyResult, new Date());
  return {
    ...base,
    status: 'error',
    errorCode: error.code,
    errorMessage: error.message,
    finishReason: 'error',
  };
}

export const emptyResult: ModelStreamResult = {
  text: '',
  reasoning: '',
  usage: { inputTokens: null, outputTokens: null, reasoningTokens: null, totalTokens: null },
  finishReason: null,
  timeToFirstTokenMs: null,
  durationMs: 0,
};
