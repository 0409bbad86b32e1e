import { describe, expect, it } from 'vitest';
import { mayHaveNearMiss, oneEditAway } from './near-miss-terms.js';

describe('oneEditAway', () => {
  it('holds a drop, an addition, a change and a swap of neighbours, and not the term itself', () => {
    const edits = oneEditAway('pasword');
    for (const edit of ['password', 'paswor', 'paswerd', 'apsword', 'paswodr']) {
      expect(edits.has(edit), edit).toBe(true);
    }
    expect(edits.has('pasword')).toBe(false);
    expect(edits.has('passwords')).toBe(false);
  });

  it('has 2n − 1 drops and swaps plus 36 changes and additions per place, less repeats', () => {
    const term = 'abcde';
    const edits = oneEditAway(term);
    // Upper bound: 5 drops + 4 swaps + 36·5 changes + 36·6 additions; repeats and the term itself fold away.
    expect(edits.size).toBeLessThanOrEqual(5 + 4 + 36 * 5 + 36 * 6);
    expect(edits.size).toBeGreaterThan(36 * 5);
  });
});

describe('mayHaveNearMiss', () => {
  it('looks at Latin terms of five characters or more only', () => {
    expect(mayHaveNearMiss('pasword')).toBe(true);
    expect(mayHaveNearMiss('desc')).toBe(false);
    expect(mayHaveNearMiss('東京オフィス')).toBe(false);
  });
});
