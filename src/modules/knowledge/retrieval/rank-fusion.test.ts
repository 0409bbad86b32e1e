import { describe, expect, it } from 'vitest';
import {
  adaptiveFusion,
  canVectorsChangeOrder,
  defaultFusion,
  fuseCandidates,
  listTrust,
  mayWeighVectors,
  unmatchedShare,
} from './rank-fusion.js';

const ranked = (...ids: string[]) => ids.map((chunkId, index) => ({ chunkId, score: 10 - index }));

describe('fuseCandidates', () => {
  it('sums weight / (k + rank) over both lists and keeps each rank', () => {
    const fused = fuseCandidates(ranked('a', 'b', 'c'), ranked('c', 'd'), {
      method: 'rrf',
      k: 10,
      lexicalWeight: 1,
      vectorWeight: 0.5,
    });
    const byId = new Map(fused.map((candidate) => [candidate.chunkId, candidate]));
    expect(byId.get('c')).toEqual({ chunkId: 'c', score: 1 / 13 + 0.5 / 11, lexicalRank: 3, vectorRank: 1 });
    expect(byId.get('d')).toEqual({ chunkId: 'd', score: 0.5 / 12, lexicalRank: null, vectorRank: 2 });
    expect(fused.map((candidate) => candidate.chunkId)).toEqual(['c', 'a', 'b', 'd']);
  });

  it('lets a chunk found by both lists outrank one found first by only one', () => {
    const fused = fuseCandidates(ranked('a', 'b'), ranked('b', 'c'), {
      method: 'rrf',
      k: 60,
      lexicalWeight: 1,
      vectorWeight: 1,
    });
    expect(fused[0]?.chunkId).toBe('b');
  });

  it('convex: adds normalised scores, so a clear BM25 lead survives a weak vector match', () => {
    const lexical = [
      { chunkId: 'a', score: 20 },
      { chunkId: 'b', score: 5 },
      { chunkId: 'c', score: 4 },
    ];
    const vector = [
      { chunkId: 'c', score: 0.9 },
      { chunkId: 'a', score: 0.5 },
      { chunkId: 'd', score: 0.4 },
    ];
    const fused = fuseCandidates(lexical, vector, { method: 'convex', k: 0, lexicalWeight: 0.7, vectorWeight: 0.3 });
    const byId = new Map(fused.map((candidate) => [candidate.chunkId, candidate.score]));
    // BM25 over its best score (its floor is 0), cosine min-max over its list.
    expect(byId.get('a')).toBeCloseTo(0.7 * 1 + 0.3 * (0.1 / 0.5), 12);
    expect(byId.get('c')).toBeCloseTo(0.7 * (4 / 20) + 0.3 * 1, 12);
    expect(byId.get('b')).toBeCloseTo(0.7 * (5 / 20), 12);
    expect(fused.map((candidate) => candidate.chunkId)).toEqual(['a', 'c', 'b', 'd']);
  });

  it("convex: keeps a share of the lexical weight for the lexical list's last hit, above chunks without the terms", () => {
    // Before: min-max gave the last BM25 hit 0, so a chunk holding none of the terms, found only by
    // the vectors, outranked one that holds them.
    const lexical = [
      { chunkId: 'with-terms', score: 6.7 },
      { chunkId: 'also-with-terms', score: 6.6 },
    ];
    const vector = [
      { chunkId: 'without-terms', score: 0.31 },
      { chunkId: 'with-terms', score: 0.3 },
      { chunkId: 'also-with-terms', score: 0.1 },
    ];
    const fused = fuseCandidates(lexical, vector, defaultFusion);
    expect(fused.map((candidate) => candidate.chunkId)).toEqual(['with-terms', 'also-with-terms', 'without-terms']);
  });
});

describe('adaptiveFusion', () => {
  const lexical = [
    { chunkId: 'both-terms', score: 9 },
    { chunkId: 'one-term', score: 4 },
  ];
  const vector = [
    { chunkId: 'near-only', score: 0.8 },
    { chunkId: 'one-term', score: 0.7 },
    { chunkId: 'both-terms', score: 0.2 },
  ];
  const order = (evidence: Parameters<typeof adaptiveFusion>[0]) =>
    fuseCandidates(lexical, vector, adaptiveFusion(evidence)).map((candidate) => candidate.chunkId);

  it('offline embedder: keeps BM25 order when BM25 sees every term, adding the vectors’ own finds after it', () => {
    expect(adaptiveFusion({ embedder: 'offline', queryTerms: 3, unmatchedTerms: 0 })).toMatchObject({
      lexicalWeight: 1,
      vectorWeight: 0,
    });
    expect(order({ embedder: 'offline', queryTerms: 3, unmatchedTerms: 0 })).toEqual([
      'both-terms',
      'one-term',
      'near-only',
    ]);
  });

  it('offline embedder: keeps BM25 whole and puts the vectors after it, whatever BM25 could not read', () => {
    for (const unmatchedTerms of [0, 2, 4]) {
      expect(adaptiveFusion({ embedder: 'offline', queryTerms: 4, unmatchedTerms })).toMatchObject({
        lexicalWeight: 1,
        vectorWeight: 0,
      });
    }
    // Other trust (what the bench's fitting tries) weighs as the rule says.
    const trust = { ...listTrust, offline: { base: 0, unmatched: 0.5, lexicalDiscount: 0 } };
    expect(adaptiveFusion({ embedder: 'offline', queryTerms: 4, unmatchedTerms: 2 }, trust).vectorWeight).toBe(0.25);
  });

  it('a provider model: counts both lists alike, and BM25 only for the share of the query it read', () => {
    expect(adaptiveFusion({ embedder: 'model', queryTerms: 3, unmatchedTerms: 0 })).toMatchObject({
      lexicalWeight: 1,
      vectorWeight: 1,
    });
    expect(adaptiveFusion({ embedder: 'model', queryTerms: 4, unmatchedTerms: 3 })).toMatchObject({
      lexicalWeight: 0.25,
      vectorWeight: 1,
    });
    // With most of the query unseen by BM25, the model's nearest chunk leads.
    expect(order({ embedder: 'model', queryTerms: 4, unmatchedTerms: 3 })[0]).toBe('near-only');
  });

  it('reads a query without terms (only stop words or symbols) as fully seen', () => {
    expect(unmatchedShare({ queryTerms: 0, unmatchedTerms: 0 })).toBe(0);
    expect(unmatchedShare({ queryTerms: 3, unmatchedTerms: 1 })).toBeCloseTo(1 / 3, 12);
  });
});

describe('canVectorsChangeOrder', () => {
  /** A small seeded generator, so the lists are the same on every run. */
  const random = (seed: number) => () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };

  it('is false only when the fused top `kept` is BM25 order whatever the vectors hold', () => {
    const next = random(51);
    let skipped = 0;
    for (let round = 0; round < 500; round += 1) {
      const lexical = Array.from({ length: Math.floor(next() * 12) }, (_, index) => ({
        chunkId: `c${Math.floor(next() * 20)}-${index}`,
        score: Math.round(next() * 4 * 100) / 100,
      })).sort((a, b) => b.score - a.score);
      const vector = Array.from({ length: Math.floor(next() * 12) }, (_, index) => ({
        chunkId: next() < 0.5 && lexical.length > 0 ? lexical[index % lexical.length]!.chunkId : `v${index}`,
        score: next(),
      })).sort((a, b) => b.score - a.score);
      const kept = 1 + Math.floor(next() * 10);
      const fusion = adaptiveFusion({ embedder: 'offline', queryTerms: 3, unmatchedTerms: Math.floor(next() * 4) });
      if (canVectorsChangeOrder(fusion, lexical.length, kept)) continue;
      skipped += 1;
      const ids = (fused: readonly { chunkId: string }[]) => fused.slice(0, kept).map((hit) => hit.chunkId);
      expect(ids(fuseCandidates(lexical, [], fusion))).toEqual(ids(fuseCandidates(lexical, vector, fusion)));
    }
    expect(skipped).toBeGreaterThan(50);
  });

  it('is true when the vectors weigh anything, or when BM25 has fewer than are kept', () => {
    const offline = adaptiveFusion({ embedder: 'offline', queryTerms: 2, unmatchedTerms: 1 });
    expect(canVectorsChangeOrder(offline, 10, 10)).toBe(false);
    expect(canVectorsChangeOrder(offline, 9, 10)).toBe(true);
    expect(canVectorsChangeOrder(adaptiveFusion({ embedder: 'model', queryTerms: 2, unmatchedTerms: 0 }), 10, 10)).toBe(
      true,
    );
    expect(canVectorsChangeOrder({ ...offline, method: 'rrf' }, 10, 10)).toBe(true);
    expect(mayWeighVectors('offline')).toBe(false);
    expect(mayWeighVectors('model')).toBe(true);
    expect(mayWeighVectors('offline', { ...listTrust, offline: { base: 0, unmatched: 0.25, lexicalDiscount: 0 } })).toBe(
      true,
    );
  });
});
