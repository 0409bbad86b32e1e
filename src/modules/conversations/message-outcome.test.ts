import { describe, expect, it } from 'vitest';
import { isCompleteOrStopped, reachesContact, shownStatusOf, type ShownMessageStatus } from './message-outcome.js';

describe('shownStatusOf', () => {
  it.each([
    ['complete', 'stop', 'complete'],
    ['complete', null, 'complete'],
    ['complete', 'length', 'complete'],
    ['complete', 'stopped', 'stopped'],
    ['streaming', null, 'streaming'],
    ['pending', null, 'pending'],
    ['error', 'error', 'error'],
    // A failed reply stays failed whatever its finish reason says.
    ['error', 'stopped', 'error'],
    ['awaiting_approval', 'tool-calls', 'awaiting_approval'],
    // Already presented: reading it again changes nothing.
    ['stopped', 'stopped', 'stopped'],
  ] as const)('stored %s with finish reason %s shows %s', (status, finishReason, shown) => {
    expect(shownStatusOf({ status, finishReason })).toBe(shown);
  });
});

describe('isCompleteOrStopped', () => {
  it.each([
    ['complete', 'stop', true],
    ['complete', 'stopped', true],
    ['stopped', 'stopped', true],
    ['streaming', null, false],
    ['pending', null, false],
    ['error', 'error', false],
    ['awaiting_approval', 'tool-calls', false],
  ] as const)('%s (%s): %s', (status, finishReason, expected) => {
    expect(isCompleteOrStopped({ status, finishReason })).toBe(expected);
  });
});

describe('reachesContact', () => {
  const reply = (status: ShownMessageStatus, finishReason: string | null, content = 'Hello! How can I help?') => ({
    role: 'assistant',
    status,
    finishReason,
    content,
  });
  it.each([
    ["the AI's complete reply", reply('complete', 'stop'), true],
    ["an operator's reply (no finish reason)", reply('complete', null), true],
    ['a reply cut off at its length limit', reply('complete', 'length'), true],
    [
      'an AI reply stopped by a take, as stored',
      reply('complete', 'stopped', 'Hello! How can I help you today with'),
      false,
    ],
    ['an AI reply stopped by a take, as presented', reply('stopped', 'stopped', 'Hello! How can'), false],
    ['an AI reply stopped before its first word', reply('complete', 'stopped', ''), false],
    ['a failed reply', reply('error', 'error', 'Hello'), false],
    ['a reply still being written', reply('streaming', null, 'Hello'), false],
    ['a pending reply', reply('pending', null, ''), false],
    ['a reply waiting for a tool approval', reply('awaiting_approval', 'tool-calls', 'Let me look'), false],
    ['a complete reply with nothing in it', reply('complete', 'stop', ''), false],
    ['a complete reply of white space only', reply('complete', 'stop', ' \n\t'), false],
    ["the contact's own message", { ...reply('complete', null), role: 'user' }, false],
    ['a system line', { ...reply('complete', null), role: 'system' }, false],
  ] as const)('%s: %s', (_label, message, expected) => {
    expect(reachesContact(message)).toBe(expected);
  });
});
