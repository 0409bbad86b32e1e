import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { visitorNameOf } from './visitor-names.js';

describe('readable names for visitors nobody named', () => {
  it('gives a contact the same name every time: two words and a number', () => {
    const id = randomUUID();
    expect(visitorNameOf(id)).toBe(visitorNameOf(id));
    expect(visitorNameOf(id)).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ [1-9]\d$/);
  });

  it('tells apart visitors who arrived in the same minute (ids alike in their first characters)', () => {
    // UUID v7s of one millisecond share their first 12 hex digits: the old label showed them all alike.
    const prefix = '01a218ff-4c2e-7';
    const ids = Array.from(
      { length: 40 },
      (_, index) => `${prefix}${index.toString(16).padStart(3, '0')}-8000-000000000000`,
    );
    const names = new Set(ids.map(visitorNameOf));
    expect(names.size).toBeGreaterThanOrEqual(36);
  });

  it('names 80 visitors of one day without a repeat (two words alone repeated)', () => {
    const ids = Array.from(
      { length: 80 },
      (_, index) => `01a21900-0000-7${index.toString(16).padStart(3, '0')}-8000-00000000beef`,
    );
    expect(new Set(ids.map(visitorNameOf)).size).toBe(80);
  });
});
