import { describe, expect, it } from 'vitest';
import { defaultHandoffKeywords } from '../inbox/inboxes.schemas.js';
import { matchedKeyword, whoAnswers } from './who-answers.js';

const inbox = { hasAgent: true, keywords: defaultHandoffKeywords };

describe('who answers a contact', () => {
  it('the AI only in bot', () => {
    expect(whoAnswers('bot', 'Where is my parcel?', inbox)).toEqual({ kind: 'ai' });
    for (const status of ['pending', 'open', 'snoozed', 'resolved'] as const) {
      expect(whoAnswers(status, 'Where is my parcel?', inbox)).toEqual({ kind: 'person' });
    }
  });

  it('a keyword or a human-only inbox hands over', () => {
    expect(whoAnswers('bot', 'Can I talk to an AGENT?', inbox).kind).toBe('handover');
    expect(whoAnswers('bot', '转人工', inbox).kind).toBe('handover');
    expect(whoAnswers('bot', '我要找客服', inbox).kind).toBe('handover');
    expect(whoAnswers('bot', 'Hello', { ...inbox, hasAgent: false }).kind).toBe('handover');
  });

  it('matches Latin keywords as whole words only', () => {
    expect(matchedKeyword('the agenda', defaultHandoffKeywords)).toBeUndefined();
    expect(matchedKeyword('humane treatment', defaultHandoffKeywords)).toBeUndefined();
    expect(matchedKeyword('a human, please', defaultHandoffKeywords)).toBe('human');
    expect(matchedKeyword('I want to Talk to a person now', defaultHandoffKeywords)).toBe('talk to a person');
  });
});
