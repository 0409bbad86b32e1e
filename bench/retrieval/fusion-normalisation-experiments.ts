/**
 * `node --max-old-space-size=8000 --import tsx bench/retrieval/fusion-normalisation-experiments.ts ../shared/ir/scifact`
 *
 * How hybrid search's convex fusion should normalise each list before weighting it, scored in memory
 * (BM25 and the offline embedder, as hybrid-embedder-experiments.ts) at the two depths the search path
 * fuses at: 100 (a query for topK 100) and 30 (topK 10, what chat asks for). Min-max over a list gives
 * its last hit 0; dividing by the best score keeps every hit's share (BM25's floor is 0); the
 * "theoretical" cosine floor is −1. Figures: bench/results/retrieval.md, "Hybrid fusion that keeps every lexical hit".
 */
import { embedText } from '../../src/ai/embeddings/offline-embedding-model.js';
import { defaultFeatureWeights } from '../../src/ai/embeddings/offline-text-features.js';
import { readBeirCollection } from './beir-collection.js';
import { InMemoryBm25 } from './in-memory-bm25.js';
import { evaluateRankings, rankByDot, type ScoredDocument } from './in-memory-ranking.js';

type Normalisation = (scores: readonly number[]) => (score: number) => number;

const minMax: Normalisation = (scores) => {
  const [highest, lowest] = [Math.max(...scores), Math.min(...scores)];
  return (score) => (highest > lowest ? (score - lowest) / (highest - lowest) : 1);
};
const byBest: Normalisation = (scores) => {
  const highest = Math.max(...scores);
  return (score) => (highest > 0 ? score / highest : 1);
};
const cosineFromMinusOne: Normalisation = (scores) => {
  const highest = Math.max(...scores);
  return (score) => (score + 1) / (highest + 1);
};
const normalisations: [string, Normalisation, Normalisation][] = [
  ['BM25 min-max, cosine min-max (before)', minMax, minMax],
  ['BM25 by its best, cosine min-max (shipped)', byBest, minMax],
  ['BM25 by its best, cosine by its best', byBest, byBest],
  ['BM25 by its best, cosine from −1', byBest, cosineFromMinusOne],
];

const collection = await readBeirCollection(process.argv[2] ?? '../shared/ir/scifact');
const texts = collection.documents.map((document) => `${document.title}\n\n${document.text}`);
const bm25 = new InMemoryBm25(texts);
const lexical = new Map(collection.queries.map((query) => [query.id, bm25.rankText(query.text)] as const));
const embed = (text: string) => embedText(text, 384, defaultFeatureWeights);
const documents = texts.map(embed);
const vector = new Map(collection.queries.map((query) => [query.id, rankByDot(embed(query.text), documents)] as const));

function fuse(
  lexicalList: readonly ScoredDocument[],
  vectorList: readonly ScoredDocument[],
  lexicalWeight: number,
  depth: number,
  [, normaliseLexical, normaliseVector]: (typeof normalisations)[number],
): number[] {
  const [lexicalTop, vectorTop] = [lexicalList.slice(0, depth), vectorList.slice(0, depth)];
  const lexicalScore = normaliseLexical(lexicalTop.map((document) => document.score));
  const vectorScore = normaliseVector(vectorTop.map((document) => document.score));
  const fused = new Map<number, { score: number; lexicalRank: number }>();
  lexicalTop.forEach((document, rank) =>
    fused.set(document.index, { score: lexicalWeight * lexicalScore(document.score), lexicalRank: rank }),
  );
  for (const document of vectorTop) {
    const entry = fused.get(document.index) ?? { score: 0, lexicalRank: Infinity };
    entry.score += (1 - lexicalWeight) * vectorScore(document.score);
    fused.set(document.index, entry);
  }
  return [...fused].sort(([, a], [, b]) => b.score - a.score || a.lexicalRank - b.lexicalRank).map(([index]) => index);
}

const format = (metrics: { ndcgAt10: number; recallAt100: number }) =>
  `${metrics.ndcgAt10.toFixed(4)} / ${metrics.recallAt100.toFixed(4)}`;
const weights = [0.7, 0.8, 0.9];
console.log('BM25 alone', format(evaluateRankings(collection, (query) => lexical.get(query.id)!.map((d) => d.index))));
console.log(`| depth | normalisation | ${weights.map((weight) => `lexical ${weight}`).join(' | ')} |`);
console.log(`|---|---|${weights.map(() => '---|').join('')}`);
for (const depth of [100, 30]) {
  for (const normalisation of normalisations) {
    const cells = weights.map((weight) =>
      format(
        evaluateRankings(collection, (query) =>
          fuse(lexical.get(query.id)!, vector.get(query.id)!, weight, depth, normalisation),
        ),
      ),
    );
    console.log(`| ${depth} | ${normalisation[0]} | ${cells.join(' | ')} |`);
  }
}
