import { describe, expect, it } from 'vitest';
import { storableJson, storableText } from './storable-text.js';

describe('storable text', () => {
  it('drops NUL characters and leaves other text as it is', () => {
    expect(storableText('a\0b\0')).toBe('ab');
    const plain = 'tab\there, newline\n, ünïcode';
    expect(storableText(plain)).toBe(plain);
  });

  it('drops them from every string of a JSON value, keys included', () => {
    expect(storableJson({ 'k\0ey': ['x\0', 1, null, { deep: 'y\0z' }], flag: true })).toEqual({
      key: ['x', 1, null, { deep: 'yz' }],
      flag: true,
    });
  });
});
