import { foldLatinAccents } from '../platform/latin-accents.js';
import { shortenTo, trailingRunOf } from '../platform/text-cut.js';
import { wordsOf } from '../platform/word-segments.js';
import type { AttachedText } from './attached-text.js';
import type { PromptPassage } from './passages-prompt.js';

/** Only the best passages are read: lower ones rarely help and would make the answer wander. */
const passagesRead = 3;
const maxSentences = 4;
const minSentences = 2;
const sentenceMaxChars = 400;
const quoteMaxChars = 60;

/** Words that say nothing about what is asked; without them "what is the refund policy" is "refund policy". */
const stopWords = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have how i if in into is it its ' +
    'me my of on or our please should so tell than that the their them then there these they this those to ' +
    'us was we were what when where which who whom why will with would you your about any some per'
  ).split(' '),
);

/** Where a sentence comes from, and how the answer credits it. */
interface Source {
  readonly content: string;
  cite(sentence: string): string;
}

/**
 * The offline model's answer from the files attached to the question and the retrieved passages: the
 * sentences that share the most terms with the question (2–4 of them), each followed by its passage's
 * marker [n] or the name of its file; or a plain "couldn't find" when no sentence shares any. Attached
 * files come first (the user gave them for this question), then the top passages. Deterministic: same
 * question, files and passages, same answer.
 */
export function answerFromPassages(
  question: string,
  passages: readonly PromptPassage[] | undefined,
  attached: readonly AttachedText[] = [],
): string {
  const questionTerms = new Set(termsOf(question));
  const sources: Source[] = [
    ...attached.map((file) => ({
      content: file.text,
      cite: (sentence: string) => credit(sentence, `(from "${file.filename}")`),
    })),
    ...(passages ?? []).slice(0, passagesRead).map((passage) => ({
      content: passage.content,
      cite: (sentence: string) => credit(sentence, `[${passage.marker}]`),
    })),
  ];
  const candidates = sources.flatMap((source, rank) =>
    sentencesOf(source.content).map((sentence, position) => ({
      sentence,
      source,
      rank,
      position,
      score: new Set(termsOf(sentence).filter((term) => questionTerms.has(term))).size,
    })),
  );
  const relevant = candidates
    .filter((candidate) => candidate.score > 0)
    .sort((a, b) => b.score - a.score || a.rank - b.rank || a.position - b.position);
  const best = relevant[0];
  if (!best) {
    const where = [attached.length ? 'the attached files' : '', passages ? 'the knowledge sources' : '']
      .filter(Boolean)
      .join(' or ');
    return `I couldn't find anything about "${quote(question)}" in ${where}.`;
  }
  // Strong matches first; weaker ones only to reach two sentences.
  const strong = relevant.filter((candidate) => candidate.score * 2 >= best.score).slice(0, maxSentences);
  const chosen = strong.length >= minSentences ? strong : relevant.slice(0, minSentences);
  return chosen.map(({ sentence, source }) => source.cite(sentence)).join(' ');
}

/** "It rains." → "It rains [2]." so the credit reads as part of the sentence it supports. */
function credit(sentence: string, suffix: string): string {
  const ending = trailingRunOf(sentence, sentenceEnds);
  const body = sentence.slice(0, sentence.length - ending.length);
  return `${body} ${suffix}${ending || '.'}`;
}

/** Full stops, question and exclamation marks, and those of Chinese and Japanese, Hindi and Arabic. */
const sentenceEnds = '.!?。！？।॥؟۔';
/** After a Latin stop a space must follow ("3.5" is no end); after the others none does. */
const sentenceBreak = /(?<=[.!?])\s+|(?<=[。！？।॥؟۔])\s*|\n+/u;

function sentencesOf(text: string): string[] {
  return text
    .split(sentenceBreak)
    .map((sentence) => sentence.replace(/\s+/g, ' ').trim())
    .filter((sentence) => /\p{L}/u.test(sentence))
    .map((sentence) => shortenTo(sentence, sentenceMaxChars));
}

/**
 * Lower-cased words without stop words or Latin accents, and with ß as ss ("Grosse" is "Größe"), as
 * knowledge search reads them (text-analysis.ts); lightly stemmed so "policies" meets "policy" and
 * "refunds" "refund". Words as ICU finds them, so Chinese, Japanese and Thai, written without spaces,
 * have words too ("长城有多长" → 长城, 有, 多, 长).
 */
function termsOf(text: string): string[] {
  return wordsOf(foldLatinAccents(text.normalize('NFC').toLowerCase()).replaceAll('ß', 'ss'))
    .filter((word) => !stopWords.has(word) && (word.length > 1 || /\d/.test(word)))
    .map(stem);
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

function quote(text: string): string {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  return shortenTo(collapsed, quoteMaxChars, { trimEnd: true });
}
