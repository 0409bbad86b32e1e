import { describe, expect, it } from 'vitest';
import type { HistoryMessage } from './history.repository.js';
import { chooseWindow, historyBudget, historyPreamble, type HistoryRead } from './history-window.js';

const id = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`;
const message = (n: number, role: 'user' | 'assistant', content = `m${n}.`): HistoryMessage => ({
  id: id(n),
  role,
  content,
  attachments: null,
});
const conversation = [
  message(1, 'user'),
  message(2, 'assistant'),
  message(3, 'user'),
  message(4, 'assistant'),
  message(5, 'assistant'),
  message(6, 'user'),
];
const read = (overrides: Partial<HistoryRead>): HistoryRead => ({
  messages: conversation,
  reachesStart: true,
  reachesSummary: false,
  summary: undefined,
  ...overrides,
});
const ids = (messages: readonly HistoryMessage[]) => messages.map((sent) => sent.id);

describe('chooseWindow', () => {
  it('sends a conversation read whole that fits, without its summary', async () => {
    const choice = await chooseWindow(read({ summary: { lastMessageId: id(2), content: 'S' } }), 1_000, 100);
    expect(choice).toMatchObject({ summary: undefined, isGapped: false, leadingReply: undefined });
    expect(ids(choice.window)).toEqual(ids(conversation));
  });

  it('starts the window where the summary ends, telling a split reply after it in the system prompt', async () => {
    const choice = await chooseWindow(
      read({ reachesStart: false, summary: { lastMessageId: id(3), content: 'S' } }),
      1_000,
      100,
    );
    expect(ids(choice.window)).toEqual([id(6)]);
    expect(choice).toMatchObject({ summary: 'S', leadingReply: 'm4.\n\nm5.', isGapped: false });
    expect(historyPreamble(choice)).toBe(
      'Summary of the earlier conversation (its oldest messages are not shown):\nS\n\nYour reply just before the messages below:\nm4.\n\nm5.',
    );
  });

  it('says that messages are missing when the read did not reach the summary', async () => {
    const choice = await chooseWindow(
      read({ messages: conversation.slice(3), reachesStart: false, summary: { lastMessageId: id(1), content: 'S' } }),
      1_000,
      100,
    );
    expect(choice.isGapped).toBe(true);
    expect(historyPreamble(choice)).toContain(
      'Some messages between this summary and the messages below are not shown',
    );
  });

  it('bridges the messages between the summary and the window that do not fit, one line each', async () => {
    const long = (n: number, role: 'user' | 'assistant') => message(n, role, `Point m${n}. ${'word '.repeat(40)}`);
    const messages = [
      message(1, 'user'),
      message(2, 'assistant'),
      long(3, 'user'),
      long(4, 'assistant'),
      message(5, 'user'),
    ];
    const choice = await chooseWindow(
      read({ messages, reachesStart: false, summary: { lastMessageId: id(2), content: 'S' } }),
      30,
      1_000,
    );
    expect(ids(choice.window)).toEqual([id(5)]);
    expect(choice).toMatchObject({ summary: 'S', bridge: 'User: Point m3.\nAssistant: Point m4.', isGapped: false });
    expect(historyPreamble(choice)).toBe(
      'Summary of the earlier conversation (its oldest messages are not shown):\nS\n\n' +
        'After that summary and before the messages below, in short (the first sentence of each message):\n' +
        'User: Point m3.\nAssistant: Point m4.',
    );
  });

  it('cuts the oldest by tokens, never a message read cut, and always sends the newest', async () => {
    const long = [message(1, 'user', 'word '.repeat(50)), message(2, 'assistant'), message(3, 'user')];
    // 50 tokens and 4 for its role do not fit 30; the two short ones (about 7 each) do.
    const cut = await chooseWindow(read({ messages: long }), 30, 1_000);
    expect(ids(cut.window)).toEqual([id(3)]);
    // What did not fit is bridged, one line each: nothing is left out.
    expect(cut).toMatchObject({
      isGapped: false,
      leadingReply: 'm2.',
      bridge: expect.stringMatching(/^User: word word /) as unknown,
    });
    const readCut = await chooseWindow(read({ messages: long }), 10_000, 100);
    expect(ids(readCut.window)).toEqual([id(3)]);
    const alone = await chooseWindow(read({ messages: [message(1, 'user', 'word '.repeat(50))] }), 5, 1_000);
    expect(ids(alone.window)).toEqual([id(1)]);
  });
});

describe('historyBudget', () => {
  it('holds CHAT_HISTORY_MAX_TOKENS, or what the model context leaves after the answer, the system prompt and a margin', async () => {
    const limits = { historyMaxTokens: 30_000, defaultContextTokens: 16_384 };
    expect(await historyBudget(limits, { modelRef: 'openai:gpt-4o', maxOutputTokens: null, system: 'Hi' })).toBe(
      30_000,
    );
    // An unknown model: 16,384 - 4,096 (answer) - 820 (margin) - 2 (the system prompt's bound).
    expect(await historyBudget(limits, { modelRef: 'local:my-model', maxOutputTokens: null, system: 'Hi' })).toBe(
      11_466,
    );
    expect(await historyBudget(limits, { modelRef: 'openai:gpt-4', maxOutputTokens: 8_000, system: '' })).toBe(0);
  });
});
