import { describe, expect, it } from 'vitest';
import { cleanTitle } from './conversation-title.js';

describe('cleanTitle', () => {
  it.each([
    ['Title: "Trip to Lisbon"', 'Trip to Lisbon'],
    ['**Short** answer about `npm ci`', 'Short answer about npm ci'],
    ['# Planning   the _launch_.\nSecond line', 'Planning the launch'],
    ['“Quoted title”', 'Quoted title'],
    // Control characters read as spaces; a NUL could not even be stored.
    ['Null\u0000and\tvoid\u0007', 'Null and void'],
  ])('turns %j into %j', (raw, expected) => {
    expect(cleanTitle(raw)).toBe(expected);
  });

  it('cuts a run-on title at 80 characters with an ellipsis', () => {
    const title = cleanTitle('word '.repeat(40));
    expect(Array.from(title)).toHaveLength(80);
    expect(title.endsWith('…')).toBe(true);
  });

  it('cuts before a flag rather than through it', () => {
    expect(cleanTitle(`${'Ü'.repeat(78)}🇹🇷🇯🇵`)).toBe(`${'Ü'.repeat(78)}…`);
  });

  it('reads a title from the start of an answer megabytes long, as a provider ignoring its limit may send', () => {
    const title = cleanTitle(`Budget plans${' and more'.repeat(3)}${`${'.'.repeat(3_995)}x`.repeat(2_000)}`);
    expect(title.startsWith('Budget plans and more and more and more')).toBe(true);
    expect(Array.from(title).length).toBeLessThanOrEqual(80);
  });
});
