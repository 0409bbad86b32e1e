/**
 * trec_eval's definitions with binary judgements: ndcg_cut.10 (gain 1, log2(rank + 1) discount,
 * ideal from the number of relevant documents), recall.100 and recip_rank cut at 10.
 */
export interface QueryMetrics {
  readonly ndcgAt10: number;
  readonly recallAt100: number;
  readonly mrrAt10: number;
}

export function scoreRanking(ranked: readonly string[], relevant: ReadonlySet<string>): QueryMetrics {
  let dcg = 0;
  let firstRelevantRank = 0;
  ranked.slice(0, 10).forEach((documentId, index) => {
    if (!relevant.has(documentId)) return;
    dcg += 1 / Math.log2(index + 2);
    if (firstRelevantRank === 0) firstRelevantRank = index + 1;
  });
  let idealDcg = 0;
  for (let index = 0; index < Math.min(10, relevant.size); index += 1) idealDcg += 1 / Math.log2(index + 2);
  const found = ranked.slice(0, 100).filter((documentId) => relevant.has(documentId)).length;
  return {
    ndcgAt10: idealDcg > 0 ? dcg / idealDcg : 0,
    recallAt100: relevant.size > 0 ? found / relevant.size : 0,
    mrrAt10: firstRelevantRank > 0 ? 1 / firstRelevantRank : 0,
  };
}

export function meanMetrics(all: readonly QueryMetrics[]): QueryMetrics {
  const mean = (pick: (metrics: QueryMetrics) => number) =>
    all.reduce((sum, metrics) => sum + pick(metrics), 0) / Math.max(1, all.length);
  return {
    ndcgAt10: mean((metrics) => metrics.ndcgAt10),
    recallAt100: mean((metrics) => metrics.recallAt100),
    mrrAt10: mean((metrics) => metrics.mrrAt10),
  };
}

export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}
