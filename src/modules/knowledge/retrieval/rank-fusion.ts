/**
 * Weighted reciprocal rank fusion (Cormack et al. 2009): score = Σ weight / (k + rank). Ranks, not
 * scores, are fused because BM25 and cosine live on unrelated scales; the weights let the stronger
 * list (on SciFact with the offline embedder: BM25) lead. Tuned in bench/retrieval (see BENCHMARKS.md).
 */
export interface FusionOptions {
  readonly k: number;
  readonly lexicalWeight: number;
  readonly vectorWeight: number;
}

export const defaultFusion: FusionOptions = { k: 60, lexicalWeight: 1, vectorWeight: 1 };

export interface RankedList {
  readonly chunkIds: readonly string[];
}

export interface FusedCandidate {
  readonly chunkId: string;
  readonly score: number;
  /** 1-based. */
  readonly lexicalRank: number | null;
  readonly vectorRank: number | null;
}

export function fuseRanks(
  lexical: readonly string[],
  vector: readonly string[],
  options: FusionOptions = defaultFusion,
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
  lexical.forEach((chunkId, index) => {
    const found = entry(chunkId);
    found.lexicalRank = index + 1;
    found.score += options.lexicalWeight / (options.k + index + 1);
  });
  vector.forEach((chunkId, index) => {
    const found = entry(chunkId);
    found.vectorRank = index + 1;
    found.score += options.vectorWeight / (options.k + index + 1);
  });
  return [...fused.entries()]
    .map(([chunkId, found]) => ({ chunkId, ...found }))
    .sort((a, b) => b.score - a.score || (a.lexicalRank ?? Infinity) - (b.lexicalRank ?? Infinity));
}
