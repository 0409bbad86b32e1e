import type { Redis } from 'ioredis';
import type { Logger } from '../../platform/logger.js';
import type { RealtimeHub } from './realtime-hub.js';

/** A socket's place in its user's count; released when the connection ends (idempotent). */
export interface ConnectionSlot {
  release(): void;
}

export interface ConnectionSlots {
  /** A slot for one more socket of this user, or null when they hold `limit` already (on every node). */
  claim(userId: string): Promise<ConnectionSlot | null>;
  close(): void;
}

/**
 * How long a slot lives in Redis without being renewed: a node that dies without releasing its slots
 * gives them back after this, and every live node renews its own three times within it.
 */
const slotLeaseMs = 60_000;

/**
 * Takes a slot when the user holds fewer than the limit, atomically, on Redis's clock (no node's clock
 * decides): drops the slots whose lease ran out, counts, adds this one with its lease.
 */
const claimScript = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1`;

/** Renews the lease of the slots named (those still there: a released one is not brought back). */
const renewScript = `
local time = redis.call('TIME')
local until_ = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) + tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', until_, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1`;

const slotsKey = (userId: string) => `parley:realtime:sockets:${userId}`;

/**
 * The sockets a user may hold at once (REALTIME_CONNECTIONS_PER_USER), counted across every node when
 * Redis is there and on this node alone when it is not. While Redis cannot be reached, the count falls
 * back to this node's: sockets keep opening in an outage rather than all being refused.
 */
export function createConnectionSlots(deps: {
  readonly redis?: Redis;
  readonly hub: Pick<RealtimeHub, 'connectionCountOf'>;
  readonly limit: number;
  readonly logger: Logger;
}): ConnectionSlots {
  const { redis, limit } = deps;
  const localSlot = (): ConnectionSlot => ({ release() {} });
  const localClaim = (userId: string) => (deps.hub.connectionCountOf(userId) >= limit ? null : localSlot());
  if (!redis) return { claim: async (userId) => localClaim(userId), close() {} };

  /** This node's slots in Redis, by user: what it renews and what it gives back. */
  const held = new Map<string, Set<string>>();
  let counter = 0;
  const nodeTag = Math.random().toString(36).slice(2, 10);

  function forget(userId: string, member: string): void {
    const members = held.get(userId);
    members?.delete(member);
    if (members?.size === 0) held.delete(userId);
  }

  const renewAll = setInterval(() => {
    for (const [userId, members] of held) {
      redis
        .eval(renewScript, 1, slotsKey(userId), slotLeaseMs, ...members)
        .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not renew realtime connection slots'));
    }
  }, slotLeaseMs / 3);
  renewAll.unref();

  return {
    async claim(userId) {
      const member = `${nodeTag}:${++counter}`;
      let granted: unknown;
      try {
        granted = await redis.eval(claimScript, 1, slotsKey(userId), limit, slotLeaseMs, member);
      } catch (error) {
        deps.logger.warn({ err: error }, 'redis unreachable: counting realtime connections on this node only');
        return localClaim(userId);
      }
      if (granted !== 1) return null;
      const members = held.get(userId) ?? new Set<string>();
      members.add(member);
      held.set(userId, members);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          forget(userId, member);
          // A slot that cannot be given back now ends with its lease.
          redis.zrem(slotsKey(userId), member).catch(() => undefined);
        },
      };
    },
    close() {
      clearInterval(renewAll);
    },
  };
}
