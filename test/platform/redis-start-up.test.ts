import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logger.js';
import { openRedis } from '../../src/platform/redis.js';
import { unreachableAt } from '../../src/platform/storage-unreachable.js';
import { testStorage } from '../harness/test-database.js';

/** Start-up against the real Redis of the scaled-out run. */
const redisUrl = testStorage === 'postgres' ? process.env.TEST_REDIS_URL : undefined;
const logger = createLogger({ level: 'silent' });

describe.skipIf(!redisUrl)('opening REDIS_URL', () => {
  it('refuses a database number this Redis lacks, instead of working in database 0, in one line naming the variable', async () => {
    const missing = new URL(redisUrl!);
    missing.pathname = '/99';
    const error = await openRedis(missing.href, logger).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeDefined();
    expect(unreachableAt('REDIS_URL', missing.href, error).message).toBe(
      `Cannot reach Redis at REDIS_URL (redis://${missing.host}/99): it has no database of the URL's number; choose one it has (0 to 15 with Redis's default of 16)`,
    );
  });

  it("opens the URL's own database", async () => {
    const redis = await openRedis(redisUrl!, logger);
    try {
      const database = Number(new URL(redisUrl!).pathname.slice(1) || '0');
      expect(String(await redis.call('CLIENT', 'INFO'))).toContain(` db=${database} `);
    } finally {
      redis.disconnect();
    }
  });
});
