import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../platform/logger.js';
import { logRedisOutages } from '../../platform/redis-outage-log.js';
import type { ServerFrame } from './realtime.schemas.js';
import { eventJsonOf, frameJsonOf } from './frame-json.js';

/** One event for the sockets of every node: who may see it, and the frame they get. */
export interface RealtimeEvent {
  readonly tenantId: string;
  /**
   * `conversation`: its subscribers; `user`: every socket of `userId` (the per-user channel);
   * `operators`: every socket of the tenant's operators and administrators (the support desk).
   */
  readonly channel: 'conversation' | 'user' | 'operators';
  readonly conversationId: string;
  readonly userId?: string;
  readonly frame: ServerFrame;
  /** Set on the events of a reply being written: they are kept until a minute past its end, for late subscribers. */
  readonly replyId?: string;
  /** The reply's last event: its log goes a minute later. */
  readonly isFinal?: boolean;
  /** The socket whose frame caused the event, which already knows (a `message-created` it sent). */
  readonly originConnectionId?: string;
  /** A user whose sockets hear this on their own channel instead (a conversation's owner). */
  readonly exceptUserId?: string;
}

export type RealtimeEventHandler = (event: RealtimeEvent) => void;

/**
 * Carries events to every node's sockets: in-process without Redis, and over Redis pub/sub with it
 * (docs/realtime.md). This node's sockets always hear its own events at once, without a round trip, so an outage
 * of Redis leaves them served. The events of a reply being written are also kept (a list per reply in
 * Redis, a map here) so that a socket joining mid-reply, on any node, replays what was said so far.
 */
export interface EventRelay {
  publish(event: RealtimeEvent): void;
  onEvent(handler: RealtimeEventHandler): void;
  /**
   * Called when events may have been lost between nodes and are not any more: Redis answers again
   * after an outage (this node's, or another's, which says so on the channel). Subscribers catch up.
   */
  onRecovered(handler: () => void): void;
  /**
   * The frames a reply has sent so far, oldest first (a reply continued after an approval: its earlier
   * streams too, under their own seqs). Kept a minute past its end, so a replay that found it in flight
   * gets its stream whole even if it ends meanwhile; empty after that (it is stored).
   */
  replyLog(replyId: string): Promise<readonly ServerFrame[]>;
  close(): Promise<void>;
}

/** How long a reply's log outlives its last event, in case a node died before saying it ended. */
const replyLogTtlMs = 15 * 60_000;
/** How long it is kept once the reply ended: longer than any replay takes to read it. */
const endedReplyLogTtlMs = 60_000;
const channelName = 'parley:realtime';
const replyLogKey = (replyId: string) => `parley:realtime:reply:${replyId}`;

function createLocalLogs() {
  const logs = new Map<string, ServerFrame[]>();
  return {
    append(event: RealtimeEvent): void {
      if (!event.replyId) return;
      if (event.isFinal) {
        // Goes unless the reply went on meanwhile (continued after an approval), which keeps it.
        const { replyId } = event;
        const last = logs.get(replyId)?.at(-1);
        setTimeout(() => logs.get(replyId)?.at(-1) === last && logs.delete(replyId), endedReplyLogTtlMs).unref();
        return;
      }
      const log = logs.get(event.replyId) ?? [];
      log.push(event.frame);
      logs.set(event.replyId, log);
    },
    read: (replyId: string): readonly ServerFrame[] | undefined => logs.get(replyId),
  };
}

export function createLocalEventRelay(): EventRelay {
  const handlers: RealtimeEventHandler[] = [];
  const logs = createLocalLogs();
  return {
    publish(event) {
      logs.append(event);
      for (const handler of handlers) handler(event);
    },
    onEvent: (handler) => void handlers.push(handler),
    // In one process nothing is ever lost between nodes.
    onRecovered: () => undefined,
    replyLog: async (replyId) => logs.read(replyId) ?? [],
    close: async () => undefined,
  };
}

/**
 * Scaled out: every event goes to one Redis channel, which every node listens on with a connection of
 * its own; a node skips its own events, which it delivered already. The events published in one turn
 * of the event loop (a burst of deltas read from one chunk of the model's stream) leave in one
 * pipeline and one message: a round trip and a parse per burst, not per event, so a node delivering
 * to many sockets does not fall behind a node that writes fast. While Redis is away, publishing fails
 * at once (the shared connection has no offline queue): logged once, then again when it works.
 */
export async function openRedisEventRelay(redis: Redis, logger: Logger): Promise<EventRelay> {
  const nodeId = randomUUID();
  const handlers: RealtimeEventHandler[] = [];
  const logs = createLocalLogs();
  const deliver = (event: RealtimeEvent) => {
    for (const handler of handlers) handler(event);
  };
  const recoveredHandlers: (() => void)[] = [];
  const recovered = () => {
    for (const handler of recoveredHandlers) handler();
  };
  const listener = redis.duplicate({ connectionName: 'parley-realtime', enableOfflineQueue: true });
  logRedisOutages(listener, logger, 'redis realtime listener');
  listener.on('message', (_channel: string, text: string) => {
    const message = parseMessage(text);
    if (!message || message.node === nodeId) return;
    if (message.isRecovered) recovered();
    for (const event of message.events) deliver(event);
  });
  // Heard nothing from other nodes while it was down: once it is back (ioredis subscribes again),
  // this node's subscribers catch up.
  let isListenerDown = false;
  listener.on('close', () => (isListenerDown = true));
  listener.on('ready', () => {
    if (!isListenerDown) return;
    isListenerDown = false;
    recovered();
  });
  if (listener.status === 'wait') await listener.connect();
  await listener.subscribe(channelName);

  let isFailing = false;
  const sent = () => {
    if (!isFailing) return;
    isFailing = false;
    logger.info('realtime events reach other nodes again through redis');
    // The other nodes missed this node's events meanwhile, even if their own Redis never failed.
    void redis.publish(channelName, JSON.stringify({ node: nodeId, events: [], isRecovered: true })).catch(failed);
  };
  const failed = (error: unknown) => {
    if (isFailing) return;
    isFailing = true;
    logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      "realtime events do not reach other nodes (redis unreachable); this node's sockets are still served, and clients resume with `after`",
    );
  };

  let outgoing: RealtimeEvent[] = [];
  function flush(): void {
    const events = outgoing;
    outgoing = [];
    const pipeline = redis.pipeline();
    for (const event of events) {
      if (!event.replyId) continue;
      const key = replyLogKey(event.replyId);
      if (event.isFinal) pipeline.pexpire(key, endedReplyLogTtlMs);
      else pipeline.rpush(key, frameJsonOf(event.frame)).pexpire(key, replyLogTtlMs);
    }
    pipeline.publish(channelName, `{"node":${JSON.stringify(nodeId)},"events":[${events.map(eventJsonOf).join(',')}]}`);
    pipeline.exec().then((results) => {
      const error = results?.find(([failure]) => failure)?.[0];
      if (error) failed(error);
      else sent();
    }, failed);
  }

  return {
    publish(event) {
      logs.append(event);
      deliver(event);
      if (outgoing.length === 0) setImmediate(flush);
      outgoing.push(event);
    },
    onEvent: (handler) => void handlers.push(handler),
    onRecovered: (handler) => void recoveredHandlers.push(handler),
    async replyLog(replyId) {
      const local = logs.read(replyId);
      if (local) return local;
      const items = await redis.lrange(replyLogKey(replyId), 0, -1).catch((error: unknown) => {
        failed(error);
        return [];
      });
      return items.flatMap((item) => {
        try {
          return [JSON.parse(item) as ServerFrame];
        } catch {
          return [];
        }
      });
    },
    close: async () => {
      if (outgoing.length > 0) flush();
      await listener.quit().catch(() => listener.disconnect());
    },
  };
}

/**
 * A message of another node: its events in order (`event`, one alone, from a node of an earlier
 * version), or word that its events reach Redis again after an outage.
 */
function parseMessage(text: string): { node: string; events: RealtimeEvent[]; isRecovered: boolean } | undefined {
  try {
    const parsed = JSON.parse(text) as {
      node?: unknown;
      event?: RealtimeEvent;
      events?: RealtimeEvent[];
      isRecovered?: unknown;
    };
    if (typeof parsed.node !== 'string') return undefined;
    const events = (parsed.events ?? (parsed.event ? [parsed.event] : [])).filter(
      (event) => typeof event?.frame?.type === 'string',
    );
    return { node: parsed.node, events, isRecovered: parsed.isRecovered === true };
  } catch {
    return undefined;
  }
}
