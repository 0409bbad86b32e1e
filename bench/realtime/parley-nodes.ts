import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { recreatePostgresDatabase } from '../chat/bench-database.js';
import { createParleyClient, type Session } from '../chat/parley-api.js';
import { freePort, startParley, type RunningChild } from '../chat/processes.js';

export const providerName = 'bench';

/**
 * The realtime limits the bench lifts: one bench user holds every socket, so the per-user bound on
 * connections (and the per-socket bound on frames) would refuse most of them. Names as in
 * docs/realtime.md; BENCH_CHILD_ENV can add or override more.
 */
export const realtimeBenchEnv: Record<string, string> = {
  REALTIME_CONNECTIONS_PER_USER: '100000',
  REALTIME_FRAMES_PER_SECOND: '10000',
};

export interface ParleyDeployment {
  readonly nodeA: RunningChild;
  readonly nodeB: RunningChild;
  readonly session: Session;
  stop(): Promise<void>;
}

/**
 * Two Parley nodes over one PostgreSQL database and one Redis, as behind a load balancer with no
 * sticky sessions. The database is dropped and made anew (its name must contain 'bench'); the Redis
 * database number is flushed (it must not be 0, which other programs use).
 */
export async function launchTwoNodes(options: {
  databaseUrl: string;
  redisUrl: string;
  mockUrl: string;
  workDir: string;
  /** More settings for both nodes (the support bench lifts the widget's rate limits). */
  extraEnv?: Record<string, string>;
}): Promise<ParleyDeployment> {
  const databaseName = new URL(options.databaseUrl).pathname.slice(1);
  if (!databaseName.includes('bench')) throw new Error(`refusing to reset database '${databaseName}'`);
  const redisDatabase = new URL(options.redisUrl).pathname.slice(1);
  if (!redisDatabase || redisDatabase === '0') throw new Error('give the bench its own Redis database, e.g. /13');
  await recreatePostgresDatabase(options.databaseUrl);
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  await redis.flushdb();
  redis.disconnect();

  const start = async (name: string) => {
    const cwd = path.join(options.workDir, name);
    mkdirSync(cwd, { recursive: true });
    return startParley({
      port: await freePort(),
      cwd,
      logFile: path.join(cwd, 'parley.log'),
      entry: process.env.BENCH_ENTRY === 'dist' ? 'dist' : 'tsx',
      env: {
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        DATA_DIR: path.join(cwd, 'data'),
        LOG_LEVEL: 'warn',
        RATE_LIMIT_PER_MINUTE: '1000000',
        CONCURRENT_REPLIES_PER_USER: '100000',
        SIGNUP_MODE: 'open',
        ACCESS_TOKEN_TTL_SECONDS: '7200',
        SHUTDOWN_GRACE_MS: '3000',
        OPENAI_COMPATIBLE_BASE_URL: `${options.mockUrl}/v1`,
        OPENAI_COMPATIBLE_NAME: providerName,
        DATABASE_URL: options.databaseUrl,
        REDIS_URL: options.redisUrl,
        PARLEY_SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789abcdef',
        ...realtimeBenchEnv,
        ...options.extraEnv,
      },
    });
  };
  // One after the other: the first applies the migrations.
  const nodeA = await start('node-a');
  const nodeB = await start('node-b');
  const session = await createParleyClient(nodeA.url).register('realtime@bench.test', 'Bench');
  return {
    nodeA,
    nodeB,
    session,
    stop: async () => {
      await Promise.all([nodeA.stop(), nodeB.stop()]);
    },
  };
}
