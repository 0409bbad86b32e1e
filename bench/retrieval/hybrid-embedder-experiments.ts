/**
 * `npx tsx bench/retrieval/hybrid-embedder-experiments.ts ../shared/ir/scifact`
 *
 * The offline embedder's weights were first tuned for the vector list alone (tune-offline-embedder.ts),
 * but what a user gets is hybrid search, where BM25 already holds the unigram evidence. This scores
 * each variant the way hybrid uses it: fused with BM25 (in memory) through the search path's own
 * `fuseCandidates`, over the top 100 of each list, at several lexical weights. A variant that is weak
 * alone can still be the better partner if it carries what BM25 lacks (word pairs, word pieces).
 * `VARIANTS=a,b` runs only those. Figures: bench/results/retrieval.md, "Tuning the offline embedder for hybrid".
 */
import { embedText } from '../../src/ai/embeddings/offline-embedding-model.js';
import { defaultFeatureWeights, type FeatureWeights } from '../../src/ai/embeddings/offline-text-features.js';
import { readBeirCollection } from './beir-collection.js';
import { InMemoryBm25 } from './in-memory-bm25.js';
import { evaluateRankings, fuseConvex, rankByDot, type ScoredDocument } from './in-memory-ranking.js';

const directory = process.argv[2] ?? '../shared/ir/scifact';
const collection = await readBeirCollection(directory);
const texts = collection.documents.map((document) => `${document.title}\n\n${document.text}`);
const bm25 = new InMemoryBm25(texts);
const lexical = new Map(collection.queries.map((query) => [query.id, bm25.rankText(query.text)] as const));
const depth = 100;
const lexicalWeights = (process.env.LEXICAL_WEIGHTS ?? '0.7,0.8,0.85,0.9').split(',').map(Number);

const base = defaultFeatureWeights;
const variants: [string, FeatureWeights, number][] = [
  ['default', base, 384],
  ['bigram 1', { ...base, bigram: 1 }, 384],
  ['bigram 2', { ...base, bigram: 2 }, 384],
  ['unigram 0.5 bigram 1', { ...base, unigram: 0.5, bigram: 1 }, 384],
  ['no unigram, bigram 1', { ...base, unigram: 0, bigram: 1 }, 384],
  ['bigrams only', { ...base, unigram: 0, bigram: 1, charGram: 0 }, 384],
  ['char only', { ...base, unigram: 0, bigram: 0 }, 384],
  ['default at 768', base, 768],
  ['bigram 1 at 768', { ...base, bigram: 1 }, 768],
  ['bigram 2 at 768', { ...base, bigram: 2 }, 768],
  ['bigram 1 at 1024', { ...base, bigram: 1 }, 1024],
];
const only = process.env.VARIANTS?.split(',');

console.log('lexical', format(evaluateRankings(collection, (query) => indexes(lexical.get(query.id)!))));
console.log(
  `| variant | dims | vector alone | ${lexicalWeights.map((weight) => `hybrid ${weight}`).join(' | ')} |\n|---|---|---|${lexicalWeights.map(() => '---|').join('')}`,
);
for (const [name, weights, dimensions] of variants) {
  if (only && !only.includes(name)) continue;
  const documents = texts.map((text) => embedText(text, dimensions, weights));
  const vector = new Map(
    collection.queries.map(
      (query) => [query.id, rankByDot(embedText(query.text, dimensions, weights), documents)] as const,
    ),
  );
  const cells = [format(evaluateRankings(collection, (query) => indexes(vector.get(query.id)!)))];
  for (const lexicalWeight of lexicalWeights) {
    cells.push(
      format(
        evaluateRankings(collection, (query) =>
          fuseConvex(lexical.get(query.id)!, vector.get(query.id)!, lexicalWeight, depth).map(
            (candidate) => candidate.index,
          ),
        ),
      ),
    );
  }
  console.log(`| ${name} | ${dimensions} | ${cells.join(' | ')} |`);
}

function indexes(list: readonly ScoredDocument[]): number[] {
  return list.map((document) => document.index);
}

function format(metrics: { ndcgAt10: number; recallAt100: number }): string {
  return `${metrics.ndcgAt10.toFixed(4)} / ${metrics.recallAt100.toFixed(4)}`;
}
