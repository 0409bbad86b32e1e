import { describe, expect, it } from 'vitest';
import { unstorableCharacter } from './db/storable-text.js';
import { cutToLength, shortenTo, trailingRunOf } from './text-cut.js';

const family = '👨‍👩‍👧‍👦';
const japanFlag = '🇯🇵';

describe('cutting text to a length', () => {
  it('leaves text that fits as it is, counting code points rather than UTF-16 units', () => {
    expect(cutToLength('short', 10)).toBe('short');
    expect(cutToLength('😀'.repeat(10), 10)).toBe('😀'.repeat(10));
    expect(shortenTo('😀'.repeat(10), 10)).toBe('😀'.repeat(10));
  });

  it('never ends in half of a surrogate pair', () => {
    const cut = cutToLength(`${'a'.repeat(9)}😀😀`, 10);
    expect(cut).toBe(`${'a'.repeat(9)}😀`);
    expect(unstorableCharacter(cut)).toBeUndefined();
  });

  it('keeps a flag, a family emoji or a letter with its accent whole, or leaves it out whole', () => {
    expect(cutToLength(`ab${japanFlag}`, 3)).toBe('ab');
    expect(cutToLength(`${'好'.repeat(3)}${family}`, 6)).toBe('好'.repeat(3));
    expect(cutToLength(`${'好'.repeat(3)}${family}x`, 10)).toBe(`${'好'.repeat(3)}${family}`);
    expect(cutToLength('cafe\u0301s', 4)).toBe('caf');
  });

  it('cuts a run of marks longer than any real character between two code points', () => {
    const zalgo = `a${'\u0301'.repeat(200)}`;
    const cut = cutToLength(zalgo, 100);
    expect(Array.from(cut)).toHaveLength(100);
  });

  it('ends a shortened text with an ellipsis, within the length', () => {
    expect(shortenTo('abcdefgh', 5)).toBe('abcd…');
    expect(shortenTo(`${'x'.repeat(3)}${japanFlag}yz`, 5)).toBe('xxx…');
    expect(Array.from(shortenTo('😀'.repeat(20), 10))).toHaveLength(10);
  });
});

describe('trailingRunOf', () => {
  it('answers the run of the given characters at the very end, whatever runs come before it', () => {
    expect(trailingRunOf('It rains.', '.!?')).toBe('.');
    expect(trailingRunOf('Really?!', '.!?')).toBe('?!');
    expect(trailingRunOf('本当？', '.!?。！？')).toBe('？');
    expect(trailingRunOf('no end', '.!?')).toBe('');
    expect(trailingRunOf('', '.!?')).toBe('');
    expect(trailingRunOf(`${'.'.repeat(1_000_000)}x`, '.')).toBe('');
    expect(trailingRunOf(`x${'.'.repeat(1_000_000)}`, '.')).toHaveLength(1_000_000);
  });
});
