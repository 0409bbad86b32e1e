/**
 * Words in scripts written without spaces. Splitting on spaces and punctuation takes a whole Thai
 * sentence ("กรุงเทพมหานครเป็นเมืองหลวง") or a Chinese clause as one word, so a question or a query
 * for one of its words matched nothing. ICU's word breaker, which Node ships with its dictionaries,
 * finds those words ("กรุงเทพมหานคร|เป็น|เมือง|หลวง", "长城|有|多|长").
 */
const wordBreaker = new Intl.Segmenter(undefined, { granularity: 'word' });

/**
 * Thai, Lao, Myanmar and Khmer. PostgreSQL's parser reads a run of them as one word; CJK characters are
 * split one by one in the index's own analysis instead (knowledge/retrieval/text-analysis.ts).
 */
const southeastAsianRanges: readonly (readonly [number, number])[] = [
  [0x0e00, 0x0eff], // Thai and Lao
  [0x1000, 0x109f], // Myanmar
  [0x1780, 0x17ff], // Khmer
];
const hex = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
const southeastAsianClass = `[${southeastAsianRanges.map(([first, last]) => `${hex(first)}-${hex(last)}`).join('')}]`;
const southeastAsianRun = new RegExp(`${southeastAsianClass}+`, 'g');
const southeastAsianCharacter = new RegExp(southeastAsianClass);

/** Whether a UTF-16 code is a Thai, Lao, Myanmar or Khmer character. */
export function isSoutheastAsianCode(code: number): boolean {
  return code >= 0x0e00 && southeastAsianRanges.some(([first, last]) => code >= first && code <= last);
}

/** The words of `text` (letters and digits; spaces and punctuation left out), as ICU finds them. */
export function wordsOf(text: string): string[] {
  const words: string[] = [];
  for (const { segment, isWordLike } of wordBreaker.segment(text)) if (isWordLike) words.push(segment);
  return words;
}

/** Whether `text` holds Thai, Lao, Myanmar or Khmer. */
export function hasSoutheastAsianText(text: string): boolean {
  return southeastAsianCharacter.test(text);
}

/** Where ICU's words and the gaps between them start in `text`, and its end. */
export function wordBreaks(text: string): Set<number> {
  const breaks = new Set<number>([text.length]);
  for (const { index } of wordBreaker.segment(text)) breaks.add(index);
  return breaks;
}

/** `text` with a space between the words of each Thai, Lao, Myanmar or Khmer run; other text as it was. */
export function spaceSoutheastAsianWords(text: string): string {
  return text.replace(southeastAsianRun, (run) => wordsOf(run).join(' '));
}
