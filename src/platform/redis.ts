import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';
import { logRedisOutages } from './redis-outage-log.js';

/**
 * The shared Redis connection of a scaled-out node (rate-limit counters now; pub/sub fan-out later).
 * Absent in embedded mode, where everything stays in-process.
 */
export async function openRedis(url: string, logger: Logger): Promise<Redis> {
  // Loaded only when REDIS_URL is set: embedded and single-node servers never pay its ~6 MB.
  const { Redis } = await import('ioredis');
  // While Redis is unreachable or hung, a command fails at once (no offline queue) or after a second,
  // instead of holding the request that needed it: the rate limiter then lets requests through.
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: false,
    commandTimeout: 1_000,
  });
  // Connection errors are retried by ioredis; logged (once an outage), they do not crash the process.
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => (lastError = error));
  logRedisOutages(redis, logger, 'redis connection');
  try {
    await redis.connect();
    // ioredis selects the URL's database as it connects, but a number this Redis lacks only logs an
    // error and leaves the connection on database 0, where the counters of other deployments live.
    const database = redis.options.db ?? 0;
    if (database !== 0) await redis.select(database);
  } catch (error) {
    // connect() says only "Connection is closed."; the error event before it says why.
    redis.disconnect();
    throw lastError ?? error;
  }
  return redis;
}
