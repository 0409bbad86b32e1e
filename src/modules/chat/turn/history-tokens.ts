import { countTextTokens, tokensPerFilePart, tokensPerMessage } from '../../../ai/call-tokens.js';
import { createLruCache } from '../../../platform/lru-cache.js';
import type { HistoryMessage } from './history.repository.js';

/**
 * Messages whose count this node remembers, the least recently used forgotten first: a stored message's
 * text never changes, so its count does not, and a long conversation's messages are counted once per node.
 */
const counts = createLruCache<number>(20_000);
const encoder = new TextEncoder();

/**
 * The most tokens a message can take, without the tokenizer: o200k_base is a byte-level encoding, so
 * no token is shorter than one UTF-8 byte. A history whose bounds fit the budget is never tokenized.
 */
export function tokensAtMost(message: HistoryMessage): number {
  return utf8Length(message.content) + overheadOf(message);
}

/** The message's tokens as the tokenizer counts them, remembered by message (id and length). */
export async function tokensOf(message: HistoryMessage): Promise<number> {
  const key = `${message.id}:${message.content.length}`;
  const known = counts.get(key);
  if (known !== undefined) return known;
  const counted = (await countTextTokens(message.content)) + overheadOf(message);
  counts.set(key, counted);
  return counted;
}

/** A message's role and separators, and a file part per attachment, as the budgets' estimate counts them. */
const overheadOf = (message: HistoryMessage): number =>
  tokensPerMessage + (message.attachments?.length ?? 0) * tokensPerFilePart;

/** UTF-8 length without allocating for the common all-ASCII text. */
function utf8Length(text: string): number {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(text) ? text.length : encoder.encode(text).length;
}

/** Below this many bytes a system prompt is taken at its bound: overcounting it costs less than the tokenizer. */
const boundedTextBytes = 4_000;

/**
 * Tokens of a text (a system prompt), as the budget needs them: its bound when the budget has `room`
 * for it anyway or it is short, else counted.
 */
export async function textTokensWithin(text: string, room: number): Promise<number> {
  const bound = utf8Length(text);
  return bound <= room || bound <= boundedTextBytes ? bound : countTextTokens(text);
}
