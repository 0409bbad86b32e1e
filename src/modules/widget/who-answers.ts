import type { SupportStatus } from '../../platform/db/schema/index.js';

/** What happens to a contact's message, decided before anything calls a model. */
export type Answerer =
  /** The inbox's AI agent answers (a chat turn). */
  | { readonly kind: 'ai' }
  /** A person was asked for now: the conversation goes to `pending`, and no model is called. */
  | { readonly kind: 'handover'; readonly reason: string }
  /** A person has it or was already asked for: the message waits for them, no model is called. */
  | { readonly kind: 'person' };

const normalise = (text: string): string => text.normalize('NFKC').toLowerCase();

/**
 * The first handoff keyword the text contains. Latin keywords match whole words ("agent", not
 * "agenda"); others (Chinese has no spaces between words) match anywhere.
 */
export function matchedKeyword(text: string, keywords: readonly string[]): string | undefined {
  const haystack = normalise(text);
  return keywords.find((keyword) => {
    const needle = normalise(keyword).trim();
    if (needle === '') return false;
    if (!/^[\p{Script=Latin}\d\s'-]+$/u.test(needle)) return haystack.includes(needle);
    const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(`(^|[^\\p{L}\\p{N}])${escaped}($|[^\\p{L}\\p{N}])`, 'u').test(haystack);
  });
}

/** Letters and digits only, in one case, single-spaced: quotes, punctuation and emphasis do not count. */
const wordsOf = (text: string): string =>
  normalise(text)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/**
 * Whether the AI's reply is the inbox's "no answer" form: the sentence it was told to reply word for
 * word when it cannot answer, quoted or punctuated or not, perhaps followed by more. Empty form: never.
 */
export function isNoAnswerReply(reply: string, noAnswerReply: string): boolean {
  const form = wordsOf(noAnswerReply);
  if (form === '') return false;
  const said = wordsOf(reply);
  return said === form || said.startsWith(`${form} `);
}

/**
 * Who answers a contact's message in a conversation now in `status` (after a resolved one was
 * reopened, or a snoozed one woken): the AI only in `bot`, and not when the contact asked for a person
 * in words, the inbox has no AI, or the channel held the AI back (`heldBackReason`: one sender's flood
 * of mail) — then a person is asked for, and no model is called.
 */
export function whoAnswers(
  status: SupportStatus,
  text: string,
  inbox: { readonly hasAgent: boolean; readonly keywords: readonly string[] },
  heldBackReason?: string,
): Answerer {
  if (status !== 'bot') return { kind: 'person' };
  if (!inbox.hasAgent) return { kind: 'handover', reason: 'the inbox has no AI agent' };
  const keyword = matchedKeyword(text, inbox.keywords);
  if (keyword !== undefined) return { kind: 'handover', reason: `the contact wrote '${keyword}'` };
  if (heldBackReason !== undefined) return { kind: 'handover', reason: heldBackReason };
  return { kind: 'ai' };
}
