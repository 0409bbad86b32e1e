/**
 * Cutting text to a length without cutting a character in two. A plain `slice` counts UTF-16 units: it
 * can leave half of an emoji's surrogate pair (which PostgreSQL refuses in JSON, and a provider may refuse
 * in a request) or split a flag, a family emoji or a letter from its accent into pieces a reader sees as
 * other characters. Lengths here are counted in code points, as the API's length limits count them, and a
 * cut falls between two characters as a reader sees them (grapheme clusters).
 */

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * How far before the cut a cluster's start is looked for. Real clusters are far shorter (a family emoji
 * is 11 units); a longer run of marks (Zalgo text) is cut between two code points instead.
 */
const clusterLookBehind = 64;

/** The start of `text` that holds at most `maxCharacters` code points, ending between two clusters. */
export function cutToLength(text: string, maxCharacters: number): string {
  if (text.length <= maxCharacters) return text;
  const at = unitsOfCodePoints(text, maxCharacters);
  return at >= text.length ? text : text.slice(0, clusterStartAtOrBefore(text, at));
}

/**
 * `text` itself when it fits in `maxCharacters` code points, else a cut that ends with `…` within them;
 * `trimEnd` drops the spaces the cut left before the `…` (titles, quotes).
 */
export function shortenTo(text: string, maxCharacters: number, options: { trimEnd?: boolean } = {}): string {
  const cut = cutToLength(text, maxCharacters);
  if (cut.length === text.length) return text;
  const kept = cutToLength(cut, maxCharacters - 1);
  return `${options.trimEnd ? kept.trimEnd() : kept}…`;
}

/** Where the first `count` code points of `text` end, in UTF-16 units. */
function unitsOfCodePoints(text: string, count: number): number {
  let units = 0;
  for (let seen = 0; seen < count && units < text.length; seen += 1) {
    units += isHighSurrogate(text.charCodeAt(units)) && isLowSurrogate(text.charCodeAt(units + 1)) ? 2 : 1;
  }
  return units;
}

/** The start of the cluster that `at` falls in (`at` itself when a cluster starts there). */
function clusterStartAtOrBefore(text: string, at: number): number {
  const from = Math.max(0, at - clusterLookBehind);
  // The window reaches past `at`, so the cluster that crosses it is read whole.
  const window = text.slice(from, Math.min(text.length, at + clusterLookBehind));
  let start = from;
  for (const { index } of graphemes.segment(window)) {
    if (from + index > at) break;
    start = from + index;
  }
  // Only the window's own first "boundary" was found, and it may lie inside a cluster: cut at `at`,
  // which unitsOfCodePoints put between two code points.
  return start === from && from > 0 ? at : start;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * The run of `characters` (single UTF-16 units) that ends `text`, '' when there is none. A loop, because
 * the pattern `[…]+$` backtracks over every run of those characters in the text, not only the last:
 * quadratic, 2 s for 40,000 dots and hours for a document's megabyte.
 */
export function trailingRunOf(text: string, characters: string): string {
  let start = text.length;
  while (start > 0 && characters.includes(text[start - 1]!)) start -= 1;
  return text.slice(start);
}
