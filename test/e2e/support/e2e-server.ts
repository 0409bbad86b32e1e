import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { buildApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/platform/logger.js';
import { defaultWebRoot } from '../../../src/platform/http/web-console.js';
import { deriveServerKeys } from '../../../src/platform/secrets.js';
import type { App } from '../../../src/platform/http/types.js';
import { createTestDatabase, type TestDatabase } from '../../harness/test-database.js';

export interface E2eServer {
  /** `http://127.0.0.1:{port}`, what the browser opens. */
  readonly baseUrl: string;
  readonly app: App;
  /** The server's database, for checks of what was stored. */
  readonly database: TestDatabase;
  close(): Promise<void>;
}

/**
 * The real app on a fresh database, listening on a free port of 127.0.0.1 so a browser can reach it.
 * One per test file, so the file's first visit really is the server's first run.
 *
 * Like buildTestApp (embedded storage, no Redis), except that it serves its own copy of the built web
 * console: web/dist is emptied and rebuilt by every Vitest run's global set-up and by `npm run build`, so
 * a run started alongside (another engineer, CI step, watch mode) would otherwise pull the page out
 * from under the browser mid-test (404 on / or on a lazily loaded chunk).
 */
export async function startE2eServer(env: Record<string, string> = {}): Promise<E2eServer> {
  const webRoot = await snapshotWebConsole();
  // The port is chosen first so the configuration knows the server's address: PUBLIC_URL, where single
  // sign-on sends the browser back, is never taken from a request's Host header.
  const port = await freePort();
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-e2e-')),
    RATE_LIMIT_PER_MINUTE: '100000',
    AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    SIGNUP_MODE: 'invite',
    ...env,
  });
  const database = await createTestDatabase();
  const logger = createLogger({ level: config.logLevel });
  const keys = deriveServerKeys('e2e-secret-'.padEnd(40, 'x'));
  const app = await buildApp({ config, database, logger, keys, webRoot });
  const close = async () => {
    await app.close();
    await database.dispose();
    rmSync(webRoot, { recursive: true, force: true });
  };
  try {
    const baseUrl = await app.listen({ host: '127.0.0.1', port });
    return { baseUrl, app, database, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A port of 127.0.0.1 nothing listens on now: the system's pick, released at once. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Copies web/dist (without source maps) once it is complete: every file its pages and chunks name exists. */
async function snapshotWebConsole(timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const copy = mkdtempSync(path.join(tmpdir(), 'parley-e2e-web-'));
    let missing: string[];
    try {
      cpSync(defaultWebRoot, copy, { recursive: true, filter: (source) => !source.endsWith('.map') });
      missing = missingAssets(copy);
    } catch (error) {
      missing = [String(error)]; // a file vanished mid-copy: a build is running
    }
    if (missing.length === 0) return copy;
    rmSync(copy, { recursive: true, force: true });
    if (Date.now() > deadline) {
      throw new Error(`web/dist is incomplete (${missing.join(', ')}); build it with \`npm run build\``);
    }
    await delay(250);
  }
}

function missingAssets(root: string): string[] {
  if (!existsSync(path.join(root, 'index.html'))) return ['index.html'];
  const assets = path.join(root, 'assets');
  const files = [
    path.join(root, 'index.html'),
    ...(existsSync(assets) ? readdirSync(assets).map((name) => path.join(assets, name)) : []),
  ];
  const named = new Set<string>();
  for (const file of files) {
    // index.html names `/assets/x.js`; chunks name `./x.js` (dynamic imports, in backticks) and `assets/x.css`.
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:\.\/|assets\/)([\w.-]+\.(?:js|css))[`"']/g)) {
      named.add(match[1] ?? '');
    }
  }
  return [...named].filter((name) => !existsSync(path.join(assets, name)));
}
