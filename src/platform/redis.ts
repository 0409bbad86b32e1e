import type { Redis } from 'ioredis';
import type { Logger } from './logger.js';

/**
 * The shared Redis connection of a scaled-out node (rate-limit counters now; pub/sub fan-out later).
 * Absent in embedded mode, where everything stays in-process.
 */
export async function openRedis(url: string, logger: Logger): Promise<Redis> {
  // Loaded only when REDIS_URL is set: embedded and single-node servers never pay its ~6 MB.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  // Connection errors are retried by ioredis; log them instead of crashing the process.
  redis.on('error', (error: Error) => logger.warn({ err: error.message }, 'redis connection error'));
  await redis.connect();
  return redis;
}
