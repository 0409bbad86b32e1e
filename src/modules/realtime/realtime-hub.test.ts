import { describe, expect, it } from 'vitest';
import { createRealtimeHub, type GapFiller, type RealtimeConnection } from './realtime-hub.js';
import type { ServerFrame } from './realtime.schemas.js';

const tenantId = 'tenant-1';
const conversationId = 'conversation-1';
const replyId = 'reply-1';

function socket(): RealtimeConnection & { frames: ServerFrame[] } {
  const frames: ServerFrame[] = [];
  return {
    id: 'connection-1',
    actor: { tenantId, userId: 'user-1', role: 'operator', via: 'token' },
    credential: { userId: 'user-1' },
    frames,
    send: (frame) => void frames.push(frame),
    close: () => undefined,
  };
}

const started = (seq: number): ServerFrame => ({
  type: 'message-started',
  conversationId,
  seq,
  part: 0,
  messageId: replyId,
  role: 'assistant',
  model: '',
});
const delta = (seq: number, part: number): ServerFrame => ({
  type: 'text-delta',
  conversationId,
  seq,
  part,
  messageId: replyId,
  delta: ` w${part}`,
});
const positions = (frames: readonly ServerFrame[]) =>
  frames.map((frame) => `${String(frame.seq)}.${String(frame.part)}`);

/** A hub with one socket subscribed (its replay done at `throughSeq`) and the gap reads it was asked for. */
function subscribedHub(fill: (after: number) => ServerFrame[], throughSeq = 0) {
  const hub = createRealtimeHub();
  const reads: number[] = [];
  const filler: GapFiller = async (_connection, _conversationId, after) => {
    reads.push(after);
    return { frames: fill(after), throughSeq: after };
  };
  hub.fillGaps(filler);
  const connection = socket();
  hub.add(connection);
  hub.beginSubscription(connection, conversationId, throughSeq);
  hub.finishReplay(connection, conversationId, [], throughSeq);
  const deliver = (frame: ServerFrame) => hub.deliver({ tenantId, channel: 'conversation', conversationId, frame });
  return { hub, connection, reads, deliver };
}

const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('the realtime hub', () => {
  it("reads a reply's missing parts before a part past the next one, rather than skipping them", async () => {
    // The relay's log of the reply holds every part; parts 2 and 3 were lost on the way to this node.
    const { connection, reads, deliver } = subscribedHub(() => [started(1), delta(1, 1), delta(1, 2), delta(1, 3)]);
    deliver(started(1));
    deliver(delta(1, 1));
    deliver(delta(1, 4));
    await settled();
    expect(reads).toEqual([1]);
    expect(positions(connection.frames)).toEqual(['1.0', '1.1', '1.2', '1.3', '1.4']);
  });

  it("keeps a socket's place in a reply in flight through a catch-up: no part twice, none dropped", async () => {
    const { hub, connection, deliver } = subscribedHub(() => []);
    deliver(started(1));
    deliver(delta(1, 1));
    deliver(delta(1, 2));
    const lastSeq = hub.beginCatchUp(connection, conversationId);
    expect(lastSeq).toBe(1);
    // Live parts wait while the catch-up reads; its replay has the reply from its start (the relay's log).
    deliver(delta(1, 4));
    hub.finishReplay(connection, conversationId, [started(1), delta(1, 1), delta(1, 2), delta(1, 3)], 1);
    deliver(delta(1, 5));
    expect(positions(connection.frames)).toEqual(['1.0', '1.1', '1.2', '1.3', '1.4', '1.5']);
  });

  it('answers no catch-up for a socket that is not subscribed', () => {
    const hub = createRealtimeHub();
    expect(hub.beginCatchUp(socket(), conversationId)).toBeUndefined();
  });
});
