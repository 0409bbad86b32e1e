import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnServe, waitForReady } from '../cli/server-process.js';
import { testStorage, withAdminClient } from './test-database.js';

/** Several nodes need PostgreSQL and Redis: the tests that start them are skipped on embedded storage. */
export const isScaledOut = testStorage === 'postgres' && Boolean(process.env.TEST_REDIS_URL);

export interface ScaledOutNode {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  /** Its DATA_DIR, which holds `server.log`: the node's warnings and errors. */
  readonly dataDir: string;
}

export interface ScaledOutNodes {
  readonly databaseUrl: string;
  /** One more node; start them one after the other, since the first applies the migrations. */
  start(env?: Record<string, string>): Promise<ScaledOutNode>;
  /** Kills every node still running and drops the database. */
  stop(): Promise<void>;
}

/**
 * Real `parley serve` processes on one fresh PostgreSQL database and the tests' Redis, as nodes behind a
 * load balancer with no sticky sessions: what every multi-node test shares. `env` is given to every node;
 * the database is made on the tests' server unless `adminUrl` names another.
 */
export async function createScaledOutNodes(
  name: string,
  env: Record<string, string> = {},
  {
    adminUrl = process.env.TEST_DATABASE_URL!,
    sharedFilesDir,
  }: {
    adminUrl?: string;
    /**
     * Every node's `DATA_DIR/files` is this one directory, as the network volume docs/scaling.md asks
     * for: a file one node stored (an upload, an import's) is there for the job another node runs.
     */
    sharedFilesDir?: string;
  } = {},
): Promise<ScaledOutNodes> {
  const databaseName = `parley_t_${randomBytes(6).toString('hex')}`;
  await withAdminClient(adminUrl, (client) => client.query(`create database ${databaseName}`));
  const url = new URL(adminUrl);
  url.pathname = `/${databaseName}`;
  const databaseUrl = url.toString();
  const children: ChildProcess[] = [];
  return {
    databaseUrl,
    async start(nodeEnv = {}) {
      const dataDir = mkdtempSync(path.join(tmpdir(), `parley-${name}-`));
      if (sharedFilesDir) {
        mkdirSync(sharedFilesDir, { recursive: true, mode: 0o700 });
        symlinkSync(sharedFilesDir, path.join(dataDir, 'files'));
      }
      // The node's warnings and errors, for a failure to be explained.
      const log = openSync(path.join(dataDir, 'server.log'), 'a');
      const node = await spawnServe({
        dataDir,
        stdio: ['ignore', log, log],
        env: {
          DATABASE_URL: databaseUrl,
          REDIS_URL: process.env.TEST_REDIS_URL!,
          PARLEY_SECRET_KEY: `${name}-test-secret-0123456789abcdef0123456789`,
          // Counted in the shared Redis, where every other test's sign-ins from 127.0.0.1 add up.
          RATE_LIMIT_PER_MINUTE: '100000',
          AUTH_RATE_LIMIT_PER_MINUTE: '100000',
          ...env,
          ...nodeEnv,
        },
      });
      children.push(node.child);
      await waitForReady(node.baseUrl, node.child);
      return { ...node, dataDir };
    },
    async stop() {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await withAdminClient(adminUrl, (client) => client.query(`drop database if exists ${databaseName} with (force)`));
    },
  };
}

const libfaketime = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/**
 * The environment that runs a node's wall clock `offset` off (e.g. `+2s`, `-2s`) through libfaketime
 * (Debian's `faketime`, installed by .ci/run): Date, and everything else that reads the time of day, in
 * that process alone; its monotonic clock (timers) stays true. For tests that nothing depends on the
 * nodes' clocks agreeing.
 */
export function clockSkewedBy(offset: string): Record<string, string> {
  if (!existsSync(libfaketime)) {
    throw new Error(`${libfaketime} is missing: install Debian's faketime (apt-get install faketime)`);
  }
  return { LD_PRELOAD: libfaketime, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: '1', FAKETIME_NO_CACHE: '1' };
}
