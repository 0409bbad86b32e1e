import { stem } from 'porter2';
import { foldLatinAccents } from '../../../platform/latin-accents.js';
import { hasSoutheastAsianText, isSoutheastAsianCode, wordBreaks } from '../../../platform/word-segments.js';
import { isCjkCode } from './text-analysis.js';

/** Up to three passages of 30 words (as whitespace separates them), as ts_headline's MaxFragments=3, MaxWords=30. */
const maxPassages = 3;
const wordsPerPassage = 30;
/** Words shown before a passage's first match, so it does not start on the match itself. */
const leadingWords = 5;

// Marks belong to their letter's word (Hindi's vowel signs, Arabic's vowels), as the parser reads them.
const partPattern = /[\p{L}\p{M}\p{N}]+/gu;
const joiner = /[-.@_/']/;
const digit = /\p{N}/u;
/** A character the index holds as a term of its own (text-analysis.ts): so does the highlighter. */
const isCjk = (text: string, index: number): boolean => index >= 0 && isCjkCode(text.charCodeAt(index));
/** Thai, Lao, Myanmar and Khmer, whose words ICU finds (word-segments.ts). */
const isSoutheastAsian = (text: string, index: number): boolean =>
  index >= 0 && isSoutheastAsianCode(text.charCodeAt(index));

/** A span of the content to wrap in «…», and the query lexeme it is indexed as. */
interface Mark {
  readonly start: number;
  readonly end: number;
  readonly lexeme: string;
}

/**
 * Gives the passages of a content around the query's terms, each match wrapped in «…»; none when no
 * term occurs. Made once per search, for all its hits. `queryLexemes` are the query's terms as `to_tsvector('english', …)` gives them, and a word
 * matches as that configuration would index it: lowercased, and stemmed by Snowball's English stemmer
 * (Porter2, which `porter2` implements word for word like PostgreSQL's `english_stem`) unless it holds
 * a digit, since the `english` configuration indexes words with digits unstemmed. A compound such as
 * "long-term" matches whole, or else part by part, as the parser indexes both.
 *
 * This replaces `ts_headline`, which parses and stems the whole chunk inside the database: ~0.35 ms
 * per chunk on PostgreSQL, most of a search's time once it returns 10 hits or more.
 */
export function passageHighlighter(queryLexemes: readonly string[]): (content: string) => string[] {
  if (queryLexemes.length === 0) return () => [];
  const findMarks = markFinder(queryLexemes);
  return (content) => {
    const marks = findMarks(content);
    if (marks.length === 0) return [];
    const words = wordBounds(content);
    const markWords = marks.map((mark) => wordAt(words.starts, mark.start));
    return choosePassages(words.starts.length, marks, markWords).map(([first, last]) =>
      renderPassage(content, marks, words.starts[first]!, words.ends[last]!),
    );
  };
}

/**
 * Finds the words and compound parts indexed as a query lexeme, in order. Only tokens that begin with
 * a lexeme's stem prefix are looked at: Porter2 changes at most the last two letters of what it keeps
 * of a word ("dying" → "die" keeps only the first), so a word can only stem to a lexeme if it starts
 * with the lexeme less two letters (its first letter for lexemes of three or fewer); checked against
 * every word of SciFact's corpus. The prefixes are found with `indexOf` in the lowercased content: a
 * pattern built per query cost ~1 ms to compile with its Unicode classes, more than all the matching.
 */
function markFinder(queryLexemes: readonly string[]): (content: string) => Mark[] {
  const lexemes = new Set(queryLexemes);
  const stemPrefixes = queryLexemes.map((lexeme) =>
    foldLatinAccents(lexeme.length <= 3 ? lexeme[0]! : lexeme.slice(0, -2)),
  );
  // The index reads "ß" as "ss" (text-analysis.ts): 'gross' is also found written "groß".
  const prefixes = [...new Set(stemPrefixes.flatMap((prefix) => [prefix, prefix.replaceAll('ss', 'ß')]))];
  // The hits of one search share most of their words.
  const indexed = new Map<string, string | null>();
  const indexedAs = (lower: string): string | undefined => {
    let lexeme = indexed.get(lower);
    if (lexeme === undefined) {
      const analysed = lower.replaceAll('ß', 'ss');
      const stemmed = digit.test(analysed) ? analysed : stem(analysed);
      lexeme = lexemes.has(lower) ? lower : lexemes.has(analysed) ? analysed : lexemes.has(stemmed) ? stemmed : null;
      indexed.set(lower, lexeme);
    }
    return lexeme ?? undefined;
  };
  return (content) => {
    // Lowercasing keeps offsets unless a letter lowercases to two (a dotted capital I): such a chunk is
    // searched as written, so only its lowercase words can match. Folding accents keeps them too, and
    // the index holds "café" as 'cafe' (text-analysis.ts).
    const lowered = content.toLowerCase();
    const lower = foldLatinAccents(lowered.length === content.length ? lowered : content);
    // Thai and its neighbours are indexed word by word as ICU splits them (text-analysis.ts).
    const breaks = hasSoutheastAsianText(content) ? wordBreaks(content) : undefined;
    const starts = new Set<number>();
    for (const prefix of prefixes) {
      for (let at = lower.indexOf(prefix); at !== -1; at = lower.indexOf(prefix, at + 1)) {
        if (startsToken(lower, at, breaks)) starts.add(at);
      }
    }
    const marks: Mark[] = [];
    let covered = 0;
    for (const start of [...starts].sort((a, b) => a - b)) {
      // "term" in "long-term" was looked at with its compound.
      if (start < covered) continue;
      const end = tokenEnd(lower, start, breaks);
      covered = end;
      const token = lower.slice(start, end);
      const whole = indexedAs(token);
      if (whole) {
        marks.push({ start, end, lexeme: whole });
      } else if (joiner.test(token)) {
        for (const part of token.matchAll(partPattern)) {
          const lexeme = indexedAs(part[0]);
          const partStart = start + part.index;
          if (lexeme) marks.push({ start: partStart, end: partStart + part[0].length, lexeme });
        }
      }
    }
    return marks;
  };
}

const wordCharacter = /[\p{L}\p{M}\p{N}]/u;

function isWordCharacter(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (code < 128) return (code >= 48 && code <= 57) || (code >= 97 && code <= 122) || (code >= 65 && code <= 90);
  return !Number.isNaN(code) && wordCharacter.test(text[index]!);
}

/**
 * A token starts after a space or punctuation, or inside a hyphenated word (whose parts are indexed),
 * but not inside "help@example.com" or "a.b/c", which are indexed whole.
 */
function startsToken(text: string, at: number, breaks: ReadonlySet<number> | undefined): boolean {
  if (at === 0 || isCjk(text, at) || isCjk(text, at - 1)) return true;
  if (breaks && (isSoutheastAsian(text, at) || isSoutheastAsian(text, at - 1))) return breaks.has(at);
  if (isWordCharacter(text, at - 1)) return false;
  const before = text[at - 1];
  return !((before === '.' || before === '@' || before === '/') && at >= 2 && isWordCharacter(text, at - 2));
}

/** Letters and digits, and joiners between them ("long-term", "example.com"). */
function tokenEnd(text: string, start: number, breaks: ReadonlySet<number> | undefined): number {
  if (isCjk(text, start)) return start + 1;
  if (breaks && isSoutheastAsian(text, start)) {
    let end = start + 1;
    while (!breaks.has(end)) end += 1;
    return end;
  }
  let end = start;
  while (end < text.length) {
    if (isCjk(text, end)) break;
    if (isWordCharacter(text, end)) end += 1;
    else if (joiner.test(text[end]!) && isWordCharacter(text, end + 1)) end += 2;
    else break;
  }
  return end;
}

/**
 * Where each word starts and ends, words being what whitespace separates: the unit of a passage's
 * length. A loop over char codes, ten times cheaper than a Unicode pattern over the whole chunk.
 */
function wordBounds(content: string): { starts: number[]; ends: number[] } {
  const starts: number[] = [];
  const ends: number[] = [];
  let inWord = false;
  for (let index = 0; index < content.length; index += 1) {
    const code = content.charCodeAt(index);
    const isSpace = code === 32 || (code >= 9 && code <= 13) || code === 160;
    if (isSpace && inWord) ends.push(index);
    else if (!isSpace && !inWord) starts.push(index);
    inWord = !isSpace;
  }
  if (inWord) ends.push(content.length);
  return { starts, ends };
}

/** The index of the word holding `offset`: the last that starts at or before it. */
function wordAt(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (starts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

/**
 * Greedily the window of `wordsPerPassage` words matching the most distinct query terms, then the best
 * that overlaps none chosen, up to `maxPassages`; returned in the content's order as [first, last] word.
 */
function choosePassages(wordCount: number, marks: readonly Mark[], markWords: readonly number[]): [number, number][] {
  if (wordCount <= wordsPerPassage) return [[0, wordCount - 1]];
  const chosen: [number, number][] = [];
  const overlapsChosen = (first: number, last: number) => chosen.some(([a, b]) => first <= b && last >= a);
  while (chosen.length < maxPassages) {
    let best: { first: number; last: number; score: number } | undefined;
    let previousFirst = -1;
    for (let from = 0; from < markWords.length; from += 1) {
      const first = Math.max(0, Math.min(markWords[from]! - leadingWords, wordCount - wordsPerPassage));
      const last = first + wordsPerPassage - 1;
      if (first === previousFirst || overlapsChosen(first, last)) continue;
      previousFirst = first;
      // Marks are in order: those of this window follow from the first at or after `first`.
      const terms = new Set<string>();
      for (let index = from; index >= 0 && markWords[index]! >= first; index -= 1) terms.add(marks[index]!.lexeme);
      for (let index = from + 1; index < markWords.length && markWords[index]! <= last; index += 1) {
        terms.add(marks[index]!.lexeme);
      }
      if (!best || terms.size > best.score) best = { first, last, score: terms.size };
    }
    if (!best) break;
    chosen.push([best.first, best.last]);
  }
  return chosen.sort((a, b) => a[0] - b[0]);
}

/** The content from `start` to `end`, with its marks wrapped. */
function renderPassage(content: string, marks: readonly Mark[], start: number, end: number): string {
  let text = '';
  let at = start;
  for (const mark of marks) {
    if (mark.start < start || mark.end > end) continue;
    // Marks that touch are one run to the reader (CJK characters, each its own term): «東京», not «東»«京».
    if (mark.start === at && text.endsWith('»')) text = `${text.slice(0, -1)}${content.slice(mark.start, mark.end)}»`;
    else text += `${content.slice(at, mark.start)}«${content.slice(mark.start, mark.end)}»`;
    at = mark.end;
  }
  return text + content.slice(at, end);
}
