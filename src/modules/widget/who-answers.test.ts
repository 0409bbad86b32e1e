import { describe, expect, it } from 'vitest';
import { defaultHandoffKeywords } from '../inbox/inboxes/inboxes.schemas.js';
import { isNoAnswerReply, matchedKeyword, whoAnswers } from './who-answers.js';

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

  it('hands over, calling no model, when the channel held the AI back; a person already on it keeps it', () => {
    const reason = 'more than 5 mails from this sender in an hour';
    expect(whoAnswers('bot', 'Hello', inbox, reason)).toEqual({ kind: 'handover', reason });
    expect(whoAnswers('open', 'Hello', inbox, reason)).toEqual({ kind: 'person' });
  });

  it('matches Latin keywords as whole words only', () => {
    expect(matchedKeyword('the agenda', defaultHandoffKeywords)).toBeUndefined();
    expect(matchedKeyword('humane treatment', defaultHandoffKeywords)).toBeUndefined();
    expect(matchedKeyword('a human, please', defaultHandoffKeywords)).toBe('human');
    expect(matchedKeyword('I want to Talk to a person now', defaultHandoffKeywords)).toBe('talk to a person');
  });
});

describe('the inbox’s “no answer” form', () => {
  const form = "Sorry, I don't know that — a colleague will help.";

  it('is recognised as the whole reply, quoted or re-punctuated, or followed by more', () => {
    expect(isNoAnswerReply("Sorry, I don't know that — a colleague will help.", form)).toBe(true);
    expect(isNoAnswerReply('"sorry I don’t know that... a colleague will help"', form)).toBe(true);
    expect(isNoAnswerReply("Sorry, I don't know that - a colleague will help. Have a nice day!", form)).toBe(true);
  });

  it('is not a greeting, a question back, an answer that only mentions it, or anything when no form is set', () => {
    expect(isNoAnswerReply('Hello! How can I help you today?', form)).toBe(false);
    expect(isNoAnswerReply('Which order is it about?', form)).toBe(false);
    expect(isNoAnswerReply("You asked about returns. Sorry, I don't know that — a colleague will help.", form)).toBe(
      false,
    );
    expect(isNoAnswerReply("Sorry, I don't know that — a colleague will helpfully call.", form)).toBe(false);
    expect(isNoAnswerReply('', '')).toBe(false);
    expect(isNoAnswerReply('Anything', '  ')).toBe(false);
  });
});
