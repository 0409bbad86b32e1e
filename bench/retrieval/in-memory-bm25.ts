import { stem } from 'porter2';
import { words } from '../../src/ai/embeddings/offline-text-features.js';
import type { ScoredDocument } from './in-memory-ranking.js';

/** PostgreSQL's English stop words (`english.stop`), so the terms are close to what `to_tsvector` keeps. */
const stopWords = new Set(
  (
    'i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers ' +
    'herself it its itself they them their theirs themselves what which who whom this that these those am is ' +
    'are was were be been being have has had having do does did doing a an the and but if or because as until ' +
    'while of at by for with about against between into through during before after above below to from up ' +
    'down in out on off over under again further then once here there when where why how all any both each few ' +
    'more most other some such no nor not only own same so than too very s t can will just don should now'
  ).split(' '),
);

/** Lower-cased words, stop words dropped, Porter2-stemmed like PostgreSQL's `english_stem`. */
export function bm25Terms(text: string): string[] {
  return words(text)
    .filter((word) => !stopWords.has(word))
    .map((word) => stem(word));
}

/**
 * Okapi BM25 over whole documents in memory, with the search path's parameters and IDF (bm25.repository.ts).
 * Its tokeniser only approximates PostgreSQL's parser (which keeps hyphenated compounds and more), so
 * its scores sit near the database's, not on them: compare variants with each other, not with the bench.
 */
export class InMemoryBm25 {
  private readonly postings = new Map<string, Map<number, number>>();
  private readonly lengths: number[] = [];
  private readonly averageLength: number;

  constructor(
    texts: readonly string[],
    private readonly k1 = 0.9,
    private readonly b = 0.4,
  ) {
    texts.forEach((text, index) => {
      const terms = bm25Terms(text);
      this.lengths.push(terms.length);
      for (const term of terms) {
        let list = this.postings.get(term);
        if (!list) this.postings.set(term, (list = new Map()));
        list.set(index, (list.get(index) ?? 0) + 1);
      }
    });
    this.averageLength = this.lengths.reduce((sum, length) => sum + length, 0) / Math.max(1, this.lengths.length);
  }

  /** How many documents hold the term (0 for an unknown one). */
  documentFrequency(term: string): number {
    return this.postings.get(term)?.size ?? 0;
  }

  get documentCount(): number {
    return this.lengths.length;
  }

  /** Documents holding any term, best first; a term's weight multiplies its share (1 = a plain query term). */
  rank(weightedTerms: ReadonlyMap<string, number>): ScoredDocument[] {
    const scores = new Map<number, number>();
    const count = this.documentCount;
    for (const [term, weight] of weightedTerms) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = Math.log(1 + (count - list.size + 0.5) / (list.size + 0.5));
      for (const [index, frequency] of list) {
        const norm = this.k1 * (1 - this.b + (this.b * this.lengths[index]!) / this.averageLength);
        const share = (weight * idf * frequency * (this.k1 + 1)) / (frequency + norm);
        scores.set(index, (scores.get(index) ?? 0) + share);
      }
    }
    return [...scores].map(([index, score]) => ({ index, score })).sort((a, b) => b.score - a.score);
  }

  /** A text as a query: each term weighted by how often it occurs (Anserini's bag of words). */
  rankText(text: string): ScoredDocument[] {
    const weighted = new Map<string, number>();
    for (const term of bm25Terms(text)) weighted.set(term, (weighted.get(term) ?? 0) + 1);
    return this.rank(weighted);
  }
}
