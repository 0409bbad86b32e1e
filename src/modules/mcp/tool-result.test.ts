import { describe, expect, it } from 'vitest';
import { argumentsDigest } from './tool-arguments.js';
import { boundContent } from './tool-result.js';

describe('boundContent', () => {
  it('passes a result within the bound through untouched', () => {
    const content = [{ type: 'text', text: 'short' }];
    expect(boundContent(content, 1000)).toEqual({ content, truncated: false, resultBytes: 32 });
  });

  it('cuts text at the bound, keeps earlier items, leaves out later ones and says so', () => {
    const content = [
      { type: 'text', text: 'first' },
      { type: 'text', text: 'y'.repeat(5000) },
      { type: 'image', data: 'AAAA', mimeType: 'image/png' },
    ];
    const bounded = boundContent(content, 1000);
    expect(bounded.truncated).toBe(true);
    expect(bounded.resultBytes).toBeGreaterThan(5000);
    expect(bounded.content[0]).toEqual({ type: 'text', text: 'first' });
    expect(bounded.content.map((item) => item.type)).toEqual(['text', 'text', 'text']);
    expect(Buffer.byteLength(JSON.stringify(bounded.content.slice(0, 2)))).toBeLessThanOrEqual(1000);
    expect(bounded.content[2]?.text).toMatch(/^\[Result truncated: it was \d+ bytes; only the first 1000 bytes/);
  });

  it('never cuts a multi-byte character in half', () => {
    const bounded = boundContent([{ type: 'text', text: 'é'.repeat(2000) }], 500);
    expect(bounded.content[0]?.text).toMatch(/^é+$/);
  });
});

describe('argumentsDigest', () => {
  it('is the same for the same arguments in any key order, and differs otherwise', () => {
    expect(argumentsDigest({ a: 1, b: { c: [1, 2], d: 'x' } })).toBe(
      argumentsDigest({ b: { d: 'x', c: [1, 2] }, a: 1 }),
    );
    expect(argumentsDigest({ a: 1 })).not.toBe(argumentsDigest({ a: 2 }));
    expect(argumentsDigest({})).toMatch(/^[0-9a-f]{64}$/);
  });
});
