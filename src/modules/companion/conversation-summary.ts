import { generateText } from 'ai';
import type { ResolvedModel } from '../chat/index.js';
import { cutToLength, shortenTo } from '../../platform/text-cut.js';
import type { SummarisedMessage } from './companion.repository.js';

/** Long enough for the gist of a long conversation, short enough to leave the model room for the recent messages. */
export const summaryMaxChars = 4000;
const messageExcerptChars = 1500;
const offlineLineChars = 200;
/** The offline summary keeps the conversation's start as well as its latest turns. */
const offlineOpeningLines = 6;

const summaryInstructions =
  'You summarise a conversation between a user and an assistant so it can continue later without its messages. ' +
  'Merge the previous summary (when there is one) with the new messages: keep every fact, decision, name, number ' +
  'and open question from both, drop small talk. Write short plain sentences in the language of the conversation, ' +
  'at most 250 words, no preamble.';

/** Thrown when the model answered nothing: the job fails and is retried, no summary is stored. */
export class EmptySummaryError extends Error {
  override readonly name = 'EmptySummaryError';
}

/**
 * The summary of the previous one and the messages after it. Any model failure is thrown: the job
 * retries it with backoff, and what a model said when it failed never becomes a summary.
 */
export async function writeSummary(
  resolved: Pick<ResolvedModel, 'model' | 'isOffline'>,
  previous: string | undefined,
  messages: readonly SummarisedMessage[],
  options: { abortSignal: AbortSignal; timeoutMs: number },
): Promise<string> {
  if (resolved.isOffline) return offlineSummary(previous, messages);
  const transcript = messages
    .map((message) => `${speaker(message)}: ${cutToLength(message.content, messageExcerptChars)}`)
    .join('\n\n');
  const { text } = await generateText({
    model: resolved.model,
    system: summaryInstructions,
    prompt: `${previous ? `Previous summary:\n${previous}\n\n` : ''}New messages:\n${transcript}`,
    maxOutputTokens: 600,
    maxRetries: 0,
    abortSignal: AbortSignal.any([options.abortSignal, AbortSignal.timeout(options.timeoutMs)]),
  });
  const summary = shortenTo(text.trim(), summaryMaxChars, { trimEnd: true });
  if (!summary) throw new EmptySummaryError('The utility model answered an empty summary');
  return summary;
}

const speaker = (message: SummarisedMessage): string => (message.role === 'user' ? 'User' : 'Assistant');

/** The first sentence (or the start) of a message, on one line. */
function firstSentence(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  const end = line.search(/[.!?](\s|$)/);
  return shortenTo(end >= 0 ? line.slice(0, end + 1) : line, offlineLineChars, { trimEnd: true });
}

/**
 * The built-in model's summary: deterministic and extractive. One line per message (its first
 * sentence) after the previous summary's lines; past the size cap the opening lines and the most
 * recent ones are kept, so both the start and the latest of the conversation survive.
 */
export function offlineSummary(previous: string | undefined, messages: readonly SummarisedMessage[]): string {
  const previousLines = previous ? previous.split('\n').filter((line) => line.trim() && line !== '…') : [];
  const lines = [
    ...previousLines,
    ...messages.map((message) => `${speaker(message)}: ${firstSentence(message.content)}`),
  ];
  const size = (kept: readonly string[]) => kept.reduce((total, line) => total + line.length + 1, 0);
  if (size(lines) <= summaryMaxChars) return lines.join('\n');
  const opening = lines.slice(0, offlineOpeningLines);
  const recent: string[] = [];
  for (let index = lines.length - 1; index >= offlineOpeningLines; index -= 1) {
    if (size(opening) + size(recent) + lines[index]!.length + 3 > summaryMaxChars) break;
    recent.unshift(lines[index]!);
  }
  return [...opening, '…', ...recent].join('\n');
}
