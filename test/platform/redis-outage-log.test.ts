import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { createLogger } from '../../src/platform/logger.js';
import { openRedis } from '../../src/platform/redis.js';
import { startCuttableRedis } from '../harness/cuttable-redis.js';
import { captureLogs } from '../harness/log-capture.js';
import { testStorage } from '../harness/test-database.js';

/** What an operator reads while the real Redis of the scaled-out run is cut off and comes back. */
describe.skipIf(testStorage !== 'postgres')("a Redis outage in the server's log", () => {
  const logs = captureLogs();
  let relay: Awaited<ReturnType<typeof startCuttableRedis>>;
  let redis: Redis;

  beforeAll(async () => {
    relay = await startCuttableRedis(new URL(process.env.TEST_REDIS_URL!));
    redis = await openRedis(relay.url, createLogger({ level: 'info', destination: logs.destination }));
  });
  afterAll(async () => {
    redis.disconnect();
    await relay.restore();
  });

  const linesNamed = (prefix: string) => logs.entries().filter((entry) => entry.msg?.startsWith(prefix));

  it('is one warning while it lasts, not one per reconnection try, and a line when it is over', async () => {
    let tries = 0;
    redis.on('error', () => (tries += 1));
    await relay.cut();
    // ioredis tries again after 50 ms, 100 ms, 150 ms…: six tries within about a second and a half.
    await expect.poll(() => tries, { timeout: 10_000 }).toBeGreaterThanOrEqual(6);
    expect(linesNamed('redis connection').map((entry) => entry.msg)).toEqual(['redis connection error']);

    await relay.restore();
    await expect.poll(() => redis.status, { timeout: 10_000 }).toBe('ready');
    const [back] = linesNamed('redis connection back');
    expect(back).toMatchObject({ level: 30, errors: tries, failedForSeconds: expect.any(Number) });
    expect(await redis.ping()).toBe('PONG');
  });
});
