import { fuseCandidates } from '../../src/modules/knowledge/retrieval/rank-fusion.js';
import type { BeirCollection } from './beir-collection.js';
import { meanMetrics, scoreRanking, type QueryMetrics } from './ranking-metrics.js';

/**
 * Exact rankings without a database, for the experiments that score an idea on a whole collection in
 * seconds before it is worth building into the search path (tune-offline-embedder.ts,
 * feedback-experiments.ts). Documents are referred to by their index in `collection.documents`.
 */
export interface ScoredDocument {
  readonly index: number;
  readonly score: number;
}

export type Vector = ArrayLike<number>;

export function dot(a: Vector, b: Vector): number {
  let sum = 0;
  for (let index = 0; index < a.length; index += 1) sum += a[index]! * b[index]!;
  return sum;
}

/** Every document by its dot product with the query, best first (cosine, for unit vectors). */
export function rankByDot(query: Vector, documents: readonly Vector[]): ScoredDocument[] {
  return documents.map((vector, index) => ({ index, score: dot(query, vector) })).sort((a, b) => b.score - a.score);
}

/**
 * Two rankings through the search path's own convex fusion (`fuseCandidates`), each cut at `depth` first
 * as hybrid search cuts its candidate lists; the lexical list gets `lexicalWeight`, the other the rest.
 */
export function fuseConvex(
  lexical: readonly ScoredDocument[],
  other: readonly ScoredDocument[],
  lexicalWeight: number,
  depth = 100,
): ScoredDocument[] {
  const asCandidates = (list: readonly ScoredDocument[]) =>
    list.slice(0, depth).map((document) => ({ chunkId: String(document.index), score: document.score }));
  const options = { method: 'convex', k: 0, lexicalWeight, vectorWeight: 1 - lexicalWeight } as const;
  return fuseCandidates(asCandidates(lexical), asCandidates(other), options).map((candidate) => ({
    index: Number(candidate.chunkId),
    score: candidate.score,
  }));
}

/** The collection's mean nDCG@10, recall@100 and MRR@10 for a ranking of document indexes per query. */
export function evaluateRankings(
  collection: BeirCollection,
  rank: (query: { readonly id: string; readonly text: string }) => readonly number[],
): QueryMetrics {
  return meanMetrics(
    collection.queries.map((query) =>
      scoreRanking(
        rank(query)
          .slice(0, 100)
          .map((index) => collection.documents[index]!.id),
        collection.relevant.get(query.id)!,
      ),
    ),
  );
}
