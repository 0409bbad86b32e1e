import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../platform/logger.js';
import { knownAddressMs, tooManyFailures, type LoginThrottle, type LoginThrottleOptions } from './login-throttle.js';

/**
 * Failed sign-ins counted in Redis, shared by every node: a counter per key that expires with its
 * window (fixed windows, as in-process). Keys are hashed, so Redis holds no email addresses. While
 * Redis cannot be reached, the node counts in process (`fallback`) rather than stop counting.
 */
export function createRedisLoginThrottle(
  redis: Redis,
  options: LoginThrottleOptions,
  fallback: LoginThrottle,
  logger: Logger,
): LoginThrottle {
  const hashed = (key: string) => createHash('sha256').update(key).digest('hex');
  const redisKey = (key: string) => `parley-login-failures:${hashed(key)}`;
  const rememberedKey = (key: string) => `parley-login-known:${hashed(key)}`;
  const unreachable = (error: unknown) =>
    logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'login throttle counts in process');

  return {
    async countAttempt(keys) {
      const pipeline = redis.multi();
      for (const key of keys.map(redisKey)) {
        // The window starts with the first attempt and is not extended by later ones.
        pipeline.set(key, 0, 'PX', options.windowMs, 'NX').incr(key);
      }
      let replies: [Error | null, unknown][] | null;
      try {
        replies = await pipeline.exec();
      } catch (error) {
        unreachable(error);
        return fallback.countAttempt(keys);
      }
      // Each key's INCR is the second reply of its pair: the count with this attempt in it.
      const spent = keys.find((_, index) => Number(replies?.[index * 2 + 1]?.[1] ?? 0) > options.maxFailures);
      if (spent === undefined) return;
      const remainingMs = await redis.pttl(redisKey(spent)).catch(() => options.windowMs);
      throw tooManyFailures(Math.ceil(remainingMs / 1000));
    },
    async forgive(keys) {
      // Only a counter still in its window: DECR on an expired one would leave -1 with no expiry.
      const script = "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0";
      const pipeline = redis.multi();
      for (const key of keys.map(redisKey)) pipeline.eval(script, 1, key);
      await pipeline.exec().catch(async (error: unknown) => {
        unreachable(error);
        await fallback.forgive(keys);
      });
    },
    async reset(keys) {
      await redis.del(...keys.map(redisKey)).catch(async (error: unknown) => {
        unreachable(error);
        await fallback.reset(keys);
      });
    },
    async remember(key) {
      await redis.set(rememberedKey(key), 1, 'PX', knownAddressMs).catch(async (error: unknown) => {
        unreachable(error);
        await fallback.remember(key);
      });
    },
    async isRemembered(key) {
      try {
        return (await redis.exists(rememberedKey(key))) === 1;
      } catch (error) {
        unreachable(error);
        return fallback.isRemembered(key);
      }
    },
  };
}
