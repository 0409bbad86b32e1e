/**
 * `npx tsx bench/retrieval/tune-offline-embedder.ts ../shared/ir/scifact` — the offline embedder's
 * feature weights scored on a BEIR collection without a database: exact cosine over every document
 * (one vector per document, "title\n\ntext"), vector-only nDCG@10 / recall@100, on the fitting half of
 * the queries only (odd ids, query-halves.ts): how the defaults in offline-text-features.ts are chosen.
 * (Version 1 was chosen on all the queries; version 2, the defaults since 2026-11-28, on the fitting half.
 * The variants below are changes of version 1, so the table of docs/knowledge.md can be run again.)
 */
import { embedText } from '../../src/ai/embeddings/offline-embedding-model.js';
import { defaultFeatureWeights, type FeatureWeights } from '../../src/ai/embeddings/offline-text-features.js';
import { readBeirCollection } from './beir-collection.js';
import { evaluateRankings, rankByDot } from './in-memory-ranking.js';
import { inHalf } from './query-halves.js';

const directory = process.argv[2] ?? '../shared/ir/scifact';
const whole = await readBeirCollection(directory);
const collection = { ...whole, queries: inHalf(whole.queries, 'fitting') };

/** The features before the refit (offlineFeaturesVersion 1). */
const version1: FeatureWeights = { unigram: 1, bigram: 0, charGram: 1.4, charGramSizes: [3, 4, 5] };
const variants: [string, FeatureWeights, number][] = [
  ['default', defaultFeatureWeights, 384],
  ['version 1', version1, 384],
  ['no char grams', { ...version1, charGram: 0 }, 384],
  ['no bigrams', { ...version1, bigram: 0 }, 384],
  ['char 0.7', { ...version1, charGram: 0.7 }, 384],
  ['char 3-4 only', { ...version1, charGramSizes: [3, 4] }, 384],
  ['char 4-5 only', { ...version1, charGramSizes: [4, 5] }, 384],
  ['version 1 at 768', version1, 768],
  ['nb char 0.7', { ...version1, bigram: 0, charGram: 0.7 }, 384],
  ['nb char 1.0', { ...version1, bigram: 0, charGram: 1 }, 384],
  ['nb char 1.4', { ...version1, bigram: 0, charGram: 1.4 }, 384],
  ['b0.25 char 1.0', { ...version1, bigram: 0.25, charGram: 1 }, 384],
  ['nb char 2.0', { ...version1, bigram: 0, charGram: 2 }, 384],
  ['nb char 3.0', { ...version1, bigram: 0, charGram: 3 }, 384],
  ['nb char 2.0 sizes 3-6', { ...version1, bigram: 0, charGram: 2, charGramSizes: [3, 4, 5, 6] }, 384],
];
const only = process.env.VARIANTS?.split(',');

console.log('| variant | dims | nDCG@10 | recall@100 |\n|---|---|---|---|');
for (const [name, weights, dimensions] of variants) {
  if (only && !only.includes(name)) continue;
  const documents = collection.documents.map((document) =>
    embedText(`${document.title}\n\n${document.text}`, dimensions, weights),
  );
  const mean = evaluateRankings(collection, (query) =>
    rankByDot(embedText(query.text, dimensions, weights), documents).map((document) => document.index),
  );
  console.log(`| ${name} | ${dimensions} | ${mean.ndcgAt10.toFixed(4)} | ${mean.recallAt100.toFixed(4)} |`);
}
