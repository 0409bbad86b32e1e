import type { CorpusText } from './corpus-ingestion.js';

/**
 * Deterministic generated text over a Zipf-distributed vocabulary (s ≈ 1.1, like English word counts),
 * so postings lists have a realistic long tail: a few huge lists (common words) and many short ones.
 */
export interface SyntheticCorpus {
  readonly texts: CorpusText[];
  readonly queries: string[];
}

/**
 * `english-like`: as in English text, the commonest words are the function words the analyzer drops
 * (the Zipf law's first ranks are PostgreSQL's English stop words), so the commonest indexed word is in
 * about 5 % of chunks. `no-stop-words`: every word is indexed, so the commonest are in nearly every
 * chunk, a case real text does not produce but that stresses BM25's longest postings lists.
 */
export const syntheticVocabularies = ['english-like', 'no-stop-words'] as const;
export type SyntheticVocabulary = (typeof syntheticVocabularies)[number];

const vocabularySize = 50_000;
const syllables = [
  'ka',
  'lo',
  'mi',
  'ter',
  'an',
  'sol',
  'vi',
  're',
  'don',
  'pha',
  'ul',
  'es',
  'gor',
  'ti',
  'nu',
  'bre',
];

/** PostgreSQL's `english` stop words, roughly commonest first (the order among them changes nothing indexed). */
const stopWords = (
  'the of and to a in is it that was for on are with as he be at by this had not but from or have an they ' +
  'which his her there we been has were their if will all so what when who them some more no other ' +
  'into than then its our out up do can only about these over such my me him she i you your very ' +
  'most any those through after where how before between both each should because being did does down ' +
  'few here just now off once own same too under until while why again against above below during ' +
  'further having itself myself ourselves ours yours yourself yourselves himself herself hers theirs ' +
  'themselves whom am doing nor s t don'
).split(' ');

export function syntheticCorpus(
  chunks: number,
  chunksPerDocument: number,
  queryCount: number,
  vocabularyKind: SyntheticVocabulary = 'english-like',
): SyntheticCorpus {
  const random = seededRandom(42);
  const leading = vocabularyKind === 'english-like' ? stopWords : [];
  const vocabulary = Array.from({ length: vocabularySize }, (_, index) => leading[index] ?? pseudoWord(index));
  const cumulative = zipfCumulative(vocabularySize, 1.1);
  const word = () => vocabulary[lowerBound(cumulative, random())]!;
  const texts: CorpusText[] = [];
  const documents = Math.ceil(chunks / chunksPerDocument);
  for (let document = 0; document < documents; document += 1) {
    const paragraphs: string[] = [];
    const inDocument = Math.min(chunksPerDocument, chunks - document * chunksPerDocument);
    for (let paragraph = 0; paragraph < inDocument; paragraph += 1) {
      paragraphs.push(Array.from({ length: 60 + Math.floor(random() * 40) }, word).join(' '));
    }
    texts.push({ id: `synthetic-${document}`, title: `${word()} ${word()}`, text: '', paragraphs });
  }
  // Queries are 3–6 indexed words from the same law, so each one has as many terms to score as its
  // length says (stop words would only shorten them).
  const indexedWord = (): string => {
    const drawn = word();
    return leading.includes(drawn) ? indexedWord() : drawn;
  };
  const queries = Array.from({ length: queryCount }, () =>
    Array.from({ length: 3 + Math.floor(random() * 4) }, indexedWord).join(' '),
  );
  return { texts, queries };
}

function pseudoWord(index: number): string {
  let value = index + 1;
  let text = '';
  while (value > 0) {
    text += syllables[value % syllables.length];
    value = Math.floor(value / syllables.length);
  }
  return text;
}

function zipfCumulative(size: number, exponent: number): Float64Array {
  const cumulative = new Float64Array(size);
  let total = 0;
  for (let rank = 1; rank <= size; rank += 1) {
    total += 1 / rank ** exponent;
    cumulative[rank - 1] = total;
  }
  return cumulative.map((value) => value / total);
}

function lowerBound(sorted: Float64Array, target: number): number {
  let low = 0;
  let high = sorted.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle]! < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** mulberry32: a small, fast, seedable generator, so every run builds the same corpus. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** About `characters` of the english-like corpus as one plain text, a blank line between paragraphs. */
export function generatedProse(characters: number): string {
  const paragraphsNeeded = Math.ceil(characters / 500);
  const { texts } = syntheticCorpus(paragraphsNeeded, 100, 0);
  return texts
    .flatMap((text) => text.paragraphs ?? [])
    .join('\n\n')
    .slice(0, characters);
}
