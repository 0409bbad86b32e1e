import { describe, expect, it } from 'vitest';
import { passageHighlighter } from './passage-highlights.js';

const highlightPassages = (content: string, queryLexemes: string[]) => passageHighlighter(queryLexemes)(content);

const words = (count: number, word = 'filler') => Array.from({ length: count }, () => word).join(' ');

describe('passageHighlighter', () => {
  it('marks words whose English stem is a query lexeme, keeping their original spelling', () => {
    expect(highlightPassages('Paid Holidays are granted; holiday pay follows.', ['holiday'])).toEqual([
      'Paid «Holidays» are granted; «holiday» pay follows.',
    ]);
  });

  it('matches words with digits unstemmed, and compounds whole or part by part', () => {
    expect(highlightPassages('The p53 gene and Follow-Up visits', ['p53', 'follow-up'])).toEqual([
      'The «p53» gene and «Follow-Up» visits',
    ]);
    expect(highlightPassages('Long-term effects were studied', ['term'])).toEqual(['Long-«term» effects were studied']);
    expect(highlightPassages('Write to help@example.com today', ['example.com'])).toEqual([]);
  });

  it('gives no passage when no query term occurs, or when the query has no terms', () => {
    expect(highlightPassages('Nothing relevant here at all.', ['zebra'])).toEqual([]);
    expect(highlightPassages('Zebra crossing', [])).toEqual([]);
  });

  it('gives up to three passages of at most 30 words, in the order of the content', () => {
    const content = [
      words(40),
      'zebra one',
      words(40),
      'lion two',
      words(40),
      'tiger three',
      words(40),
      'zebra four',
    ].join(' ');
    const passages = highlightPassages(content, ['zebra', 'lion', 'tiger']);
    expect(passages).toHaveLength(3);
    for (const passage of passages) expect(passage.split(' ').length).toBeLessThanOrEqual(30);
    // Each passage holds its match with a few words before it; "zebra four" repeats a term already shown.
    expect(passages[0]).toMatch(/^filler filler filler filler filler «zebra» one/);
    expect(passages[1]).toContain('«lion» two');
    expect(passages[2]).toContain('«tiger» three');
  });

  it('prefers the passage holding the most distinct query terms', () => {
    // A passage around the lone "zebra" would overlap the one around "zebra and lion": only one is shown.
    const content = [words(50), 'zebra', words(25), 'zebra and lion together', words(50)].join(' ');
    expect(highlightPassages(content, ['zebra', 'lion'])).toEqual([
      `${words(5)} «zebra» and «lion» together ${words(21)}`,
    ]);
  });

  it('shows a short content whole', () => {
    expect(highlightPassages('A lion sleeps.', ['lion'])).toEqual(['A «lion» sleeps.']);
  });
});
