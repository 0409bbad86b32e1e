import { defaultBackoff, reconnectDelayMs, type BackoffPolicy } from './realtime-backoff';
import {
  readServerFrame,
  type AnswerFrame,
  type ConversationEvent,
  type HelloFrame,
  type UserEvent,
} from './realtime-frames';

/** The part of the browser's WebSocket the client uses, so tests can hand it a fake. */
export interface RealtimeSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/**
 * `connecting` before the first hello; `open` once the server said hello; `reconnecting` between a
 * lost connection and the next hello (the console shows "reconnecting…"); `stopped` after stop().
 */
export type RealtimeStatus = 'connecting' | 'open' | 'reconnecting' | 'stopped';

export interface RealtimeClientOptions {
  /** Opens a socket already authenticated (a fresh ticket each time: they are single-use). */
  readonly openSocket: () => Promise<RealtimeSocket>;
  readonly backoff?: BackoffPolicy;
  readonly random?: () => number;
  readonly setTimer?: (run: () => void, delayMs: number) => unknown;
  readonly clearTimer?: (timer: unknown) => void;
  /** The least time between two `typing` frames for one conversation. */
  readonly typingIntervalMs?: number;
  readonly now?: () => number;
  /** A frame-level error the server answered (bad frame, not found, rate limited…). */
  readonly onProblem?: (problem: AnswerFrame) => void;
}

type ConversationListener = (event: ConversationEvent) => void;

interface Subscription {
  readonly listeners: Set<ConversationListener>;
  /** The highest seq delivered; resubscribing asks for everything after it. */
  lastSeq: number | undefined;
  /** Each reply stream's last part delivered, by the seq its start took: a resume replays a reply from its start. */
  readonly partsBySeq: Map<number, number>;
}

/** Replies whose parts are remembered per conversation; older ones ended long ago. */
const rememberedStreams = 64;

/**
 * One socket per tab, shared by every screen: conversations are subscribed once however many
 * listeners they have. On a lost connection it reconnects with exponential backoff and full jitter,
 * then resubscribes each open conversation with `after` = the last seq it delivered, so the server
 * replays what was missed (replies in flight from their start). A log event at or below that seq, or a
 * reply's part at or below the last one delivered of that reply (a replay overlapping what had already
 * arrived), is dropped, so listeners see each event once, in order.
 */
export function createRealtimeClient(options: RealtimeClientOptions) {
  const backoff = options.backoff ?? defaultBackoff;
  const random = options.random ?? Math.random;
  const setTimer = options.setTimer ?? ((run, delayMs) => setTimeout(run, delayMs));
  const clearTimer = options.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
  const now = options.now ?? Date.now;
  const typingIntervalMs = options.typingIntervalMs ?? 2_000;

  const subscriptions = new Map<string, Subscription>();
  const userListeners = new Set<(event: UserEvent) => void>();
  const statusListeners = new Set<(status: RealtimeStatus) => void>();
  const lastTypingAt = new Map<string, number>();
  let status: RealtimeStatus = 'stopped';
  let socket: RealtimeSocket | null = null;
  let hello: HelloFrame | null = null;
  let failedAttempts = 0;
  let retryTimer: unknown = null;
  let frameCount = 0;

  const isStopped = () => status === 'stopped';
  const setStatus = (next: RealtimeStatus) => {
    if (status === next) return;
    status = next;
    for (const listener of [...statusListeners]) listener(next);
  };

  const sendFrame = (frame: Record<string, unknown>): boolean => {
    if (!socket || !hello) return false;
    socket.send(JSON.stringify({ ...frame, id: `c${++frameCount}` }));
    return true;
  };

  const subscribeFrame = (conversationId: string, subscription: Subscription) =>
    sendFrame({
      type: 'subscribe',
      conversationId,
      ...(subscription.lastSeq !== undefined && { after: subscription.lastSeq }),
    });

  const deliverConversationEvent = (event: ConversationEvent) => {
    const subscription = subscriptions.get(event.conversationId);
    if (!subscription) return;
    if (typeof event.seq === 'number') {
      if (typeof event.part === 'number') {
        // A stream event: ordered by (seq, part) inside its reply, and may follow later seqs (a rename).
        const lastPart = subscription.partsBySeq.get(event.seq);
        if (lastPart !== undefined && event.part <= lastPart) return;
        subscription.partsBySeq.set(event.seq, event.part);
        if (subscription.partsBySeq.size > rememberedStreams) {
          subscription.partsBySeq.delete(subscription.partsBySeq.keys().next().value as number);
        }
      } else if (subscription.lastSeq !== undefined && event.seq <= subscription.lastSeq) {
        return;
      }
      if (subscription.lastSeq === undefined || event.seq > subscription.lastSeq) subscription.lastSeq = event.seq;
    }
    for (const listener of [...subscription.listeners]) listener(event);
  };

  const onFrame = (text: string) => {
    const read = readServerFrame(text);
    switch (read.kind) {
      case 'hello':
        hello = read.frame;
        failedAttempts = 0;
        setStatus('open');
        for (const [conversationId, subscription] of subscriptions) subscribeFrame(conversationId, subscription);
        return;
      case 'answer': {
        const answer = read.frame;
        if (answer.type === 'subscribed' && answer.conversationId && typeof answer.seq === 'number') {
          const subscription = subscriptions.get(answer.conversationId);
          if (subscription && (subscription.lastSeq === undefined || answer.seq > subscription.lastSeq)) {
            subscription.lastSeq = answer.seq;
          }
        }
        if (answer.type === 'error') options.onProblem?.(answer);
        return;
      }
      case 'conversation':
        return deliverConversationEvent(read.frame);
      case 'user':
        for (const listener of [...userListeners]) listener(read.frame);
        return;
      case 'unreadable':
        return;
    }
  };

  const scheduleReconnect = () => {
    if (status === 'stopped') return;
    setStatus('reconnecting');
    const delayMs = reconnectDelayMs(failedAttempts, random, backoff);
    failedAttempts += 1;
    retryTimer = setTimer(() => {
      retryTimer = null;
      void connect();
    }, delayMs);
  };

  const connect = async () => {
    if (status === 'stopped') return;
    let opened: RealtimeSocket;
    try {
      opened = await options.openSocket();
    } catch {
      scheduleReconnect();
      return;
    }
    // stop() may have been called while the ticket was being fetched.
    if (isStopped()) {
      opened.close(1000, 'stopped');
      return;
    }
    socket = opened;
    hello = null;
    opened.onmessage = (event) => {
      if (socket === opened && typeof event.data === 'string') onFrame(event.data);
    };
    opened.onclose = () => {
      if (socket !== opened) return;
      socket = null;
      hello = null;
      scheduleReconnect();
    };
    opened.onerror = () => undefined;
  };

  return {
    status: (): RealtimeStatus => status,
    /** The signed-in user the server sees on this socket (from its hello). */
    userId: (): string | undefined => hello?.userId,
    onStatus: (listener: (status: RealtimeStatus) => void): (() => void) => {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    start() {
      if (status !== 'stopped') return;
      failedAttempts = 0;
      setStatus('connecting');
      void connect();
    },
    stop() {
      setStatus('stopped');
      if (retryTimer !== null) clearTimer(retryTimer);
      retryTimer = null;
      const closing = socket;
      socket = null;
      hello = null;
      closing?.close(1000, 'signed out');
    },
    /**
     * Listens to a conversation's events. `after` is the seq the caller has already shown (none: only
     * what happens from now on and the reply in flight). Returns the way to stop listening.
     */
    subscribe(conversationId: string, listener: ConversationListener, after?: number): () => void {
      let subscription = subscriptions.get(conversationId);
      if (!subscription) {
        subscription = { listeners: new Set(), lastSeq: after, partsBySeq: new Map() };
        subscriptions.set(conversationId, subscription);
        subscribeFrame(conversationId, subscription);
      }
      subscription.listeners.add(listener);
      const current = subscription;
      return () => {
        current.listeners.delete(listener);
        if (current.listeners.size > 0 || subscriptions.get(conversationId) !== current) return;
        subscriptions.delete(conversationId);
        sendFrame({ type: 'unsubscribe', conversationId });
      };
    },
    lastSeq: (conversationId: string): number | undefined => subscriptions.get(conversationId)?.lastSeq,
    onUserEvent(listener: (event: UserEvent) => void): () => void {
      userListeners.add(listener);
      return () => userListeners.delete(listener);
    },
    /** Tells the conversation's other watchers this person is typing; at most once per interval. */
    typing(conversationId: string) {
      const last = lastTypingAt.get(conversationId);
      if (last !== undefined && now() - last < typingIntervalMs) return;
      if (sendFrame({ type: 'typing', conversationId })) lastTypingAt.set(conversationId, now());
    },
  };
}

export type RealtimeClient = ReturnType<typeof createRealtimeClient>;
