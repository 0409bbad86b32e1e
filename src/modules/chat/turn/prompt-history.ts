import type { TextMessage } from '../../../ai/model-call.js';
import type { Executor } from '../../../platform/db/client.js';
import {
  bridgeReservedTokens,
  chooseWindow,
  historyBudget,
  historyPreamble,
  type WindowChoice,
} from './history-window.js';
import {
  longestSentChars,
  type HistoryMessage,
  type HistoryRepository,
  type SummaryMark,
} from './history.repository.js';
import { attachmentPartsOf, carriesFiles, toModelMessages, type AttachmentPartsSource } from './turn-messages.js';
import { systemWithKnowledge, type TurnKnowledge } from './turn-knowledge.js';

/** What a turn read of its conversation with its writes (or on its own: a retry, a continued reply). */
export interface StoredHistoryRead {
  /** Oldest first, ending with the message the model answers. */
  readonly messages: readonly HistoryMessage[];
  /** The read reached the conversation's first message. */
  readonly isWhole: boolean;
  readonly summary: SummaryMark | undefined;
}

export interface HistoryReadDeps {
  readonly repository: Pick<HistoryRepository, 'recentHistory' | 'summaryBefore'>;
  /** The most messages one read returns (ChatTuning.historyLimit): a bound on the read, not the window. */
  readonly historyLimit: number;
  /** CHAT_HISTORY_MAX_CHARS: no message is read longer than this (and one read cut is not sent). */
  readonly historyMaxChars: number;
}

export interface PromptDeps extends HistoryReadDeps {
  readonly db: Executor;
  readonly historyMaxTokens: number;
  readonly defaultContextTokens: number;
  /** What a model is given for messages' files (the files module); only windows with files call it. */
  readonly attachmentParts: AttachmentPartsSource | undefined;
}

/** A model call's prompt, for the model and the conversation it answers. */
export interface PromptCall {
  readonly tenantId: string;
  readonly conversationId: string;
  readonly modelRef: string;
  readonly maxOutputTokens: number | null;
  /** The agent's instructions (and, for a turn, what it remembers of the user): the system prompt's start. */
  readonly instructions: string;
  readonly knowledge: TurnKnowledge | undefined;
  /** Sent after the history, so the history's budget leaves room for it: a continued reply's text so far. */
  readonly sentAfter?: string;
}

export interface Prompt {
  /** The window of the history, as model messages. */
  readonly messages: TextMessage[];
  /** The instructions, the history's part (summary, bridge, leading reply), the passages. */
  readonly system: string | undefined;
}

/**
 * The history before `messageId` as a turn reads it outside its own statement (a retry, a continued
 * reply): the newest messages, up to the read's bound, and the newest summary that ends before it.
 */
export async function readHistoryBefore(
  deps: HistoryReadDeps,
  db: Executor,
  at: { tenantId: string; conversationId: string; messageId: string },
): Promise<StoredHistoryRead> {
  const { tenantId, conversationId, messageId } = at;
  const messages = await deps.repository.recentHistory(db, tenantId, conversationId, messageId, {
    limit: deps.historyLimit,
    maxChars: deps.historyMaxChars,
  });
  return {
    messages,
    // Fewer than it could read: nothing older exists.
    isWhole: messages.length < deps.historyLimit,
    summary: await deps.repository.summaryBefore(db, tenantId, conversationId, messageId),
  };
}

/**
 * The prompt of a model call from what was read: the window of the history (history-window.ts) as
 * messages, with the files they carry, and the system prompt: the instructions, then the summary of
 * everything before the window, then the passages.
 */
export async function promptOf(deps: PromptDeps, call: PromptCall, read: StoredHistoryRead): Promise<Prompt> {
  const { instructions, knowledge } = call;
  const beforeHistory = systemWithKnowledge(instructions, knowledge) ?? '';
  const chosen = await promptHistory(
    deps,
    {
      tenantId: call.tenantId,
      conversationId: call.conversationId,
      modelRef: call.modelRef,
      maxOutputTokens: call.maxOutputTokens,
      system: call.sentAfter === undefined ? beforeHistory : `${beforeHistory}\n\n${call.sentAfter}`,
    },
    read,
  );
  const { window } = chosen;
  const attachments = window.some(carriesFiles)
    ? await attachmentPartsOf(deps.attachmentParts, call.tenantId, window)
    : undefined;
  return {
    messages: toModelMessages(window, attachments),
    system: systemWithKnowledge(paragraphs(instructions, historyPreamble(chosen)) || undefined, knowledge),
  };
}

const paragraphs = (...parts: string[]): string => parts.filter(Boolean).join('\n\n');

/**
 * The window of a prompt (history-window.ts), for a call on `modelRef` whose system prompt holds
 * `system` before the history's part. When the newest summary ends before the oldest message read (it
 * lags by more than a read's bound, or its job failed), the messages between are read too, up to that
 * bound: one more query, only for a conversation whose summary lags, so the window or the bridge reaches
 * back to it.
 */
async function promptHistory(
  deps: Omit<PromptDeps, 'attachmentParts'>,
  call: { tenantId: string; conversationId: string; modelRef: string; maxOutputTokens: number | null; system: string },
  read: StoredHistoryRead,
): Promise<WindowChoice> {
  const { summary } = read;
  const budget = await historyBudget(deps, {
    modelRef: call.modelRef,
    maxOutputTokens: call.maxOutputTokens,
    // The summary's room is kept whether or not it is sent: it is at most 4,000 characters. So is a bridge's.
    system: summary ? `${call.system}\n\n${summary.content}` : call.system,
    reservedTokens: bridgeReservedTokens,
  });
  // A message read longer than this was read cut: never sent unless it is the newest.
  const maxReadChars = longestSentChars(deps.historyMaxChars);
  let messages = read.messages;
  let reachesSummary = false;
  const oldest = messages[0];
  if (summary && oldest && !read.isWhole) {
    reachesSummary = oldest.id <= summary.lastMessageId;
    if (!reachesSummary) {
      const between = await deps.repository.recentHistory(deps.db, call.tenantId, call.conversationId, oldest.id, {
        limit: deps.historyLimit,
        maxChars: deps.historyMaxChars,
        afterMessageId: summary.lastMessageId,
      });
      messages = [...between, ...messages];
      reachesSummary = between.length < deps.historyLimit;
    }
  }
  return chooseWindow({ messages, reachesStart: read.isWhole, reachesSummary, summary }, budget, maxReadChars);
}
