import { describe, expect, it } from 'vitest';
import { aiReplyText } from '../email/email-sender.js';
import { citedForContact as citedForWidget } from '../inbox/desk/cited-for-contact.js';

const returns = { marker: 1, documentTitle: 'Returns policy' };
const shipping = { marker: 2, documentTitle: 'Shipping' };

describe("an AI reply's citations as a customer sees them", () => {
  it('takes the markers out and lists the cited sources by title, once each', () => {
    expect(citedForWidget('You have 30 days [1]. Labels are free [1, 2].', [returns, shipping])).toEqual({
      content: 'You have 30 days. Labels are free.',
      sources: ['Returns policy', 'Shipping'],
    });
  });

  it('lists no source the reply does not cite, and takes out a marker no passage backs', () => {
    expect(citedForWidget('Hello! How can I help [3]?', [returns])).toEqual({
      content: 'Hello! How can I help?',
      sources: [],
    });
    expect(citedForWidget('No sources here.', null)).toEqual({ content: 'No sources here.', sources: [] });
  });

  it("with the inbox's strip, takes the markers out and lists no source", () => {
    expect(citedForWidget('You have 30 days [1].', [returns], 'strip')).toEqual({
      content: 'You have 30 days.',
      sources: [],
    });
  });

  it('in a mail: the titles on a line after the reply, or nothing with strip', () => {
    expect(aiReplyText('You have 30 days [1]. Labels are free [2].', [returns, shipping], 'titles')).toBe(
      'You have 30 days. Labels are free.\n\nSources: Returns policy · Shipping',
    );
    expect(aiReplyText('You have 30 days [1].', [returns], 'strip')).toBe('You have 30 days.');
    expect(aiReplyText('Hello there.', [], 'titles')).toBe('Hello there.');
  });
});
