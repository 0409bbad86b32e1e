import { describe, expect, it } from 'vitest';
import { passageHighlighter } from '../../knowledge/retrieval/passage-highlights.js';
import { citationExcerpt } from './turn-knowledge.js';

const filler = (sentences: number) =>
  Array.from({ length: sentences }, (_, index) => `Filler sentence number ${index} says nothing much.`).join(' ');

describe('citationExcerpt', () => {
  it('shows a chunk that fits whole', () => {
    const content = 'The warranty lasts two years. Returns take 30 days.';
    expect(citationExcerpt(content, ['The «warranty» lasts two years.'])).toBe(content);
  });

  it("shows a long chunk from the sentence of the question's first match, within 600 characters", () => {
    const fact = 'The warranty of the model X200 lasts three years from the date of purchase.';
    const content = `${filler(30)} ${fact} ${filler(30)}`;
    // The highlights exactly as the search makes them for the question.
    const highlights = passageHighlighter(['warranti', 'x200'])(content);

    const excerpt = citationExcerpt(content, highlights);

    expect(excerpt.startsWith(`…${fact}`)).toBe(true);
    expect(excerpt.endsWith('…')).toBe(true);
    expect(excerpt.length).toBe(600);
  });

  it('shows the opening of a long chunk when nothing in it matched', () => {
    const content = filler(40);
    const excerpt = citationExcerpt(content, []);
    expect(excerpt).toBe(`${content.slice(0, 599)}…`);
  });

  it('ends at the chunk end without an ellipsis when the matched sentence is near it', () => {
    const fact = 'Refunds are paid within 14 days.';
    const content = `${filler(30)} ${fact}`;
    const excerpt = citationExcerpt(content, passageHighlighter(['refund'])(content));
    expect(excerpt).toBe(`…${fact}`);
  });
});
