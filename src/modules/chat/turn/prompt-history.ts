import type { Executor } from '../../../platform/db/client.js';
import type { ChatRepository, HistoryMessage, SummaryMark } from '../chat.repository.js';
import { longestSentChars } from './history.repository.js';
import { chooseWindow, historyBudget, newestFitting, type WindowChoice } from './history-window.js';

/** What a turn read of its conversation with its writes (or on its own, for a retry). */
export interface StoredHistoryRead {
  /** Oldest first, ending with the message the model answers. */
  readonly messages: readonly HistoryMessage[];
  /** The read reached the conversation's first message. */
  readonly isWhole: boolean;
  readonly summary: SummaryMark | undefined;
}

export interface PromptHistoryDeps {
  readonly db: Executor;
  readonly repository: Pick<ChatRepository, 'recentHistory'>;
  /** The most messages one read returns (ChatTuning.historyLimit): a bound on the read, not the window. */
  readonly historyLimit: number;
  /** CHAT_HISTORY_MAX_CHARS: no message is read longer than this (and one read cut is not sent). */
  readonly historyMaxChars: number;
  readonly historyMaxTokens: number;
  readonly defaultContextTokens: number;
}

/**
 * The window of a prompt (history-window.ts), for a call on `modelRef` whose system prompt holds
 * `system` before the history's part. When the newest summary ends before the oldest message read (it
 * lags, or its job failed), and what was read fits with room to spare, the messages between are read
 * too: one more query, only for a conversation whose summary lags, so the window reaches back to it.
 */
export async function promptHistory(
  deps: PromptHistoryDeps,
  call: { tenantId: string; conversationId: string; modelRef: string; maxOutputTokens: number | null; system: string },
  read: StoredHistoryRead,
): Promise<WindowChoice> {
  const { summary } = read;
  const budget = await historyBudget(deps, {
    modelRef: call.modelRef,
    maxOutputTokens: call.maxOutputTokens,
    // The summary's room is kept whether or not it is sent: it is at most 4,000 characters.
    system: summary ? `${call.system}\n\n${summary.content}` : call.system,
  });
  // A message read longer than this was read cut: never sent unless it is the newest.
  const maxReadChars = longestSentChars(deps.historyMaxChars);
  let messages = read.messages;
  let reachesSummary = false;
  const oldest = messages[0];
  if (summary && oldest && !read.isWhole) {
    reachesSummary = oldest.id <= summary.lastMessageId;
    if (!reachesSummary && (await newestFitting(messages, budget, maxReadChars)) === messages.length) {
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
