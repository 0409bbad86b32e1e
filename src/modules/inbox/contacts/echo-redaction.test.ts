import { describe, expect, it } from 'vitest';
import { withoutEchoes } from './echo-redaction.js';

describe("an AI reply without the contact's words", () => {
  it('puts each repeated run of twelve characters or more as [erased], whatever its case', () => {
    const spoken = ['Please send it to 9 Quincewood Lane, Leeds'];
    expect(withoutEchoes('I couldn\'t find anything about "please send it to 9 Quincewood…"', spoken)).toBe(
      'I couldn\'t find anything about "[erased]…"',
    );
    expect(withoutEchoes('Your parcel goes to 9 QUINCEWOOD LANE today.', spoken)).toBe(
      'Your parcel goes[erased] today.',
    );
  });

  it('leaves a reply that shares only short runs with what the contact said', () => {
    expect(withoutEchoes('Please wait a moment.', ['Please send it'])).toBe('Please wait a moment.');
    expect(withoutEchoes('Anything else?', [])).toBe('Anything else?');
  });

  it('joins overlapping repeats into one mark', () => {
    expect(withoutEchoes('ref ABCDEFGHIJKLMNOP end', ['abcdefghijklmnop'])).toBe('ref [erased] end');
  });
});
