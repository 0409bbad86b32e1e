import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../platform/logger.js';
import { logRedisOutages } from '../../platform/redis-outage-log.js';
import type { ServerFrame } from './realtime.schemas.js';

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
  /** Set on the events of a reply being written: they are kept until it ends, for late subscribers. */
  readonly replyId?: string;
  /** The reply's last event: its log may go. */
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
  /** The frames a reply has sent so far, oldest first; empty once it ended (it is stored by then). */
  replyLog(replyId: string): Promise<readonly ServerFrame[]>;
  close(): Promise<void>;
}

/** How long a reply's log outlives its last event, in case a node died before saying it ended. */
const replyLogTtlMs = 15 * 60_000;
const channelName = 'parley:realtime';
const replyLogKey = (replyId: string) => `parley:realtime:reply:${replyId}`;

function createLocalLogs() {
  const logs = new Map<string, ServerFrame[]>();
  return {
    append(event: RealtimeEvent): void {
      if (!event.replyId) return;
      if (event.isFinal) {
        logs.delete(event.replyId);
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
    replyLog: async (replyId) => logs.read(replyId) ?? [],
    close: async () => undefined,
  };
}

/**
 * Scaled out: every event goes to one Redis channel, which every node listens on with a connection of
 * its own; a node skips its own events, which it delivered already. While Redis is away, publishing
 * fails at once (the shared connection has no offline queue): logged once, then again when it works.
 */
export async function openRedisEventRelay(redis: Redis, logger: Logger): Promise<EventRelay> {
  const nodeId = randomUUID();
  const handlers: RealtimeEventHandler[] = [];
  const logs = createLocalLogs();
  const deliver = (event: RealtimeEvent) => {
    for (const handler of handlers) handler(event);
  };
  const listener = redis.duplicate({ connectionName: 'parley-realtime', enableOfflineQueue: true });
  logRedisOutages(listener, logger, 'redis realtime listener');
  listener.on('message', (_channel: string, text: string) => {
    const message = parseMessage(text);
    if (message && message.node !== nodeId) deliver(message.event);
  });
  if (listener.status === 'wait') await listener.connect();
  await listener.subscribe(channelName);

  let isFailing = false;
  const sent = () => {
    if (!isFailing) return;
    isFailing = false;
    logger.info('realtime events reach other nodes again through redis');
  };
  const failed = (error: unknown) => {
    if (isFailing) return;
    isFailing = true;
    logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      "realtime events do not reach other nodes (redis unreachable); this node's sockets are still served, and clients resume with `after`",
    );
  };

  return {
    publish(event) {
      logs.append(event);
      deliver(event);
      const pipeline = redis.pipeline();
      if (event.replyId) {
        const key = replyLogKey(event.replyId);
        if (event.isFinal) pipeline.del(key);
        else pipeline.rpush(key, JSON.stringify(event.frame)).pexpire(key, replyLogTtlMs);
      }
      pipeline.publish(channelName, JSON.stringify({ node: nodeId, event }));
      pipeline.exec().then((results) => {
        const error = results?.find(([failure]) => failure)?.[0];
        if (error) failed(error);
        else sent();
      }, failed);
    },
    onEvent: (handler) => void handlers.push(handler),
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
      await listener.quit().catch(() => listener.disconnect());
    },
  };
}

function parseMessage(text: string): { node: string; event: RealtimeEvent } | undefined {
  try {
    const parsed = JSON.parse(text) as { node?: unknown; event?: RealtimeEvent };
    if (typeof parsed.node !== 'string' || typeof parsed.event?.frame?.type !== 'string') return undefined;
    return { node: parsed.node, event: parsed.event };
  } catch {
    return undefined;
  }
}
