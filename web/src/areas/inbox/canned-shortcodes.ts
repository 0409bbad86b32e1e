import type { CannedResponse } from './support-api';

/** The `/word` being typed where the caret is, if any: at the start of the text or after a space. */
export function shortcodeAtCaret(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const match = /(^|\s)\/([a-z0-9_-]*)$/.exec(before);
  if (!match) return null;
  const query = match[2] ?? '';
  return { start: caret - query.length - 1, query };
}

/** The canned responses whose shortcode starts with what was typed, exact match first. */
export function matchingCannedResponses(responses: readonly CannedResponse[], query: string): CannedResponse[] {
  const matches = responses.filter((response) => response.shortcode.startsWith(query));
  return matches.sort((a, b) => Number(b.shortcode === query) - Number(a.shortcode === query)).slice(0, 8);
}

/** Replaces `/query` (from `start` to the caret) with the response's text; the caret lands after it. */
export function insertCannedResponse(
  text: string,
  start: number,
  caret: number,
  content: string,
): { text: string; caret: number } {
  const inserted = text.slice(0, start) + content + text.slice(caret);
  return { text: inserted, caret: start + content.length };
}
