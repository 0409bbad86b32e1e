import { describe, expect, it } from 'vitest';
import { fuseRanks } from './rank-fusion.js';

describe('fuseRanks', () => {
  it('sums weight / (k + rank) over both lists and keeps each rank', () => {
    const fused = fuseRanks(['a', 'b', 'c'], ['c', 'd'], { k: 10, lexicalWeight: 1, vectorWeight: 0.5 });
    const byId = new Map(fused.map((candidate) => [candidate.chunkId, candidate]));
    expect(byId.get('c')).toEqual({ chunkId: 'c', score: 1 / 13 + 0.5 / 11, lexicalRank: 3, vectorRank: 1 });
    expect(byId.get('d')).toEqual({ chunkId: 'd', score: 0.5 / 12, lexicalRank: null, vectorRank: 2 });
    expect(fused.map((candidate) => candidate.chunkId)).toEqual(['c', 'a', 'b', 'd']);
  });

  it('lets a chunk found by both lists outrank one found first by only one', () => {
    const fused = fuseRanks(['a', 'b'], ['b', 'c'], { k: 60, lexicalWeight: 1, vectorWeight: 1 });
    expect(fused[0]?.chunkId).toBe('b');
  });
});
