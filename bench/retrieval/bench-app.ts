import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { buildApp } from '../../src/app.js';
import type { loadConfig } from '../../src/config.js';
import type { DatabaseHandle, DatabaseOptions, openDatabase } from '../../src/platform/db/client.js';
import type { runMigrations } from '../../src/platform/db/migrate.js';
import type { App } from '../../src/platform/http/types.js';
import type { createLogger } from '../../src/platform/logger.js';
import type { deriveServerKeys } from '../../src/platform/secrets.js';
import { repoRoot } from '../chat/processes.js';

type AppModules = [
  { buildApp: typeof buildApp },
  { loadConfig: typeof loadConfig },
  { createLogger: typeof createLogger },
  { deriveServerKeys: typeof deriveServerKeys },
  { openDatabase: typeof openDatabase },
  { runMigrations: typeof runMigrations },
];

/**
 * The app as `npm start` runs it: built JavaScript from dist/ (built first; BENCH_SKIP_BUILD=1 skips),
 * or src/ with BENCH_ENTRY=tsx. It matters for ingestion: from src/, every parse worker thread
 * registers tsx and compiles the parsers again, which takes longer than parsing a short document.
 */
async function loadAppModules(): Promise<AppModules> {
  const root = process.env.BENCH_ENTRY === 'tsx' ? 'src' : 'dist';
  if (root === 'dist' && process.env.BENCH_SKIP_BUILD !== '1') {
    console.log('building dist/ (npx tsc -p tsconfig.build.json; BENCH_SKIP_BUILD=1 skips)…');
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repoRoot, stdio: 'inherit' });
  }
  const file = (name: string) => path.join(repoRoot, root, `${name}.${root === 'dist' ? 'js' : 'ts'}`);
  if (!existsSync(file('app'))) throw new Error(`${file('app')} is missing: run npm run build`);
  return (await Promise.all(
    ['app', 'config', 'platform/logger', 'platform/secrets', 'platform/db/client', 'platform/db/migrate'].map(
      (name) => import(file(name)),
    ),
  )) as AppModules;
}

/** A Parley app in the bench's process, on its database, driven through the API as a client would. */
export interface BenchApp {
  readonly app: App;
  /** Signs up a new account (a tenant of its own) and answers its bearer headers and tenant id. */
  signUp(): Promise<{ headers: Record<string, string>; tenantId: string }>;
  /** Answers the parsed JSON body, or undefined for an empty one (204). */
  call<T>(method: 'GET' | 'POST' | 'DELETE', url: string, request?: BenchRequest): Promise<T>;
  /** Stops the job workers and removes the app's files. */
  close(): Promise<void>;
}

export interface BenchRequest {
  readonly headers?: Record<string, string>;
  readonly payload?: object | Buffer;
}

/**
 * A migrated database opened by the same build as the app (dist/ or src/), as `npm start` opens it: the
 * embedded engine marks a job's statements as background work (ADR 13) through a module that the app's
 * job queue and the database client must share.
 */
export async function openAppDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  const [, , , , { openDatabase }, { runMigrations }] = await loadAppModules();
  const handle = await openDatabase(options);
  await runMigrations(handle);
  return handle;
}

export async function startBenchApp(database: DatabaseHandle): Promise<BenchApp> {
  const [{ buildApp }, { loadConfig }, { createLogger }, { deriveServerKeys }] = await loadAppModules();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-app-'));
  const app = await buildApp({
    config: loadConfig({
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      // Every sign-up gets a tenant of its own, also on a reused PostgreSQL database.
      SIGNUP_MODE: 'open',
      RATE_LIMIT_PER_MINUTE: '1000000',
    }),
    database,
    logger: createLogger({ level: 'warn' }),
    keys: deriveServerKeys(randomBytes(32).toString('hex')),
  });
  await app.ready();

  async function call<T>(method: 'GET' | 'POST' | 'DELETE', url: string, request: BenchRequest = {}): Promise<T> {
    const response = await app.inject({
      method,
      url,
      headers: request.headers ?? {},
      ...(request.payload !== undefined && { payload: request.payload }),
    });
    if (response.statusCode >= 300) {
      throw new Error(`${method} ${url} answered ${response.statusCode}: ${response.body}`);
    }
    return (response.body === '' ? undefined : response.json()) as T;
  }

  return {
    app,
    call,
    async signUp() {
      const session = await call<{ accessToken: string; user: { tenantId: string } }>('POST', '/v1/auth/register', {
        payload: { email: `bench-${Date.now()}@example.test`, password: 'a long bench password' },
      });
      return { headers: { authorization: `Bearer ${session.accessToken}` }, tenantId: session.user.tenantId };
    },
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A multipart/form-data body with one file in the field `file`, as the upload endpoint takes it. */
export function fileUpload(filename: string, contentType: string, content: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(
      `--${uploadBoundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
        `Content-Type: ${contentType}\r\n\r\n`,
    ),
    content,
    Buffer.from(`\r\n--${uploadBoundary}--\r\n`),
  ]);
}

const uploadBoundary = `----parley-bench-${randomBytes(8).toString('hex')}`;
export const uploadContentType = `multipart/form-data; boundary=${uploadBoundary}`;
