import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../platform/logger.js';
import { tooManyFailures, type LoginThrottle, type LoginThrottleOptions } from './login-throttle.js';

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
  const redisKey = (key: string) => `parley-login-failures:${createHash('sha256').update(key).digest('hex')}`;
  const unreachable = (error: unknown) =>
    logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'login throttle counts in process');

  return {
    async assertAllowed(keys) {
      let counts: (string | null)[];
      try {
        counts = await redis.mget(keys.map(redisKey));
      } catch (error) {
        unreachable(error);
        return fallback.assertAllowed(keys);
      }
      const spent = keys.find((_, index) => Number(counts[index] ?? 0) >= options.maxFailures);
      if (spent === undefined) return;
      const remainingMs = await redis.pttl(redisKey(spent)).catch(() => options.windowMs);
      throw tooManyFailures(Math.ceil(remainingMs / 1000));
    },
    async recordFailure(keys) {
      const pipeline = redis.multi();
      for (const key of keys.map(redisKey)) {
        // The window starts with the first failure and is not extended by later ones.
        pipeline.set(key, 0, 'PX', options.windowMs, 'NX').incr(key);
      }
      await pipeline.exec().catch(async (error: unknown) => {
        unreachable(error);
        await fallback.recordFailure(keys);
      });
    },
    async reset(keys) {
      await redis.del(...keys.map(redisKey)).catch(async (error: unknown) => {
        unreachable(error);
        await fallback.reset(keys);
      });
    },
  };
}
