import { performance } from 'node:perf_hooks';
import type { KnowledgeSearch, SearchMode } from '../../src/modules/knowledge/retrieval/knowledge-search.js';
import type { BeirCollection } from './beir-collection.js';
import type { BenchSource } from './bench-storage.js';
import { meansByHalf, queryVariants, scoreQueries, type JudgedQuery, type ScoredSearch } from './collection-scoring.js';
import { percentile, type QueryMetrics } from './ranking-metrics.js';

/** A search the bench compares: lexical both as typed and corrected, the others as they run by default. */
export interface BenchSearch extends ScoredSearch {
  readonly label: string;
  readonly search: KnowledgeSearch;
}

export function benchSearches(modes: readonly SearchMode[], search: KnowledgeSearch): BenchSearch[] {
  return modes.flatMap((mode): BenchSearch[] =>
    mode === 'lexical'
      ? [
          { label: 'lexical, as typed', mode, correct: false, search },
          { label: 'lexical, corrected', mode, correct: true, search },
        ]
      : [{ label: mode, mode, correct: true, search }],
  );
}

type Means = ReturnType<typeof meansByHalf>;

/**
 * nDCG@10, recall@100 and MRR@10 of each search, clean and noisy, on the reporting half (even query ids:
 * no constant was chosen on them, query-halves.ts) and on all the queries. The fitting half is in
 * fit-constants.ts's output, where it was used.
 */
export async function printQuality(
  searches: readonly BenchSearch[],
  source: BenchSource,
  collection: BeirCollection,
  corpusIds: ReadonlyMap<string, string>,
  judged: readonly JudgedQuery[],
): Promise<void> {
  console.log(
    '\n| queries | search (topK 100) | reporting nDCG@10 | reporting R@100 | all nDCG@10 | all R@100 | all MRR@10 |' +
      '\n|---|---|---|---|---|---|---|',
  );
  const summary = new Map<string, Means>();
  for (const variant of queryVariants(judged)) {
    for (const each of searches) {
      const means = meansByHalf(await scoreQueries(each.search, source, collection, corpusIds, variant.queries, each));
      summary.set(`${variant.name} ${each.label}`, means);
      const { reporting, all } = means;
      console.log(
        `| ${variant.name} | ${each.label} | ${reporting.ndcgAt10.toFixed(4)} | ${reporting.recallAt100.toFixed(4)} | ` +
          `${all.ndcgAt10.toFixed(4)} | ${all.recallAt100.toFixed(4)} | ${all.mrrAt10.toFixed(4)} |`,
      );
    }
  }
  printGains(summary);
}

/** Hybrid and corrected lexical search against lexical search as typed, nDCG@10 / recall@100. */
function printGains(summary: ReadonlyMap<string, Means>): void {
  const gain = (key: string, base: string, half: 'reporting' | 'all') => {
    const [of, against] = [summary.get(key)?.[half], summary.get(base)?.[half]];
    if (!of || !against) return '–';
    const signed = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(4)}`;
    const pick = (metric: keyof QueryMetrics) => signed(of[metric] - against[metric]);
    return `${pick('ndcgAt10')} / ${pick('recallAt100')}`;
  };
  console.log(
    '\n| queries | against lexical as typed | reporting nDCG@10 / R@100 | all nDCG@10 / R@100 |\n|---|---|---|---|',
  );
  for (const variant of ['clean', 'noisy']) {
    const base = `${variant} lexical, as typed`;
    for (const label of ['lexical, corrected', 'hybrid']) {
      const key = `${variant} ${label}`;
      console.log(`| ${variant} | ${label} | ${gain(key, base, 'reporting')} | ${gain(key, base, 'all')} |`);
    }
  }
}

/**
 * Latency of each search at topK 10 (chat asks for 6 passages, the playground for 8) and 100 (recall@100),
 * clean and noisy queries alike: a misspelled query takes the correction path, in the same statement.
 * Every judged query is timed (timing does not depend on the halves), after five of warm-up.
 */
export async function printLatency(
  searches: readonly BenchSearch[],
  source: BenchSource,
  judged: readonly JudgedQuery[],
): Promise<void> {
  console.log(
    '\n| search | topK | queries | clean p50 ms | clean p95 ms | noisy p50 ms | noisy p95 ms |\n|---|---|---|---|---|---|---|',
  );
  for (const topK of [10, 100]) {
    for (const each of searches) {
      const cells: string[] = [];
      for (const variant of queryVariants(judged)) {
        const latencies = await timeSearches(each, source, variant.queries, topK);
        cells.push(percentile(latencies, 0.5).toFixed(1), percentile(latencies, 0.95).toFixed(1));
      }
      console.log(`| ${each.label} | ${topK} | ${judged.length} | ${cells.join(' | ')} |`);
    }
  }
}

async function timeSearches(
  each: BenchSearch,
  source: BenchSource,
  queries: readonly JudgedQuery[],
  topK: number,
): Promise<number[]> {
  const request = (query: JudgedQuery) => ({
    ...source,
    sourceIds: [source.sourceId],
    query: query.text,
    topK,
    mode: each.mode,
    correct: each.correct,
  });
  for (const query of queries.slice(0, 5)) await each.search.search(request(query));
  const latencies: number[] = [];
  for (const query of queries) {
    const started = performance.now();
    await each.search.search(request(query));
    latencies.push(performance.now() - started);
  }
  return latencies;
}
