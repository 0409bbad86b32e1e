import { sql, type SQL } from 'drizzle-orm';
import { foldLatinAccents } from '../../../platform/latin-accents.js';
import { spaceSoutheastAsianWords } from '../../../platform/word-segments.js';

/**
 * The `english` text search configuration over a text, as the index and every query see it.
 * PostgreSQL's parser reads the digits after a hyphen as a signed number: "ZX-4471" gave 'zx' and
 * '-4471', so a search for 4471 (or "COVID 19") found nothing. A hyphen between a letter or digit and a
 * digit is read as a space first, so product codes index their parts ('zx', '4471'); a number standing
 * alone ("-5") keeps its sign.
 */
export function analyzed(text: SQL): SQL {
  return sql`to_tsvector('english', ${parsedText(text)})`;
}

/**
 * A text's plain words as written, lower-cased, each with its stem (the term the analysis above gives
 * it) and how often it appears: a set-returning expression with columns `spelling`, `term`, `repeats`.
 * Only the parser's ASCII words and ASCII parts of hyphenated words, the only ones query correction
 * offers; stop words (no stem) are left out. The index keeps them so that a correction is shown as a
 * word the source writes (knowledge-index.repository.ts, query-correction.ts).
 */
export function spelledWords(text: SQL): SQL {
  // Token types 1 and 11 of the default parser: asciiword, hword_asciipart.
  return sql`(
    select * from (
      select w.spelling, (ts_lexize('english_stem', w.spelling))[1] as term, w.repeats
      from (
        select lower(p.token) as spelling, count(*)::int as repeats
        from ts_parse('default', ${parsedText(text)}) p
        where p.tokid in (1, 11)
        group by lower(p.token)
      ) w
    ) stemmed
    where stemmed.term is not null
  )`;
}

/** The text the parser reads: hyphens before digits read as spaces, CJK characters spaced apart. */
function parsedText(text: SQL): SQL {
  const hyphensSplit = sql`regexp_replace(${text}, '(?<=[[:alnum:]])-(?=[[:digit:]])', ' ', 'g')`;
  return sql`regexp_replace(${hyphensSplit}, ${sql.raw(`'(${cjkCharacter})'`)}, ' \\1 ', 'g')`;
}

/**
 * Chinese, Japanese and Korean characters (kana, CJK ideographs, Hangul syllables), each of which
 * becomes a term of its own. These scripts are not written with spaces, and the parser took a whole
 * run ("東京オフィスの営業時間は…", up to the next punctuation) as one word, so only that exact run
 * matched; now a query for 東京 or オフィス matches the characters it shares with a passage.
 */
const cjkRanges: readonly (readonly [number, number])[] = [
  [0x3040, 0x30ff], // hiragana and katakana
  [0x3400, 0x4dbf], // CJK ideographs, extension A
  [0x4e00, 0x9fff], // CJK ideographs
  [0xac00, 0xd7af], // Hangul syllables
  [0xf900, 0xfaff], // CJK compatibility ideographs
];
const hex = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
const cjkCharacter = `[${cjkRanges.map(([first, last]) => `${hex(first)}-${hex(last)}`).join('')}]`;

/** The same characters, for code that reads text as the index does (passage-highlights.ts). */
export function isCjkCode(code: number): boolean {
  return code >= 0x3040 && cjkRanges.some(([first, last]) => code >= first && code <= last);
}

/**
 * The text the index and a query analyse: composed first, so an accent typed as a mark of its own folds
 * too, and with spaces between the words of Thai, Lao, Myanmar and Khmer, which the parser would read
 * run by run (word-segments.ts). German "ß" is written "ss" where it cannot be typed ("Grosse" for
 * "Größe"), so it is read as "ss" here; the highlights, which need the text's own length, fold it apart.
 */
export function textToAnalyse(text: string): string {
  return withSharpSKept(text).replace(sharpS, (letter) => (letter === 'ß' ? 'ss' : 'SS'));
}
const sharpS = /[ßẞ]/g;
const hasSharpS = /[ßẞ]/;

/** The text as the index read it before ß was read as ss (2026-11-25). */
function withSharpSKept(text: string): string {
  return foldLatinAccents(spaceSoutheastAsianWords(text.normalize('NFC')));
}

/**
 * A query's lexemes with their repeats: the analysis above, of the query as `textToAnalyse` gives it;
 * what the parser alone made of the query as typed, so documents indexed before hyphenated numbers were
 * split (which hold '-4471') or accents folded (which hold 'café') still match until they are indexed
 * again; the query's codes spelled the other ways (`otherCodeSpellings`); and, for a query with ß, the
 * query as documents indexed before ß was read as ss hold it. A lexeme in more than one counts once,
 * with its largest repeat.
 */
export function queryLexemes(query: string): SQL {
  return sql`(
    select lexeme, max(cardinality(positions))::float8 as repeats
    from (
      select * from unnest(${analyzed(sql`${textToAnalyse(query)}::text`)})
      union all
      select * from unnest(to_tsvector('english', ${query}::text))
      union all
      select * from unnest(${analyzed(sql`${textToAnalyse(otherCodeSpellings(query))}::text`)})
      union all
      select * from unnest(${analyzed(sql`${hasSharpS.test(query) ? withSharpSKept(query) : ''}::text`)})
    ) as analyses
    group by lexeme
  )`;
}

const codeWord = /[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*/gu;
const letterDigitBoundary = /(?<=\p{L})(?=\p{N})|(?<=\p{N})(?=\p{L})/u;

/**
 * The other spellings of the codes in a query (words of letters and digits), as documents write them:
 * the index holds "ZX-4471" as 'zx' and '4471' and "ZX4471" as 'zx4471', so a query typed "zx4471"
 * found the first nowhere and "ZX-4471" the second nowhere. A code is also given apart where letters
 * meet digits (when every part has two characters or more: "p53" giving 'p' would match every
 * p-value), and without its hyphens.
 */
export function otherCodeSpellings(query: string): string {
  const spellings: string[] = [];
  for (const [word] of query.matchAll(codeWord)) {
    if (!/\p{L}/u.test(word) || !/\p{N}/u.test(word)) continue;
    const joined = word.replaceAll('-', '');
    if (joined !== word) spellings.push(joined);
    const parts = joined.split(letterDigitBoundary);
    if (parts.length > 1 && parts.every((part) => part.length >= 2)) spellings.push(parts.join(' '));
  }
  return spellings.join(' ');
}
