/**
 * The text features the offline embedder hashes: stemmed word unigrams, adjacent-word bigrams and the
 * character n-grams of each word. Kept apart from the hashing so the weights can be read (and tuned
 * on SciFact, see bench/retrieval) in one place.
 */
export interface FeatureWeights {
  readonly unigram: number;
  readonly bigram: number;
  readonly charGram: number;
  /** Character n-gram lengths, over the word padded with `<` and `>`. */
  readonly charGramSizes: readonly number[];
}

/**
 * Version 1 was chosen on all 300 SciFact queries (character grams 3–5 at 1.4, bigrams off). Version 2 was
 * refitted on the fitting half only (odd query ids, bench/retrieval/tune-offline-embedder.ts, vector-only
 * at 384 dimensions, 2026-11-28): the best nDCG@10 among the variants that keep recall@100, since in hybrid
 * search the offline vectors only add passages after BM25's. Character grams of 3–4: 0.4616 → 0.4732
 * nDCG@10, 0.7730 → 0.7817 recall@100 (grams of 4–5 scored 0.4876 but lost recall, 0.7423).
 */
export const defaultFeatureWeights: FeatureWeights = {
  unigram: 1,
  bigram: 0,
  charGram: 1.4,
  charGramSizes: [3, 4],
};

/**
 * Raised with every change of the features or their weights: each changes every stored offline vector, so
 * documents indexed with an older version are reindexed (knowledge/ingestion/index-versions.ts).
 */
export const offlineFeaturesVersion = 2;

const stopWords = new Set(
  (
    'a about above after again against all am an and any are as at be because been before being below between ' +
    'both but by can could did do does doing down during each few for from further had has have having he her ' +
    'here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not ' +
    'now of off on once only or other our ours ourselves out over own same she should so some such than that the ' +
    'their theirs them themselves then there these they this those through to too under until up very was we ' +
    'were what when where which while who whom why will with would you your yours yourself yourselves also may ' +
    'might must shall us et al'
  ).split(' '),
);

/**
 * Lower-case words, Latin ones without diacritics; digits kept (doses, years, gene names like p53
 * matter). Words of every script count (Cyrillic, Greek, Arabic, Devanagari with its vowel signs): a
 * text in them had no features at all, so vector search found nothing. A run of CJK characters, which
 * are not spaced, is one word whose character n-grams match its parts.
 */
export function words(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}][\p{L}\p{M}\p{N}]*/gu) ?? []
  );
}

/**
 * A light suffix stripper (after Harman's S-stemmer and the common Porter step-1 endings): enough to
 * join "cells"/"cell" and "regulated"/"regulating" without a dictionary. Character n-grams catch the rest.
 */
export function stem(word: string): string {
  if (word.length <= 3 || /^\d/.test(word)) return word;
  let stemmed = word;
  if (stemmed.endsWith('ies') && stemmed.length > 4) stemmed = `${stemmed.slice(0, -3)}y`;
  else if (stemmed.endsWith('sses')) stemmed = stemmed.slice(0, -2);
  else if (stemmed.endsWith('s') && !stemmed.endsWith('ss') && !stemmed.endsWith('us') && !stemmed.endsWith('is'))
    stemmed = stemmed.slice(0, -1);
  for (const suffix of ['ational', 'ization', 'ation', 'ingly', 'edly', 'ing', 'ed', 'ly']) {
    if (stemmed.endsWith(suffix) && stemmed.length - suffix.length >= 3) {
      stemmed = stemmed.slice(0, -suffix.length);
      break;
    }
  }
  if (stemmed.length > 3 && stemmed.endsWith('e')) stemmed = stemmed.slice(0, -1);
  return stemmed;
}

/** Feature → raw count, with each kind's weight applied; the embedder turns counts sublinear and hashes them. */
export function textFeatures(text: string, weights: FeatureWeights = defaultFeatureWeights): Map<string, number> {
  const features = new Map<string, number>();
  const add = (feature: string, weight: number): void => {
    features.set(feature, (features.get(feature) ?? 0) + weight);
  };
  const content = words(text).filter((word) => !stopWords.has(word));
  const stems = content.map(stem);
  stems.forEach((current, index) => {
    add(`w:${current}`, weights.unigram);
    const next = stems[index + 1];
    if (next !== undefined && weights.bigram > 0) add(`b:${current} ${next}`, weights.bigram);
  });
  if (weights.charGram > 0) {
    for (const word of content) {
      const padded = `<${word}>`;
      const grams: string[] = [];
      for (const size of weights.charGramSizes) {
        for (let start = 0; start + size <= padded.length; start += 1) grams.push(padded.slice(start, start + size));
      }
      // Shared out over the word's grams, so a long word does not outweigh its own unigram.
      const share = weights.charGram / Math.max(1, Math.sqrt(grams.length));
      for (const gram of grams) add(`c:${gram}`, share);
    }
  }
  return features;
}
