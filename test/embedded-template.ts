import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/platform/db/client.js';
import { runMigrations } from '../src/platform/db/migrate.js';
import { createLogger } from '../src/platform/logger.js';
import { openRuntime } from '../src/platform/runtime.js';
import { secretFileName } from '../src/platform/secrets.js';
import { leaveFirstStartIn } from './harness/first-start.js';

/** Where the migrated test database's directory is, for test/harness/test-database.ts in the test processes. */
export const embeddedTemplateVariable = 'PARLEY_TEST_EMBEDDED_TEMPLATE';

/** Where the test processes put their databases' copies: one directory per run, removed at its end. */
export const embeddedCopiesVariable = 'PARLEY_TEST_EMBEDDED_COPIES';

/** Where the migrated DATA_DIR is, for test/cli/data-dir-template.ts in the test processes. */
export const dataDirTemplateVariable = 'PARLEY_TEST_DATA_DIR_TEMPLATE';

/**
 * Vitest global set-up: the migrations are run once on a fresh embedded database and the app is started
 * once on it (harness/first-start.ts). Every embedded test database is then a copy of that directory: a
 * fresh PGlite runs initdb (2–3 s), and one opened on a copy ~0.25 s (~0.37 s from a dump of it loaded
 * into memory, the way before; bench/results/test-suite.md). The copies are made in memory (/dev/shm)
 * where the machine has it (~50 ms a copy). Set as environment variables before the test processes
 * are forked, so they inherit them.
 *
 * The same migrated database, copied, also becomes a whole DATA_DIR as `parley migrate` leaves one (secret
 * and all), which the `parley` child-process tests copy where a first start is not what they test.
 */
export default async function migrateEmbeddedTemplate(): Promise<() => void> {
  const directory = mkdtempSync(path.join(tmpdir(), 'parley-test-template-'));
  const dataDir = path.join(directory, 'data');
  const handle = await openDatabase({ dataDir });
  await runMigrations(handle);
  await leaveFirstStartIn(handle);
  await handle.close();
  await makeDataDirTemplate(dataDir, path.join(directory, 'data-dir'));
  const copies = mkdtempSync(path.join(inMemoryDirectory(), 'parley-test-databases-'));
  const template = path.join(copies, 'template');
  cpSync(dataDir, template, { recursive: true });
  await trimForCopies(template);
  process.env[embeddedTemplateVariable] = template;
  process.env[embeddedCopiesVariable] = copies;
  return () => {
    rmSync(directory, { recursive: true, force: true });
    rmSync(copies, { recursive: true, force: true });
  };
}

function inMemoryDirectory(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

/**
 * A DATA_DIR holding the migrated database and a secret, opened once by the runtime `parley migrate` runs,
 * so the secret's fingerprint is stored as a first start stores it: a server started on a copy starts as
 * it would the second time.
 */
async function makeDataDirTemplate(migratedDatabase: string, templateDir: string): Promise<void> {
  mkdirSync(templateDir, { mode: 0o700 });
  cpSync(migratedDatabase, path.join(templateDir, 'pglite'), { recursive: true });
  writeFileSync(path.join(templateDir, secretFileName), `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  const config = loadConfig({ DATA_DIR: templateDir, LOG_LEVEL: 'silent' });
  const runtime = await openRuntime(config, createLogger({ level: 'silent' }), { migrate: true });
  await runtime.close();
  process.env[dataDirTemplateVariable] = templateDir;
}

/**
 * What the test databases need not copy: PostgreSQL's template databases (nothing creates a database on
 * embedded storage; without their ~600 files a database opens with a quarter less work) and the WAL
 * segments before the current one (16 MB each), which PostgreSQL would remove itself at its next
 * checkpoint. The `parley` children's DATA_DIR template keeps them, as a user's has them.
 */
async function trimForCopies(dataDir: string): Promise<void> {
  const client = await PGlite.create({ dataDir, extensions: { vector } });
  await client.exec(
    "update pg_database set datistemplate = false, datallowconn = true where datname in ('template0', 'template1')",
  );
  await client.exec('drop database template0');
  await client.exec('drop database template1');
  await client.exec('checkpoint');
  const { rows } = await client.query<{ segment: string }>('select pg_walfile_name(pg_current_wal_lsn()) as segment');
  await client.close();
  const walDir = path.join(dataDir, 'pg_wal');
  for (const file of readdirSync(walDir)) {
    if (/^[0-9A-F]{24}$/.test(file) && file < rows[0]!.segment) rmSync(path.join(walDir, file));
  }
}
