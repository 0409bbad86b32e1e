import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { logRedisOutages } from '../redis-outage-log.js';
import type { Logger } from '../logger.js';

/**
 * What every node must hear: a cached row that changed and must be forgotten (ADR 7: a tenant's
 * providers, or the price table, `model-prices`, always as `everyKey`), or a reply that must stop being
 * written wherever it is written (`reply-stops`, chat's `reply-stops.ts`), or a user whose credentials may
 * have ended, whose realtime sockets are checked again (`credentials`), or a tenant whose webhook endpoints
 * changed, whose events are then worth storing or not (`webhook-endpoints`), or a conversation whose
 * watchers must be judged again (`conversation-access`: it was deleted), or a tenant whose budget limits
 * changed (`tenant-budgets`), or a tenant whose inboxes were made or removed (`inboxes`: whether it has an
 * email inbox), or a tenant whose routing rules changed (`routing-rules`: whether its messages wake the rules).
 */
export const invalidationTopics = [
  'tenant-providers',
  'model-prices',
  'reply-stops',
  'credentials',
  'webhook-endpoints',
  'conversation-access',
  'tenant-budgets',
  'inboxes',
  'routing-rules',
] as const;
export type InvalidationTopic = (typeof invalidationTopics)[number];

/**
 * How long a node holds settings a turn reads and that rarely change (a tenant's providers, its budget
 * limits, the price table) between reads: every change is told over this bus, and a node that may have
 * missed a message (Redis reconnected) forgets everything, so this only bounds what a node running
 * without Redis beside others can miss. Minutes, not seconds: a tenant idle for a few seconds would
 * otherwise pay three reads more on its next turn (issue 63, cold turns).
 */
export const settingsCacheTtlMs = 10 * 60_000;

/**
 * The key a subscriber gets when messages may have been missed: forget everything of the topic. A
 * topic that is not a cache (`reply-stops`) ignores it: a lost stop cannot be told again.
 */
export const everyKey = '*';

/**
 * Tells every node that a cached row changed. This node's subscribers hear it at once, synchronously;
 * with Redis, other nodes hear it through pub/sub a moment later. Caches still expire on their own, which
 * bounds what a lost message (Redis down, a node without Redis beside others) can leave stale.
 */
export interface InvalidationBus {
  /** Call after the change is committed. */
  publish(topic: InvalidationTopic, key: string): void;
  subscribe(topic: InvalidationTopic, onChange: (key: string) => void): void;
  close(): Promise<void>;
}

const channel = 'parley:invalidate';

interface Subscribers {
  deliver(topic: InvalidationTopic, key: string): void;
  deliverToAll(key: string): void;
  add(topic: InvalidationTopic, onChange: (key: string) => void): void;
}

function createSubscribers(): Subscribers {
  const byTopic = new Map<InvalidationTopic, ((key: string) => void)[]>();
  const deliver = (topic: InvalidationTopic, key: string) => {
    for (const onChange of byTopic.get(topic) ?? []) onChange(key);
  };
  return {
    deliver,
    deliverToAll: (key) => byTopic.forEach((_, topic) => deliver(topic, key)),
    add: (topic, onChange) => byTopic.set(topic, [...(byTopic.get(topic) ?? []), onChange]),
  };
}

/** A single node (embedded storage, or no Redis): its own subscribers are everyone. */
export function createLocalInvalidationBus(): InvalidationBus {
  const subscribers = createSubscribers();
  return {
    publish: (topic, key) => subscribers.deliver(topic, key),
    subscribe: (topic, onChange) => subscribers.add(topic, onChange),
    close: async () => undefined,
  };
}

/**
 * Scaled out: every node publishes on one Redis channel and listens on a connection of its own (a
 * subscribed connection can do nothing else). After that connection was lost, every cache is cleared,
 * since changes made meanwhile were not heard.
 */
export async function openRedisInvalidationBus(redis: Redis, logger: Logger): Promise<InvalidationBus> {
  const subscribers = createSubscribers();
  const nodeId = randomUUID();
  // The shared connection fails commands at once while Redis is away (platform/redis.ts); this one
  // queues them instead. It subscribes again itself after a reconnection (autoResubscribe off):
  // ioredis's own resubscribe leaves its promise to nobody, so a connection closed before Redis
  // answered it (a shutdown right after a reconnection, once in CI) was an unhandled rejection.
  const listener = redis.duplicate({
    connectionName: 'parley-invalidations',
    enableOfflineQueue: true,
    autoResubscribe: false,
  });
  logRedisOutages(listener, logger, 'redis invalidation listener');
  let wasDisconnected = false;
  listener.on('close', () => (wasDisconnected = true));
  const forgetEverything = () => subscribers.deliverToAll(everyKey);
  listener.on('ready', () => {
    if (!wasDisconnected) return;
    wasDisconnected = false;
    // Once listening again, so that no change falls between the forgetting and the subscription.
    listener.subscribe(channel).then(forgetEverything, (error: unknown) => {
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'redis invalidations not resubscribed',
      );
      forgetEverything();
    });
  });
  listener.on('message', (_channel: string, text: string) => {
    const message = parseMessage(text);
    if (message && message.node !== nodeId) subscribers.deliver(message.topic, message.key);
  });
  if (listener.status === 'wait') await listener.connect();
  await listener.subscribe(channel);

  return {
    publish(topic, key) {
      subscribers.deliver(topic, key);
      redis.publish(channel, JSON.stringify({ node: nodeId, topic, key })).catch((error: unknown) => {
        logger.warn({ err: error instanceof Error ? error.message : String(error), topic }, 'invalidation not sent');
      });
    },
    subscribe: (topic, onChange) => subscribers.add(topic, onChange),
    close: async () => {
      await listener.quit().catch(() => listener.disconnect());
    },
  };
}

// Every topic: one left out here would be dropped by the other nodes without a word.
const topics: ReadonlySet<string> = new Set<InvalidationTopic>(invalidationTopics);

function parseMessage(text: string): { node: string; topic: InvalidationTopic; key: string } | undefined {
  try {
    const parsed = JSON.parse(text) as { node?: unknown; topic?: unknown; key?: unknown };
    if (typeof parsed.node !== 'string' || typeof parsed.key !== 'string') return undefined;
    if (typeof parsed.topic !== 'string' || !topics.has(parsed.topic)) return undefined;
    return { node: parsed.node, topic: parsed.topic as InvalidationTopic, key: parsed.key };
  } catch {
    return undefined;
  }
}
