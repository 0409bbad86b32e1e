import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { openDatabase, type DatabaseHandle } from '../../src/platform/db/client.js';
import { runMigrations } from '../../src/platform/db/migrate.js';
import { embeddedTemplateVariable } from '../embedded-template.js';
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
 * named by TEST_DATABASE_URL (one per test file, so files can run in parallel).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (testStorage === 'embedded' || !adminUrl) {
    const template = await migratedTemplate();
    const handle = await openDatabase({ startFrom: template });
    if (!template) await runMigrations(handle);
    return { ...handle, dispose: () => handle.close() };
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

let templateRead: Promise<Blob> | undefined;

/** The migrated dump of test/embedded-template.ts, read once per test file; none outside Vitest's set-up. */
function migratedTemplate(): Promise<Blob | undefined> {
  const file = process.env[embeddedTemplateVariable];
  if (!file) return Promise.resolve(undefined);
  templateRead ??= readFile(file).then((bytes) => new Blob([bytes]));
  return templateRead;
}
