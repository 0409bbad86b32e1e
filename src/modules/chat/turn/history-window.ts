import { defaultReservedOutputTokens } from '../../../ai/call-tokens.js';
import { contextTokensOf } from '../../../ai/model-context.js';
import { offlineSummary, summaryMaxChars } from '../../companion/conversation-summary.js';
import type { HistoryMessage, SummaryMark } from './history.repository.js';
import { textTokensWithin, tokensAtMost, tokensOf } from './history-tokens.js';

/**
 * Which part of a conversation the model sees (docs/companion.md, "What the model sees"). The prompt
 * is continuous by construction: either the whole conversation, or the newest summary, then a bridge
 * (one line per message between the summary's end and the window that did not fit, by tokens or by
 * characters), then the window. The bridge is extractive, made without a model call, as the offline
 * summary is (companion/conversation-summary.ts). Only a read that never reached the summary's end (over
 * `historyLimit` messages behind it) or, with no summary, the conversation's start leaves messages out,
 * and the model is told so (issue 64).
 */

/** What a window is chosen from: the stored read, reached back to the summary's end if needed (prompt-history.ts). */
export interface HistoryRead {
  /** Oldest first, ending with the message the model answers. */
  readonly messages: readonly HistoryMessage[];
  /** The read reached the conversation's first message: nothing older exists. */
  readonly reachesStart: boolean;
  /** The read reached the summary's end: every message after the summary is in `messages`. */
  readonly reachesSummary: boolean;
  readonly summary: SummaryMark | undefined;
}

export interface WindowChoice {
  /** The messages sent as messages, oldest first: a user's message first, the answered one last. */
  readonly window: readonly HistoryMessage[];
  /** The summary of everything before the window; undefined when the window starts the conversation. */
  readonly summary: string | undefined;
  /** Replies after the summary's end (or the cut) and before the window's first user message. */
  readonly leadingReply: string | undefined;
  /**
   * The messages between the summary (or the conversation's start) and the window that did not fit, one
   * line each (a message's first sentence); undefined when the window starts where the summary ends.
   */
  readonly bridge: string | undefined;
  /** Messages older than the bridge were never read: more than a read's bound lie between. */
  readonly isGapped: boolean;
}

export interface TokenLimits {
  /** CHAT_HISTORY_MAX_TOKENS: the most history a turn sends, whatever its model holds. */
  readonly historyMaxTokens: number;
  /** MODEL_CONTEXT_TOKENS: the context assumed for a model no known family matches. */
  readonly defaultContextTokens: number;
}

/**
 * How many tokens of history a call may send: CHAT_HISTORY_MAX_TOKENS, or less when the model's context
 * minus its answer, the system prompt and a margin (tools' definitions, providers' own tokenizers
 * counting differently from o200k_base) holds less. The system prompt is counted only when its bound
 * could make the difference.
 */
export async function historyBudget(
  limits: TokenLimits,
  call: { modelRef: string; maxOutputTokens: number | null; system: string; reservedTokens?: number },
): Promise<number> {
  const context = contextTokensOf(call.modelRef, limits.defaultContextTokens);
  const answer = call.maxOutputTokens ?? Math.min(defaultReservedOutputTokens, Math.floor(context / 4));
  const margin = Math.ceil(context * 0.05);
  const room = context - answer - margin - (call.reservedTokens ?? 0);
  const system = await textTokensWithin(call.system, room - limits.historyMaxTokens);
  return Math.max(0, Math.min(limits.historyMaxTokens, room - system));
}

/**
 * The window for a budget. The whole conversation when it was read whole and fits; otherwise the
 * messages after the summary's end, as many of the newest as fit (the answered message always goes).
 * When they do not all fit, the window still starts after the summary, never at an older message, and
 * those left out are bridged, one line each: a turn never waits for a summary model call (its job runs
 * after the reply, and the next turn gets it). `isGapped` only when the read did not reach back.
 */
export async function chooseWindow(
  read: HistoryRead,
  budgetTokens: number,
  maxReadChars: number,
): Promise<WindowChoice> {
  const { messages, summary } = read;
  const fitting = await newestFitting(messages, budgetTokens, maxReadChars);
  if (read.reachesStart && fitting === messages.length) return split(messages, undefined, undefined, false);
  const afterSummary = summary ? messages.filter((message) => message.id > summary.lastMessageId) : messages;
  const sent = afterSummary.slice(Math.max(0, afterSummary.length - fitting));
  const omitted = afterSummary.slice(0, afterSummary.length - sent.length);
  const oldest = messages[0];
  const reachesBack = summary
    ? read.reachesStart || read.reachesSummary || (oldest !== undefined && oldest.id <= summary.lastMessageId)
    : read.reachesStart;
  return split(sent, summary?.content, bridgeOf(omitted), !reachesBack);
}

/**
 * Room kept in a model's context for a bridge: at most 4,000 characters (the offline summary's cap), some
 * 1,000 tokens of prose. It bounds the history only where the model's context does, not
 * CHAT_HISTORY_MAX_TOKENS, which is the history's alone, as the summary's room is.
 */
export const bridgeReservedTokens = Math.ceil(summaryMaxChars / 4);

/** One line per message left out (its first sentence), as the offline summary writes them. */
function bridgeOf(omitted: readonly HistoryMessage[]): string | undefined {
  return omitted.length > 0 ? offlineSummary(undefined, omitted) : undefined;
}

/** A model's messages start with a user's: replies before the first are told in the system prompt. */
function split(
  window: readonly HistoryMessage[],
  summary: string | undefined,
  bridge: string | undefined,
  isGapped: boolean,
): WindowChoice {
  const firstUser = window.findIndex((message) => message.role === 'user');
  const leading = window.slice(0, Math.max(0, firstUser)).filter((message) => message.role === 'assistant');
  return {
    window: firstUser < 0 ? window : window.slice(firstUser),
    summary,
    leadingReply: leading.length > 0 ? leading.map((message) => message.content).join('\n\n') : undefined,
    bridge,
    isGapped,
  };
}

/**
 * How many of the newest messages fit the budget, at least the newest. Their byte-length bounds first:
 * when those fit, no tokenizer runs; else they are counted newest first (each count kept per message),
 * stopping at the first that does not fit or was read cut.
 */
export async function newestFitting(
  messages: readonly HistoryMessage[],
  budgetTokens: number,
  maxReadChars: number,
): Promise<number> {
  const isReadCut = (message: HistoryMessage) => message.content.length > maxReadChars;
  const older = messages.slice(0, -1);
  const bound = messages.reduce((total, message) => total + tokensAtMost(message), 0);
  if (bound <= budgetTokens && !older.some(isReadCut)) return messages.length;
  const newest = messages.at(-1);
  if (!newest) return 0;
  let used = await tokensOf(newest);
  for (let index = older.length - 1; index >= 0; index -= 1) {
    const message = older[index]!;
    if (isReadCut(message)) return older.length - index;
    used += await tokensOf(message);
    if (used > budgetTokens) return older.length - index;
  }
  return messages.length;
}

const summaryHeading = 'Summary of the earlier conversation (its oldest messages are not shown):';

/**
 * The system prompt's part about the history, after the instructions and the user's facts: the summary,
 * the bridge of the messages between it and the window, the assistant's words just before the first
 * message shown, and a note when messages older than the bridge were never read.
 */
export function historyPreamble(choice: WindowChoice): string {
  const parts: string[] = [];
  if (choice.summary) parts.push(`${summaryHeading}\n${choice.summary}`);
  if (choice.isGapped) {
    parts.push(
      choice.summary
        ? 'Some messages between this summary and the messages below are not shown: they did not fit.'
        : 'The earliest messages of this conversation are not shown: they did not fit.',
    );
  }
  if (choice.bridge) {
    const heading = choice.summary
      ? 'After that summary and before the messages below, in short (the first sentence of each message):'
      : 'Earlier in this conversation, before the messages below, in short (the first sentence of each message):';
    parts.push(`${heading}\n${choice.bridge}`);
  }
  if (choice.leadingReply) parts.push(`Your reply just before the messages below:\n${choice.leadingReply}`);
  return parts.join('\n\n');
}
