import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DestinationStream } from 'pino';
import { buildApp, type AppDeps } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import type { App } from '../../src/platform/http/types.js';
import { createLogger } from '../../src/platform/logger.js';
import { openRedis } from '../../src/platform/redis.js';
import { deriveServerKeys, type ServerKeys } from '../../src/platform/secrets.js';
import { createTestDatabase, testStorage, type TestDatabase } from './test-database.js';

export interface TestApp {
  readonly app: App;
  readonly database: TestDatabase;
  readonly config: Config;
  /** The app's signing and encryption keys, for tests that forge tokens or read encrypted columns. */
  readonly keys: ServerKeys;
  close(): Promise<void>;
}

/** The real app, in-process (app.inject), on a fresh migrated database (or on another test app's). */
export async function buildTestApp(
  env: Record<string, string> = {},
  options: {
    logDestination?: DestinationStream;
    onRoute?: AppDeps['onRoute'];
    mcp?: AppDeps['mcp'];
    chat?: AppDeps['chat'];
    realtime?: AppDeps['realtime'];
    /** Another node's database, for a second node beside it; that node's close() disposes of it. */
    sharedDatabase?: TestDatabase;
    /** The Redis to use instead of TEST_REDIS_URL (e.g. one behind a proxy the test can cut). */
    redisUrl?: string;
    /** false: a node that queues background jobs but never runs them, so a queued job stays waiting. */
    runsJobs?: boolean;
    /** The node's stop, for tests that drive it as serve.ts does. */
    shutdown?: AppDeps['shutdown'];
    /** The proactive scheduler's clock. */
    clock?: AppDeps['clock'];
    /** Evaluation runs' bounds. */
    evaluations?: AppDeps['evaluations'];
  } = {},
): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-test-')),
    // The test MCP servers' scripts: the only ones an interpreter command may run in tests.
    MCP_SCRIPT_DIRS: fileURLToPath(new URL('../mcp/fixtures/', import.meta.url)),
    // CI runs as root, where stdio MCP servers are refused without an unprivileged user for them.
    MCP_STDIO_USER: 'nobody',
    RATE_LIMIT_PER_MINUTE: '100000',
    // Every test file signs in from 127.0.0.1; with Redis they would share one sign-in budget, and one
    // count of failed sign-ins (tests of those limits set their own, with fresh addresses and emails).
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    LOGIN_ATTEMPTS_PER_15_MINUTES: '10000',
    // Tests count and list the agents they make; the ones about the default agent switch it on.
    DEFAULT_AGENT: 'off',
    // scrypt's smallest cost: every sign-in checks three hashes, and at the default cost (~50 ms each here)
    // they were a sixth of the suite's time. sign-in-timing.test.ts measures at the default.
    PASSWORD_HASH_COST: '1024',
    ...env,
  });
  const database = options.sharedDatabase ?? (await createTestDatabase());
  const logger = createLogger({ level: config.logLevel, destination: options.logDestination });
  // Redis belongs to the scaled-out set-up, so it joins the PostgreSQL run only.
  const redisUrl = options.redisUrl ?? (testStorage === 'postgres' ? process.env.TEST_REDIS_URL : undefined);
  const redis = redisUrl ? await openRedis(redisUrl, logger) : undefined;
  const keys = deriveServerKeys('test-secret-'.padEnd(40, 'x'));
  const app = await buildApp({
    config,
    database,
    logger,
    redis,
    keys,
    onRoute: options.onRoute,
    mcp: options.mcp,
    chat: options.chat,
    realtime: options.realtime,
    runsJobs: options.runsJobs,
    shutdown: options.shutdown,
    clock: options.clock,
    evaluations: options.evaluations,
  });
  await app.ready();
  return {
    app,
    database,
    config,
    keys,
    close: async () => {
      await app.close();
      if (!options.sharedDatabase) await database.dispose();
      // A client still reconnecting (a test cut Redis off) cannot send QUIT: it is dropped instead.
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}
