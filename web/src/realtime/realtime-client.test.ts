import { describe, expect, it } from 'vitest';
import { reconnectDelayMs } from './realtime-backoff';
import { createRealtimeClient, type RealtimeSocket } from './realtime-client';
import type { ConversationEvent } from './realtime-frames';

/** A socket the test plays the server of: it records what the client sent and says what we tell it. */
class FakeSocket implements RealtimeSocket {
  sent: Record<string, unknown>[] = [];
  closedWith: number | undefined;
  onopen: RealtimeSocket['onopen'] = null;
  onmessage: RealtimeSocket['onmessage'] = null;
  onclose: RealtimeSocket['onclose'] = null;
  onerror: RealtimeSocket['onerror'] = null;
  send(data: string) {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(code = 1000) {
    this.closedWith = code;
  }
  serverSays(frame: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  hello() {
    this.serverSays({ type: 'hello', version: 1, userId: 'u1', tenantId: 't1', heartbeatMs: 25_000 });
  }
  drop(code = 1006) {
    this.onclose?.({ code, reason: '' });
  }
  framesOfType(type: string) {
    return this.sent.filter((frame) => frame.type === type);
  }
}

/** A client over fake sockets and a hand-turned clock: timers run only when the test says so. */
function harness(options: { random?: () => number; failOpens?: number } = {}) {
  const sockets: FakeSocket[] = [];
  const timers: { run: () => void; delayMs: number }[] = [];
  let failOpens = options.failOpens ?? 0;
  const client = createRealtimeClient({
    openSocket: () => {
      if (failOpens > 0) {
        failOpens -= 1;
        return Promise.reject(new TypeError('ticket request failed'));
      }
      const socket = new FakeSocket();
      sockets.push(socket);
      return Promise.resolve(socket);
    },
    random: options.random ?? (() => 0.5),
    setTimer: (run, delayMs) => timers.push({ run, delayMs }),
    clearTimer: () => undefined,
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  const fireNextTimer = async () => {
    const timer = timers.shift();
    if (!timer) throw new Error('no reconnect was scheduled');
    timer.run();
    await settle();
    return timer.delayMs;
  };
  return { client, sockets, timers, settle, fireNextTimer, latest: () => sockets.at(-1)! };
}

const delta = (seq: number, text: string) => ({
  type: 'text-delta',
  conversationId: 'c1',
  seq,
  messageId: 'm2',
  delta: text,
});

describe('reconnectDelayMs', () => {
  it('doubles its ceiling per attempt from 0.5 s up to a 30 s cap, drawing uniformly below it (full jitter)', () => {
    const almostOne = () => 0.999_999;
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((attempt) => reconnectDelayMs(attempt, almostOne))).toEqual([
      499, 999, 1999, 3999, 7999, 15_999, 29_999, 29_999,
    ]);
    expect(reconnectDelayMs(4, () => 0)).toBe(0);
    expect(reconnectDelayMs(4, () => 0.25)).toBe(2000);
  });
});

describe('createRealtimeClient', () => {
  it('subscribes open conversations once the server says hello, and shows open', async () => {
    const { client, latest, settle } = harness();
    client.subscribe('c1', () => undefined);
    client.start();
    await settle();
    expect(client.status()).toBe('connecting');
    expect(latest().sent).toEqual([]);
    latest().hello();
    expect(client.status()).toBe('open');
    expect(latest().framesOfType('subscribe')).toEqual([{ type: 'subscribe', conversationId: 'c1', id: 'c1' }]);
  });

  it('delivers each event once and in order, dropping a replayed seq it already delivered', async () => {
    const { client, latest, settle } = harness();
    const seen: ConversationEvent[] = [];
    client.subscribe('c1', (event) => seen.push(event));
    client.start();
    await settle();
    latest().hello();
    latest().serverSays(delta(1, 'Hel'));
    latest().serverSays(delta(2, 'lo'));
    latest().serverSays(delta(2, 'lo'));
    latest().serverSays(delta(1, 'Hel'));
    latest().serverSays(delta(3, '!'));
    expect(seen.map((event) => event.seq)).toEqual([1, 2, 3]);
    expect(client.lastSeq('c1')).toBe(3);
  });

  it("delivers a reply's parts under its one seq, past a later log event, and each part once after a resume from the reply's start", async () => {
    const { client, latest, settle, fireNextTimer } = harness({ random: () => 0.5 });
    const seen: string[] = [];
    client.subscribe('c1', (event) => seen.push(`${event.type}:${event.seq}.${event.part ?? '-'}`));
    client.start();
    await settle();
    latest().hello();
    const part = (seq: number, n: number, type = 'text-delta') => ({ type, conversationId: 'c1', seq, part: n });
    latest().serverSays(part(2, 0, 'message-started'));
    latest().serverSays(part(2, 1));
    latest().serverSays({ type: 'conversation-updated', conversationId: 'c1', seq: 3 });
    latest().serverSays(part(2, 2));
    latest().drop();
    await fireNextTimer();
    latest().hello();
    expect(latest().framesOfType('subscribe')).toMatchObject([{ conversationId: 'c1', after: 3 }]);
    // The server replays the reply in flight from its start, then goes on.
    for (const n of [0, 1, 2, 3]) latest().serverSays(part(2, n, n === 0 ? 'message-started' : 'text-delta'));
    latest().serverSays({ type: 'finished', conversationId: 'c1', seq: 4 });
    expect(seen).toEqual([
      'message-started:2.0',
      'text-delta:2.1',
      'conversation-updated:3.-',
      'text-delta:2.2',
      'text-delta:2.3',
      'finished:4.-',
    ]);
  });

  it('after a dropped connection shows reconnecting, reconnects after a jittered delay and resumes after the last seq', async () => {
    const { client, latest, settle, fireNextTimer, sockets } = harness({ random: () => 0.5 });
    const seen: number[] = [];
    client.subscribe('c1', (event) => seen.push(event.seq ?? -1));
    client.start();
    await settle();
    latest().hello();
    latest().serverSays(delta(1, 'Hel'));
    latest().serverSays(delta(2, 'lo'));

    latest().drop();
    expect(client.status()).toBe('reconnecting');
    expect(await fireNextTimer()).toBe(250);
    expect(sockets).toHaveLength(2);
    latest().hello();
    expect(client.status()).toBe('open');
    expect(latest().framesOfType('subscribe')).toMatchObject([{ conversationId: 'c1', after: 2 }]);
    // The server replays from seq 3; an overlap it might send is not shown twice.
    latest().serverSays(delta(2, 'lo'));
    latest().serverSays(delta(3, ' again'));
    expect(seen).toEqual([1, 2, 3]);
  });

  it('backs off exponentially while the server stays away, and starts over after a hello', async () => {
    const { client, latest, settle, fireNextTimer } = harness({ random: () => 0.999_999, failOpens: 3 });
    client.start();
    await settle();
    // Three failed opens (ticket refused or no answer), each waiting up to twice as long.
    expect(await fireNextTimer()).toBe(499);
    expect(await fireNextTimer()).toBe(999);
    expect(await fireNextTimer()).toBe(1999);
    latest().drop();
    expect(await fireNextTimer()).toBe(3999);
    latest().hello();
    latest().drop();
    expect(await fireNextTimer()).toBe(499);
  });

  it('a socket that closes before its hello counts as a failed attempt', async () => {
    const { client, latest, settle, fireNextTimer } = harness({ random: () => 0.999_999 });
    client.start();
    await settle();
    latest().drop(4001);
    expect(await fireNextTimer()).toBe(499);
    latest().drop(4001);
    expect(await fireNextTimer()).toBe(999);
  });

  it('resubscribes every open conversation, each after its own last seq, and forgets ones closed meanwhile', async () => {
    const { client, latest, settle, fireNextTimer } = harness();
    client.subscribe('c1', () => undefined);
    const closeTwo = client.subscribe('c2', () => undefined, 7);
    client.subscribe('c3', () => undefined);
    client.start();
    await settle();
    latest().hello();
    latest().serverSays({ type: 'subscribed', id: 'c1', conversationId: 'c1', seq: 4 });
    latest().serverSays({ type: 'subscribed', id: 'c3', conversationId: 'c3', seq: 0 });
    latest().drop();
    closeTwo();
    await fireNextTimer();
    latest().hello();
    expect(latest().framesOfType('subscribe')).toMatchObject([
      { conversationId: 'c1', after: 4 },
      { conversationId: 'c3', after: 0 },
    ]);
  });

  it('subscribes a conversation once however many screens listen, and unsubscribes when the last leaves', async () => {
    const { client, latest, settle } = harness();
    client.start();
    await settle();
    latest().hello();
    const first = client.subscribe('c1', () => undefined);
    const second = client.subscribe('c1', () => undefined);
    expect(latest().framesOfType('subscribe')).toHaveLength(1);
    first();
    expect(latest().framesOfType('unsubscribe')).toHaveLength(0);
    second();
    expect(latest().framesOfType('unsubscribe')).toMatchObject([{ conversationId: 'c1' }]);
  });

  it('passes per-user events to their listeners and sends typing at most once per interval', async () => {
    const { client, latest, settle } = harness();
    const userEvents: string[] = [];
    client.onUserEvent((event) => userEvents.push(event.type));
    client.start();
    await settle();
    latest().hello();
    latest().serverSays({ type: 'conversation-created', conversation: { id: 'c9' } });
    latest().serverSays({ type: 'conversation-activity', conversationId: 'c9', lastMessageAt: 'now' });
    expect(userEvents).toEqual(['conversation-created', 'conversation-activity']);
    client.typing('c1');
    client.typing('c1');
    expect(latest().framesOfType('typing')).toHaveLength(1);
  });

  it('stops for good: no reconnect after stop, and the socket is closed', async () => {
    const { client, latest, settle, timers } = harness();
    client.start();
    await settle();
    latest().hello();
    const socket = latest();
    client.stop();
    expect(socket.closedWith).toBe(1000);
    socket.drop();
    expect(timers).toHaveLength(0);
    expect(client.status()).toBe('stopped');
  });
});
