import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  everyKey,
  invalidationTopics,
  openRedisInvalidationBus,
  type InvalidationBus,
} from '../../src/platform/cache/invalidation-bus.js';
import { createLogger } from '../../src/platform/logger.js';
import { openRedis } from '../../src/platform/redis.js';
import { testStorage } from '../harness/test-database.js';

/** The Redis side of the bus, on the real Redis of the scaled-out run (two nodes = two buses). */
const redisUrl = testStorage === 'postgres' ? process.env.TEST_REDIS_URL : undefined;
const withinOneSecond = { timeout: 1_000, interval: 10 };
const logger = createLogger({ level: 'silent' });
const keyPrefix = `bus-test-${randomUUID()}:`;
/** A key of this file's own, published as it would be for a tenant. */
const key = (name: string): string => `${keyPrefix}${name}`;

/** Ids of this bus's listening connections, found by the name the bus gives them. */
async function listenerIds(redis: Redis): Promise<Set<string>> {
  const list = String(await redis.call('CLIENT', 'LIST'));
  return new Set(
    list
      .split('\n')
      .filter((line) => / name=parley-invalidations /.test(line))
      .map((line) => /\bid=(\d+)/.exec(line)?.[1] ?? ''),
  );
}

describe.skipIf(!redisUrl)('the invalidation bus over Redis', () => {
  let redisA: Redis;
  let redisB: Redis;
  let busA: InvalidationBus;
  let busB: InvalidationBus;
  let listenerOfB: string;
  const heardByA: string[] = [];
  const heardByB: string[] = [];

  beforeAll(async () => {
    redisA = await openRedis(redisUrl!, logger);
    redisB = await openRedis(redisUrl!, logger);
    busA = await openRedisInvalidationBus(redisA, logger);
    const before = await listenerIds(redisA);
    busB = await openRedisInvalidationBus(redisB, logger);
    listenerOfB = [...(await listenerIds(redisA))].find((id) => !before.has(id))!;
    // Other test files' apps share this Redis and publish their own changes meanwhile: only this
    // file's keys (and "forget everything") are recorded.
    const record = (heard: string[]) => (published: string) => {
      if (published === everyKey) heard.push(published);
      else if (published.startsWith(keyPrefix)) heard.push(published.slice(keyPrefix.length));
    };
    busA.subscribe('tenant-providers', record(heardByA));
    busB.subscribe('tenant-providers', record(heardByB));
  });
  afterAll(async () => {
    await Promise.all([busA.close(), busB.close()]);
    await Promise.all([redisA.quit(), redisB.quit()]);
  });

  it('tells its own node at once and the other node through Redis, each once', async () => {
    busA.publish('tenant-providers', key('t-1'));
    expect(heardByA).toEqual(['t-1']);
    await expect.poll(() => heardByB, withinOneSecond).toEqual(['t-1']);
    expect(heardByA).toEqual(['t-1']);
  });

  it('ignores messages that are not its own', async () => {
    heardByB.length = 0;
    await redisA.publish('parley:invalidate', 'not json');
    await redisA.publish('parley:invalidate', JSON.stringify({ node: 'other', topic: 'sessions', key: key('t-2') }));
    busA.publish('tenant-providers', key('t-3'));
    await expect.poll(() => heardByB, withinOneSecond).toEqual(['t-3']);
  });

  it('carries a price change (the whole table, as every key) to the other node', async () => {
    let heard = 0;
    busB.subscribe('model-prices', () => (heard += 1));
    busA.publish('model-prices', everyKey);
    await expect.poll(() => heard, withinOneSecond).toBeGreaterThan(0);
  });

  // A topic the other nodes' parser did not know was dropped there without a word (webhook endpoints were).
  it.each(invalidationTopics)("carries '%s' to the other node", async (topic) => {
    const heard: string[] = [];
    busB.subscribe(topic, (published) => void (published.startsWith(keyPrefix) && heard.push(published)));
    busA.publish(topic, key(`${topic}-1`));
    await expect.poll(() => heard, withinOneSecond).toEqual([key(`${topic}-1`)]);
  });

  it('tells its subscribers to forget everything after its connection to Redis was lost', async () => {
    heardByB.length = 0;
    expect(listenerOfB).toBeDefined();
    await redisA.call('CLIENT', 'KILL', 'ID', listenerOfB);

    await expect.poll(() => heardByB, { timeout: 5_000, interval: 20 }).toEqual([everyKey]);
    // Listening again: a change published after the reconnection arrives.
    busA.publish('tenant-providers', key('t-4'));
    await expect.poll(() => heardByB, withinOneSecond).toEqual([everyKey, 't-4']);
  });
});
