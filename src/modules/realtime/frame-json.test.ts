import { describe, expect, it } from 'vitest';
import { eventJsonOf, frameJsonOf } from './frame-json.js';
import type { RealtimeEvent } from './event-relay.js';
import type { ServerFrame } from './realtime.schemas.js';

const delta = {
  type: 'reply.delta',
  conversationId: 'c1',
  messageId: 'm1',
  seq: 7,
  part: 3,
  delta: 'He said "hi"\n\u2028and left',
} as unknown as ServerFrame;

describe('a frame serialised once', () => {
  it('is the same text wherever it goes, and parses back to the frame', () => {
    const text = frameJsonOf(delta);
    expect(frameJsonOf(delta)).toBe(text);
    expect(JSON.parse(text)).toEqual(delta);
  });

  it('splices the frame into its event: the event parses back whole, with or without other fields', () => {
    const full: RealtimeEvent = {
      tenantId: 't1',
      channel: 'conversation',
      conversationId: 'c1',
      frame: delta,
      replyId: 'm1',
      exceptUserId: undefined,
    };
    const { exceptUserId: _left, ...expected } = full;
    expect(JSON.parse(eventJsonOf(full))).toEqual(expected);
    // An event with no field but its frame still makes valid JSON (no leading comma).
    expect(JSON.parse(eventJsonOf({ frame: delta } as RealtimeEvent))).toEqual({ frame: delta });
  });
});
