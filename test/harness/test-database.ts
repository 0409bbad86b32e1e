import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/client.js';
import { runMigrations } from '../../src/platform/db/migrate.js';
import { embeddedCopiesVariable, embeddedTemplateVariable } from '../embedded-template.js';
import { postgresTemplateVariable } from '../postgres-template.js';

/** Which storage the integration suite runs on: embedded by default, PostgreSQL when TEST_DATABASE_URL is set. */
export const testStorage: 'embedded' | 'postgres' =
  process.env.PARLEY_TEST_STORAGE === 'postgres' && process.env.TEST_DATABASE_URL ? 'postgres' : 'embedded';

export interface TestDatabase extends DatabaseHandle {
  /** Closes the connection and, on PostgreSQL, drops the per-test database. */
  dispose(): Promise<void>;
}

/**
 * A fresh, migrated database: in-memory PGlite, or a new database on the PostgreSQL server
 * named by TEST_DATABASE_URL (one per test file, so files can run in parallel). It holds what a server's
 * first start leaves (harness/first-start.ts) unless `neverStarted` asks for a database no server has
 * opened yet, for tests of that first start.
 */
export async function createTestDatabase(options: { neverStarted?: boolean } = {}): Promise<TestDatabase> {
  const database = await createFromTemplate();
  if (options.neverStarted) await database.executeSql('drop schema pgboss cascade');
  return database;
}

async function createFromTemplate(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (testStorage === 'embedded' || !adminUrl) {
    return openEmbeddedCopy();
  }
  const name = `parley_t_${randomBytes(6).toString('hex')}`;
  // A copy of the migrated template (test/postgres-template.ts); migrating below then finds nothing to do.
  const template = process.env[postgresTemplateVariable];
  await withAdminClient(adminUrl, (client) =>
    client.query(template ? `create database ${name} template ${template}` : `create database ${name}`),
  );
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString(), poolSize: 5 });
  await runMigrations(handle);
  return {
    ...handle,
    dispose: async () => {
      await handle.close();
      await withAdminClient(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

export async function withAdminClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/**
 * A copy of the migrated template directory (test/embedded-template.ts), opened; outside Vitest's set-up,
 * a fresh in-memory database, migrated.
 */
async function openEmbeddedCopy(): Promise<TestDatabase> {
  const template = process.env[embeddedTemplateVariable];
  const copies = process.env[embeddedCopiesVariable];
  const compiledPglite = await compilePgliteOnce();
  if (!template || !copies) {
    const handle = await openDatabase({ compiledPglite });
    await runMigrations(handle);
    return { ...handle, dispose: () => handle.close() };
  }
  const directory = await mkdtemp(path.join(copies, 'database-'));
  const dataDir = path.join(directory, 'pglite');
  // `cp` itself: fs.promises.cp took ~300 ms of this process's CPU for the ~900 files, cp ~50 ms beside it.
  await promisify(execFile)('cp', ['-R', template, dataDir]);
  const handle = await openDatabase({ dataDir, compiledPglite });
  return {
    ...handle,
    dispose: async () => {
      try {
        await handle.close();
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}

let pgliteCompiled: Promise<WebAssembly.Module> | undefined;

/** PGlite's WebAssembly, compiled once per test process for all of its databases' threads. */
function compilePgliteOnce(): Promise<WebAssembly.Module> {
  pgliteCompiled ??= readFile(
    path.join(path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), 'pglite.wasm'),
  ).then((bytes) => WebAssembly.compile(bytes));
  return pgliteCompiled;
}
