import type { KnowledgeSearch, SearchMode } from '../../src/modules/knowledge/retrieval/knowledge-search.js';
import type { BeirCollection } from './beir-collection.js';
import type { BenchSource } from './bench-storage.js';
import { noisyQuery } from './noisy-queries.js';
import { halfOf } from './query-halves.js';
import { meanMetrics, scoreRanking, type QueryMetrics } from './ranking-metrics.js';

export interface JudgedQuery {
  readonly id: string;
  readonly text: string;
}

/** The queries as written (`clean`) and with seeded typos (`noisy`, noisy-queries.ts). */
export function queryVariants(queries: readonly JudgedQuery[]) {
  return [
    { name: 'clean', queries },
    { name: 'noisy', queries: queries.map((query) => ({ ...query, text: noisyQuery(query.id, query.text) })) },
  ] as const;
}

/** What a bench search asks besides the query: its mode and whether words are corrected. */
export interface ScoredSearch {
  readonly mode: SearchMode;
  readonly correct: boolean;
}

/**
 * Each query's nDCG@10, recall@100 and MRR@10 searched 100 deep through the one search path. A document
 * ranks where its best chunk does.
 */
export async function scoreQueries(
  search: KnowledgeSearch,
  source: BenchSource,
  collection: Pick<BeirCollection, 'relevant'>,
  corpusIds: ReadonlyMap<string, string>,
  queries: readonly JudgedQuery[],
  how: ScoredSearch,
): Promise<Map<string, QueryMetrics>> {
  const scores = new Map<string, QueryMetrics>();
  for (const query of queries) {
    const hits = await search.search({
      ...source,
      sourceIds: [source.sourceId],
      query: query.text,
      topK: 100,
      mode: how.mode,
      correct: how.correct,
    });
    const ranked = [...new Set(hits.map((hit) => corpusIds.get(hit.documentId)!))];
    scores.set(query.id, scoreRanking(ranked, collection.relevant.get(query.id)!));
  }
  return scores;
}

/** The means over the fitting half, the reporting half and all the queries scored. */
export function meansByHalf(scores: ReadonlyMap<string, QueryMetrics>) {
  const of = (keep: (id: string) => boolean) => meanMetrics([...scores].filter(([id]) => keep(id)).map(([, m]) => m));
  return {
    fitting: of((id) => halfOf(id) === 'fitting'),
    reporting: of((id) => halfOf(id) === 'reporting'),
    all: of(() => true),
  };
}
