import { describe, expect, it } from 'vitest';
import { pauseUnlessAborted } from '../../../platform/abortable-pause.js';
import {
  bubblesResponseFormat,
  paragraphBubbles,
  parseBubbles,
  typingPauseMs,
  writtenBeforeStop,
} from './split-replies.js';

describe('split replies', () => {
  it('reads the messages list, fenced or not, or a bare list', () => {
    expect(parseBubbles('{"messages":["Hi!","How are you?"]}', 4)).toEqual(['Hi!', 'How are you?']);
    expect(parseBubbles('```json\n{"messages": ["One", "Two"]}\n```', 4)).toEqual(['One', 'Two']);
    expect(parseBubbles('["A", "B", "C"]', 4)).toEqual(['A', 'B', 'C']);
  });

  it('joins the bubbles past the cap into the last, so nothing said is lost', () => {
    expect(parseBubbles('{"messages":["1","2","3","4","5"]}', 3)).toEqual(['1', '2', '3\n\n4\n\n5']);
  });

  it('takes anything else as one message, as it came', () => {
    expect(parseBubbles('Just some prose.', 4)).toEqual(['Just some prose.']);
    expect(parseBubbles('{"answer": "no list"}', 4)).toEqual(['{"answer": "no list"}']);
    expect(parseBubbles('{"messages": []}', 4)).toEqual(['{"messages": []}']);
    expect(parseBubbles('{"messages": ["cut', 4)).toEqual(['{"messages": ["cut']);
    expect(parseBubbles('  ', 4)).toEqual([]);
  });

  it('splits the offline answer by paragraphs, capped', () => {
    expect(paragraphBubbles('First.\n\nSecond.\n  \nThird.', 4)).toEqual(['First.', 'Second.', 'Third.']);
    expect(paragraphBubbles('First.\n\nSecond.\n\nThird.', 2)).toEqual(['First.', 'Second.\n\nThird.']);
    expect(paragraphBubbles('One line\nand another', 4)).toEqual(['One line\nand another']);
  });

  it('pauses in proportion to the length, up to the cap', () => {
    const settings = { maxBubbles: 4, typingMsPerChar: 25, typingMaxPauseMs: 2500 };
    expect(typingPauseMs('x'.repeat(10), settings)).toBe(250);
    expect(typingPauseMs('x'.repeat(1000), settings)).toBe(2500);
    expect(typingPauseMs('x'.repeat(10), { ...settings, typingMsPerChar: 0 })).toBe(0);
  });

  it('asks the provider for JSON with the list schema', async () => {
    const format = await bubblesResponseFormat();
    expect(format).toMatchObject({ type: 'json', name: 'chat_messages' });
    expect(JSON.stringify(format)).toContain('"messages"');
  });

  it('keeps what a stopped structured answer had written, as one text', async () => {
    expect(await writtenBeforeStop('{"messages": ["Hello there", "And the sec')).toBe('Hello there\n\nAnd the sec');
    expect(await writtenBeforeStop('plain words')).toBe('plain words');
  });

  it('ends a pause early when stopped', async () => {
    const stop = new AbortController();
    const pausing = pauseUnlessAborted(60_000, stop.signal);
    stop.abort();
    expect(await pausing).toBe(false);
    expect(await pauseUnlessAborted(0, new AbortController().signal)).toBe(true);
  });
});
