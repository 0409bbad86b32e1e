import { describe, expect, it } from 'vitest';
import { storableJson, storableText, unstorableCharacter } from './storable-text.js';

describe('storable text', () => {
  it('drops NUL characters and leaves other text as it is', () => {
    expect(storableText('a\0b\0')).toBe('ab');
    const plain = 'tab\there, newline\n, ünïcode, a pair: 😀';
    expect(storableText(plain)).toBe(plain);
  });

  it('turns half of a surrogate pair into U+FFFD and keeps whole pairs', () => {
    const emoji = '😀';
    expect(storableText(`cut ${emoji.slice(0, 1)}|${emoji.slice(1)} whole ${emoji}`)).toBe(
      `cut \ufffd|\ufffd whole ${emoji}`,
    );
  });

  it('cleans every string of a JSON value, keys included', () => {
    expect(storableJson({ 'k\0ey': ['x\0', 1, null, { deep: 'y\0z\ud800' }], flag: true })).toEqual({
      key: ['x', 1, null, { deep: 'yz\ufffd' }],
      flag: true,
    });
  });

  it('names what cannot be stored, and nothing in text that can', () => {
    expect(unstorableCharacter('a\0')).toContain('U+0000');
    expect(unstorableCharacter('a\udc00b')).toContain('surrogate');
    expect(unstorableCharacter('\ud83d')).toContain('surrogate');
    expect(unstorableCharacter('plain 😀 text')).toBeUndefined();
  });
});
