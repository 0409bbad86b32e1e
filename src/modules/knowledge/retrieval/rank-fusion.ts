/**
 * How hybrid search merges its lexical (BM25) and vector (cosine) candidate lists.
 * - `rrf`: weighted reciprocal rank fusion (Cormack et al. 2009), score = Σ weight / (k + rank).
 * - `convex`: a weighted sum of the two scores, each normalised over its own candidate list (a chunk
 *   missing from a list gets 0 there). Unlike RRF it keeps how far apart BM25 scores are, which matters
 *   when one list is much stronger than the other (see the SciFact figures). BM25 is divided by the
 *   list's best score (its floor is 0, the score of a chunk without the terms), so every chunk that
 *   holds a query term keeps a share of the lexical weight; min-max over the list gave its last hit 0,
 *   below chunks that hold none of the terms. Cosine is min-max normalised over its list.
 */
export interface FusionOptions {
  readonly method: 'rrf' | 'convex';
  /** RRF only. */
  readonly k: number;
  readonly lexicalWeight: number;
  readonly vectorWeight: number;
}

/**
 * A fixed fusion, for the bench's `--fusions` comparisons. Hybrid search itself weighs the vectors per
 * query (`adaptiveFusion` below); this was its fixed setting until 2026-11-25 (SciFact nDCG@10 0.685
 * against BM25's 0.696).
 */
export const defaultFusion: FusionOptions = { method: 'convex', k: 0, lexicalWeight: 0.8, vectorWeight: 0.2 };

/**
 * What hybrid fusion knows before it weighs the two lists.
 * - `embedder`: `offline` (the built-in hashed embedder: character grams and stems of the same words
 *   BM25 reads, so it repeats BM25's evidence with hash noise) or `model` (a provider's embedding model,
 *   trained on meaning: evidence BM25 does not have).
 * - `queryTerms` / `unmatchedTerms`: the query's terms and how many of them the searched sources hold
 *   nowhere (a misspelled word, a word form or synonym the documents do not use): the part of the
 *   query only the vectors can see.
 */
export interface FusionEvidence {
  readonly embedder: 'offline' | 'model';
  readonly queryTerms: number;
  readonly unmatchedTerms: number;
}

/**
 * How far each list is trusted, per embedder kind. With `u` the share of the query's terms BM25 cannot
 * see, BM25 weighs `1 − lexicalDiscount · u` and the vectors `base + unmatched · u`.
 * - Offline: all three 0, fitted on SciFact's fitting half (odd query ids, bench/retrieval/fit-constants.ts,
 *   16 settings, best mean nDCG@10 of clean and misspelled queries). The hashed vectors then only add
 *   what BM25 did not find, after its own hits. Since query correction reads a misspelled word for BM25
 *   (query-correction.ts), their stand-in for it no longer pays: `unmatched` 0.25 cost 0.0023 nDCG@10 on
 *   misspelled queries there and 0.5 cost 0.0154; a fixed share (`base` 0.1) cost 0.010 on clean ones;
 *   `lexicalDiscount` changes nothing while the vectors weigh 0, and cost up to 0.027 beside them.
 * - A provider model, `base` 1: its vectors carry meaning, evidence of their own, so the two lists count
 *   alike (the convex combination of Bruch et al., 2023, at equal weights). `lexicalDiscount` 1: BM25
 *   normalised by its best hit claims the whole query even when it read a part of it; it claims only
 *   that part, and the model's vectors, which read all of it, keep their weight. Not fitted: no provider
 *   model can be reached from the bench.
 */
export type ListTrust = Record<
  FusionEvidence['embedder'],
  { base: number; unmatched: number; lexicalDiscount: number }
>;

export const listTrust = {
  offline: { base: 0, unmatched: 0, lexicalDiscount: 0 },
  model: { base: 1, unmatched: 0, lexicalDiscount: 1 },
} as const satisfies ListTrust;

/** The share of the query's terms no searched source holds, 0 to 1. */
export function unmatchedShare(evidence: Pick<FusionEvidence, 'queryTerms' | 'unmatchedTerms'>): number {
  return evidence.queryTerms > 0 ? Math.min(1, evidence.unmatchedTerms / evidence.queryTerms) : 0;
}

/** Hybrid search's fusion for one query: convex, each list weighted by the evidence (rules above). */
export function adaptiveFusion(evidence: FusionEvidence, trustOf: ListTrust = listTrust): FusionOptions {
  const trust = trustOf[evidence.embedder];
  const unmatched = unmatchedShare(evidence);
  return {
    method: 'convex',
    k: 0,
    lexicalWeight: 1 - trust.lexicalDiscount * unmatched,
    vectorWeight: trust.base + trust.unmatched * unmatched,
  };
}

/**
 * Whether an embedder's vectors can weigh more than 0 for some query under this trust. The offline
 * embedder's fitted trust gives them 0 whatever the query: hybrid search then need not read them at all
 * when BM25 fills the list (`canVectorsChangeOrder`), and costs what lexical search costs.
 */
export function mayWeighVectors(embedder: FusionEvidence['embedder'], trustOf: ListTrust = listTrust): boolean {
  const trust = trustOf[embedder];
  return trust.base > 0 || trust.unmatched > 0;
}

/**
 * Whether a vector list can change the first `kept` of a fusion whose BM25 list holds `lexicalCount`.
 * At a vector weight of 0 a chunk scores only its BM25 share (≥ 0), and ties go to the lexical rank
 * before the vector rank (`fuseCandidates`): every chunk of the BM25 list comes first, in BM25's
 * order, and the vectors' own finds follow. So they change the kept ones only when BM25 has fewer.
 */
export function canVectorsChangeOrder(fusion: FusionOptions, lexicalCount: number, kept: number): boolean {
  const vectorsWeighNothing = fusion.method === 'convex' && fusion.vectorWeight === 0 && fusion.lexicalWeight >= 0;
  return !vectorsWeighNothing || lexicalCount < kept;
}

export interface ScoredCandidate {
  readonly chunkId: string;
  readonly score: number;
}

export interface FusedCandidate {
  readonly chunkId: string;
  readonly score: number;
  /** 1-based. */
  readonly lexicalRank: number | null;
  readonly vectorRank: number | null;
}

/**
 * Both lists best first; the result is best first, ties broken by the lexical rank, then the vector
 * rank (so at a vector weight of 0, the vectors' own finds follow BM25's, in their order).
 */
export function fuseCandidates(
  lexical: readonly ScoredCandidate[],
  vector: readonly ScoredCandidate[],
  options: FusionOptions,
): FusedCandidate[] {
  const fused = new Map<string, { score: number; lexicalRank: number | null; vectorRank: number | null }>();
  const entry = (chunkId: string) => {
    let found = fused.get(chunkId);
    if (!found) {
      found = { score: 0, lexicalRank: null, vectorRank: null };
      fused.set(chunkId, found);
    }
    return found;
  };
  const lexicalContribution = contribution(lexical, options, options.lexicalWeight, 'zero');
  const vectorContribution = contribution(vector, options, options.vectorWeight, 'lowest');
  lexical.forEach((candidate, index) => {
    const found = entry(candidate.chunkId);
    found.lexicalRank = index + 1;
    found.score += lexicalContribution(candidate, index);
  });
  vector.forEach((candidate, index) => {
    const found = entry(candidate.chunkId);
    found.vectorRank = index + 1;
    found.score += vectorContribution(candidate, index);
  });
  return [...fused.entries()]
    .map(([chunkId, found]) => ({ chunkId, ...found }))
    .sort((a, b) => b.score - a.score || byRank(a.lexicalRank, b.lexicalRank) || byRank(a.vectorRank, b.vectorRank));
}

function byRank(a: number | null, b: number | null): number {
  return (a ?? Infinity) - (b ?? Infinity) || 0;
}

/** `floor`: what a score is measured from, 0 (BM25's least score) or the list's lowest (cosine). */
function contribution(
  list: readonly ScoredCandidate[],
  options: FusionOptions,
  weight: number,
  floor: 'zero' | 'lowest',
): (candidate: ScoredCandidate, index: number) => number {
  if (options.method === 'rrf') return (_candidate, index) => weight / (options.k + index + 1);
  const scores = list.map((candidate) => candidate.score);
  const highest = Math.max(...scores);
  const lowest = floor === 'zero' ? 0 : Math.min(...scores);
  const range = highest - lowest;
  return (candidate) => weight * (range > 0 ? (candidate.score - lowest) / range : 1);
}
