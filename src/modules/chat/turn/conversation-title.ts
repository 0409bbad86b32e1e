import { generateText } from 'ai';
import { offlineTitle } from '../../../ai/offline-model.js';
import type { ResolvedModel } from './model-resolver.js';
import { cutToLength, shortenTo } from '../../../platform/text-cut.js';

const titleMaxChars = 80;
const titleTimeoutMs = 15_000;
const promptExcerptChars = 2000;

const titleInstructions =
  'You name chat conversations. Reply with a title of at most six words that says what the conversation is about. ' +
  'Use the language of the conversation. No quotes, no trailing punctuation, no preamble.';

/**
 * A short title for a conversation from its first exchange. The offline model has nothing to say, so
 * its title comes from the user's words; a failing or empty model answer falls back to the same.
 */
export async function writeConversationTitle(
  resolved: ResolvedModel,
  firstUserMessage: string,
  firstReply: string,
): Promise<string> {
  const fallback = offlineTitle(firstUserMessage);
  if (resolved.isOffline) return fallback;
  try {
    const { text } = await generateText({
      model: resolved.forPath('title'),
      system: titleInstructions,
      prompt: `User: ${cutToLength(firstUserMessage, promptExcerptChars)}\n\nAssistant: ${cutToLength(firstReply, promptExcerptChars)}`,
      maxOutputTokens: 32,
      maxRetries: 0,
      abortSignal: AbortSignal.timeout(titleTimeoutMs),
    });
    return cleanTitle(text) || fallback;
  } catch {
    return fallback;
  }
}

/**
 * How much of the answer's first line is read. A provider that ignores maxOutputTokens may answer with
 * megabytes (a fake one in the tests answered 8 MB of dots): the trailing-punctuation pattern below
 * backtracks over every run of dots, and took 47 s of the server's one thread on that answer.
 */
const titleLineReadChars = 1000;

/** Models like to wrap titles in quotes, prefix them, or run on; keep one plain line. */
export function cleanTitle(text: string): string {
  const trimmed = text.trimStart();
  const lineEnd = trimmed.indexOf('\n');
  const firstLine = (lineEnd === -1 ? trimmed : trimmed.slice(0, lineEnd)).slice(0, titleLineReadChars);
  const plain = firstLine
    .normalize('NFC')
    .replace(/^title:\s*/i, '')
    // Markdown emphasis and code marks anywhere in the line: a title is shown as plain text.
    .replace(/[*_`~]+/g, '')
    // Control characters (a NUL cannot even be stored) read as spaces.
    .replace(/\p{Cc}/gu, ' ')
    .replace(/^["'“”‘’#\s]+|["'“”‘’\s.]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return shortenTo(plain, titleMaxChars, { trimEnd: true });
}
