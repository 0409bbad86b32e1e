import { countTokens as countO200kTokens, isWithinTokenLimit } from 'gpt-tokenizer/encoding/o200k_base';

// Documents are data, not prompts: "<|endoftext|>" in a file is ordinary text to be counted, not a
// special token (gpt-tokenizer throws on it by default).
const asPlainText = { disallowedSpecial: new Set<string>() };

/**
 * Tokens in `text` under o200k_base (the encoding of current OpenAI models; close enough for others'
 * budgets). Exact, and fast enough for whole documents: ~0.5–0.7 s for 8 MB on one core, so no
 * approximation is needed.
 */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  return countO200kTokens(text, asPlainText);
}

/**
 * The token count of `text` when it is at most `limit`, else null. Text far longer than the limit
 * (more than 8 characters a token is rare) is encoded only until the limit is passed.
 *
 * Encoding is done piece by piece, and a piece is a run without spaces: one of more than 8 characters
 * per token of the limit is taken as too long without encoding it. BPE over a single piece takes time
 * quadratic in its length (a 20 KB run of letters took 0.3 s, 200 KB over a minute), and such a run
 * is cut on characters anyway (split-text.ts).
 */
export function countTokensUpTo(text: string, limit: number): number | null {
  if (text.length <= limit * 8) {
    const tokens = countTokens(text);
    return tokens <= limit ? tokens : null;
  }
  if (new RegExp(`\\S{${limit * 8 + 1}}`).test(text)) return null;
  const tokens = isWithinTokenLimit(text, limit, asPlainText);
  return tokens === false ? null : tokens;
}
