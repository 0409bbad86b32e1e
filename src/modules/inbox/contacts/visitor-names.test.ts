import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { visitorNameOf } from './visitor-names.js';

describe('readable names for visitors nobody named', () => {
  it('gives a contact the same name every time, two words', () => {
    const id = randomUUID();
    expect(visitorNameOf(id)).toBe(visitorNameOf(id));
    expect(visitorNameOf(id)).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
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
});
