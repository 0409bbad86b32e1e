import { describe, expect, it } from 'vitest';
import { plainWordsOf, reportedCorrections } from './query-correction.js';

describe('plainWordsOf', () => {
  it('keeps lower-case and capitalised Latin words, and leaves out codes, numbers and names', () => {
    const words = plainWordsOf('Pasword for BRCA1 iPhone ZX-4471 max_tokens 2090 NASA café data base');
    expect(words.map((word) => word.word)).toEqual(['Pasword', 'for', 'data', 'base']);
  });

  it('leaves out a capitalised word where no sentence starts: a name', () => {
    const words = (query: string) => plainWordsOf(query).map((word) => word.word);
    expect(words('Pasword of Margret Thorton')).toEqual(['Pasword', 'of']);
    expect(words('Where is it? Zurihc. Offices')).toEqual(['Where', 'is', 'it', 'Zurihc', 'Offices']);
    expect(words('the office in Zurihc')).toEqual(['the', 'office', 'in']);
  });

  it('places words so that only words with nothing but spaces between them are neighbours', () => {
    const places = (query: string) => plainWordsOf(query).map((word) => word.at);
    expect(places('data base')).toEqual([1, 2]);
    // A comma, an apostrophe or a code between two words keeps them apart.
    expect(places('data, base')).toEqual([1, 3]);
    expect(places("patient's data")).toEqual([1, 3, 4]);
    expect(places('data X-1 base')).toEqual([1, 3]);
  });
});

describe('reportedCorrections', () => {
  it('gives a correction the capital of what was typed', () => {
    expect(
      reportedCorrections([
        { from: 'Pasword', to: 'password' },
        { from: 'expiry', to: 'expire' },
      ]),
    ).toEqual([
      { from: 'Pasword', to: 'Password' },
      { from: 'expiry', to: 'expire' },
    ]);
  });
});
