import { describe, expect, it } from 'vitest';
import type { StoredMessage } from './chat-api';
import { messageText, toChatMessage } from './chat-messages';
import { applyLiveEvent, historySeq, liveReplyId } from './live-events';

const stored = (overrides: Partial<StoredMessage>): StoredMessage => ({
  id: 'm1',
  conversationId: 'c1',
  role: 'user',
  content: 'Hello',
  reasoning: null,
  status: 'complete',
  error: null,
  model: null,
  usage: null,
  timeToFirstTokenMs: null,
  durationMs: null,
  finishReason: null,
  createdAt: '2026-11-25T20:00:00.000Z',
  completedAt: '2026-11-25T20:00:00.000Z',
  seq: 1,
  ...overrides,
});

const event = (type: string, fields: Record<string, unknown>) => ({ type, conversationId: 'c1', ...fields });
const question = stored({ id: 'q1' });
const answer = stored({ id: 'r1', role: 'assistant', content: 'Hi there', completedAt: '2026-11-25T20:00:02.000Z' });

describe('applyLiveEvent', () => {
  it('streams a reply written elsewhere: the question, then the reply word by word, then the stored reply', () => {
    let messages = [toChatMessage(stored({ id: 'old' }))];
    messages = applyLiveEvent(messages, event('message-created', { seq: 1, message: question }));
    messages = applyLiveEvent(messages, event('message-started', { seq: 2, messageId: 'r1', role: 'assistant' }));
    messages = applyLiveEvent(messages, event('text-delta', { seq: 3, messageId: 'r1', delta: 'Hi' }));
    expect(liveReplyId(messages)).toBe('r1');
    messages = applyLiveEvent(messages, event('text-delta', { seq: 4, messageId: 'r1', delta: ' there' }));
    expect(messages.map((message) => message.id)).toEqual(['old', 'q1', 'r1']);
    expect(messageText(messages[2]!)).toBe('Hi there');
    messages = applyLiveEvent(messages, event('finished', { seq: 5, messageId: 'r1', message: answer }));
    expect(messages[2]!.metadata?.status).toBe('complete');
    expect(liveReplyId(messages)).toBeUndefined();
  });

  it('rebuilds a reply the history showed half-written from its replayed events, without a duplicate', () => {
    const half = stored({ id: 'r1', role: 'assistant', content: 'Hi th', status: 'streaming', completedAt: null });
    let messages = [toChatMessage(question), toChatMessage(half)];
    messages = applyLiveEvent(messages, event('message-started', { seq: 2, messageId: 'r1' }));
    messages = applyLiveEvent(messages, event('text-delta', { seq: 3, messageId: 'r1', delta: 'Hi' }));
    messages = applyLiveEvent(messages, event('text-delta', { seq: 4, messageId: 'r1', delta: ' th' }));
    messages = applyLiveEvent(messages, event('text-delta', { seq: 5, messageId: 'r1', delta: 'ere' }));
    expect(messages).toHaveLength(2);
    expect(messageText(messages[1]!)).toBe('Hi there');
  });

  it("leaves this tab's own turn alone: its question (under useChat's id) and its finished reply are not added again", () => {
    const own = [
      { id: 'local-1', role: 'user' as const, parts: [{ type: 'text' as const, text: 'Hello' }], metadata: {} },
      {
        ...toChatMessage(answer),
        metadata: { ...toChatMessage(answer).metadata, userMessageId: 'q1', assistantMessageId: 'r1' },
      },
    ];
    let messages = applyLiveEvent(own, event('message-created', { seq: 1, message: question }));
    messages = applyLiveEvent(messages, event('message-started', { seq: 2, messageId: 'r1' }));
    messages = applyLiveEvent(messages, event('text-delta', { seq: 3, messageId: 'r1', delta: 'late' }));
    expect(messages.map((message) => message.id)).toEqual(['local-1', 'r1']);
    expect(messageText(messages[1]!)).toBe('Hi there');
  });
});

describe('historySeq', () => {
  it('resumes after the last settled message, leaving a reply in flight to be replayed', () => {
    const settled = stored({ id: 'q2', seq: 5 });
    const half = stored({ id: 'r2', role: 'assistant', status: 'streaming', completedAt: null, seq: 6 });
    expect(historySeq([question, answer, settled, half])).toBe(5);
    expect(historySeq([])).toBe(0);
  });
});
