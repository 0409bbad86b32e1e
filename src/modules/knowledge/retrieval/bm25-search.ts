import type { Executor } from '../../../platform/db/client.js';
import { plainWordsOf, type CorrectionLimits, type QueryCorrectionReport } from './query-correction.js';
import {
  scoreChunks,
  weighAndScore,
  type Bm25Candidate,
  type QueryTermCoverage,
  type ScoreChunksInput,
  type WeightedTerm,
} from './bm25.repository.js';

export interface Bm25Filter {
  readonly tenantId: string;
  readonly sourceIds: readonly string[];
  readonly documentIds?: readonly string[] | undefined;
  readonly limit: number;
}

/**
 * Postings one query may read in full. Below it (SciFact's queries read ~6,000) a query is scored in one
 * pass; above it, the common terms' long lists are pruned as below.
 */
export const exhaustivePostings = 20_000;

/**
 * BM25's best chunks, exactly, with MaxScore pruning (Turtle & Flood, 1995). A term adds less than its
 * weight to any chunk, so when the weights of the commonest terms add up to less than a score the
 * limit-th chunk is known to reach, a chunk holding only those terms cannot make the list. Their long
 * postings lists are then not read: they are only probed for the chunks that hold a rarer term.
 * The known score comes from a first pass over the rarest terms alone (partial scores never exceed
 * full ones). Ranks and scores are those of reading every posting.
 */
export async function bm25Candidates(
  db: Executor,
  query: string,
  filter: Bm25Filter,
  budget = { exhaustivePostings },
): Promise<Bm25Candidate[]> {
  return (await bm25Search(db, query, filter, budget)).hits;
}

export interface Bm25Search {
  readonly hits: Bm25Candidate[];
  /** How many of the query's terms the searched sources hold (what hybrid fusion weighs). */
  readonly coverage: QueryTermCoverage;
  readonly corrections: QueryCorrectionReport[];
  /** The terms corrections added, for marking them in the passages. */
  readonly correctedTerms: string[];
}

/**
 * The same, with what was corrected. With `correct`, the query's words the sources do not hold are
 * also read as corrected (query-correction.ts), in the same statement; `coverage` still counts them as
 * unmatched, since the query as typed did not say them, and hybrid's vectors keep their share.
 */
export async function bm25Search(
  db: Executor,
  query: string,
  filter: Bm25Filter & { readonly correct?: boolean; readonly correctionLimits?: CorrectionLimits },
  budget = { exhaustivePostings },
): Promise<Bm25Search> {
  // Most queries fit the budget and are corrected, weighed and scored in this one statement.
  const weighed = await weighAndScore(db, query, {
    ...filter,
    correctable: filter.correct ? plainWordsOf(query) : [],
    postingsBudget: budget.exhaustivePostings,
  });
  const { coverage, corrections, correctedTerms } = weighed;
  const hits = weighed.hits ?? (await prunedCandidates(db, weighed.terms, filter, budget.exhaustivePostings));
  return { hits, coverage, corrections, correctedTerms };
}

async function prunedCandidates(
  db: Executor,
  terms: readonly WeightedTerm[],
  filter: Bm25Filter,
  postingsBudget: number,
): Promise<Bm25Candidate[]> {
  const { limit } = filter;
  const score = (pass: Pick<ScoreChunksInput, 'essential' | 'optional' | 'threshold'>) =>
    scoreChunks(db, { ...filter, ...pass });
  const exhaustive = () => score({ essential: terms, optional: [], threshold: 0 });

  const rarestFirst = [...terms].sort((a, b) => b.weight - a.weight);
  const firstPass = leadingTerms(rarestFirst, limit, postingsBudget);
  const partial = await score({ essential: firstPass, optional: [], threshold: 0 });
  // A query of one very common term: the first pass read every posting already.
  if (firstPass.length === terms.length) return partial;
  const threshold = partial.length < limit ? 0 : partial[limit - 1]!.score;
  const { essential, optional } = splitByThreshold(rarestFirst, threshold);
  if (optional.length === 0) return exhaustive();
  return score({ essential, optional, threshold });
}

/**
 * The rarest terms for the first pass: enough postings to likely fill the list, then as many more as
 * fit in the budget.
 */
export function leadingTerms(
  rarestFirst: readonly WeightedTerm[],
  limit: number,
  postingsBudget = exhaustivePostings,
): WeightedTerm[] {
  const chosen: WeightedTerm[] = [];
  let postings = 0;
  for (const term of rarestFirst) {
    if (postings >= limit && postings + term.chunkFrequency > postingsBudget) break;
    chosen.push(term);
    postings += term.chunkFrequency;
  }
  return chosen;
}

/** Optional: the commonest terms whose weights together stay below the threshold; the rest are essential. */
export function splitByThreshold(
  rarestFirst: readonly WeightedTerm[],
  threshold: number,
): { essential: WeightedTerm[]; optional: WeightedTerm[] } {
  let optionalCount = 0;
  let optionalWeights = 0;
  for (let index = rarestFirst.length - 1; index >= 0; index -= 1) {
    const weight = rarestFirst[index]!.weight;
    if (optionalWeights + weight >= threshold) break;
    optionalWeights += weight;
    optionalCount += 1;
  }
  const cut = rarestFirst.length - optionalCount;
  return { essential: rarestFirst.slice(0, cut), optional: rarestFirst.slice(cut) };
}
