import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

/** Where the dump is, for test/harness/test-database.ts in the test processes. */
export const embeddedTemplateVariable = 'PARLEY_TEST_EMBEDDED_TEMPLATE';

/** Where the migrated DATA_DIR is, for test/cli/data-dir-template.ts in the test processes. */
export const dataDirTemplateVariable = 'PARLEY_TEST_DATA_DIR_TEMPLATE';

/**
 * Vitest global set-up: the migrations are run once on a fresh embedded database, which is dumped to a
 * file that every embedded test database then starts from. A fresh PGlite runs initdb (2–3 s); a start
 * from the dump takes ~0.6 s, and some files open several databases. Set as an environment variable
 * before the test processes are forked, so they inherit it.
 *
 * The same migrated database, copied, also becomes a whole DATA_DIR as `parley migrate` leaves one (secret
 * and all), which the `parley` child-process tests copy where a first start is not what they test.
 */
export default async function dumpMigratedEmbeddedDatabase(): Promise<() => void> {
  const directory = mkdtempSync(path.join(tmpdir(), 'parley-test-template-'));
  const dataDir = path.join(directory, 'data');
  const handle = await openDatabase({ dataDir });
  await runMigrations(handle);
  await handle.close();
  await makeDataDirTemplate(dataDir, path.join(directory, 'data-dir'));
  const client = await PGlite.create({ dataDir, extensions: { vector } });
  await dropTemplateDatabases(client);
  const dump = await client.dumpDataDir('none');
  await client.close();
  const file = path.join(directory, 'migrated.tar');
  writeFileSync(file, new Uint8Array(await dump.arrayBuffer()));
  process.env[embeddedTemplateVariable] = file;
  return () => rmSync(directory, { recursive: true, force: true });
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
 * PostgreSQL's template databases, from the test dump only: nothing creates a database on embedded
 * storage, and without their ~600 files each test database opens with a quarter less work (~850 → ~650 ms
 * of CPU on this machine). The `parley` children's DATA_DIR template keeps them, as a user's has them.
 */
async function dropTemplateDatabases(client: PGlite): Promise<void> {
  await client.exec(
    "update pg_database set datistemplate = false, datallowconn = true where datname in ('template0', 'template1')",
  );
  await client.exec('drop database template0');
  await client.exec('drop database template1');
  await client.exec('checkpoint');
}
