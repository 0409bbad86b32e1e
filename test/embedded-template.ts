import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { openDatabase } from '../src/platform/db/client.js';
import { runMigrations } from '../src/platform/db/migrate.js';

/** Where the dump is, for test/harness/test-database.ts in the test processes. */
export const embeddedTemplateVariable = 'PARLEY_TEST_EMBEDDED_TEMPLATE';

/**
 * Vitest global set-up: the migrations are run once on a fresh embedded database, which is dumped to a
 * file that every embedded test database then starts from. A fresh PGlite runs initdb (2–3 s); a start
 * from the dump takes ~0.6 s, and some files open several databases. Set as an environment variable
 * before the test processes are forked, so they inherit it.
 */
export default async function dumpMigratedEmbeddedDatabase(): Promise<() => void> {
  const directory = mkdtempSync(path.join(tmpdir(), 'parley-test-template-'));
  const dataDir = path.join(directory, 'data');
  const handle = await openDatabase({ dataDir });
  await runMigrations(handle);
  await handle.close();
  const client = await PGlite.create({ dataDir, extensions: { vector } });
  const dump = await client.dumpDataDir('none');
  await client.close();
  const file = path.join(directory, 'migrated.tar');
  writeFileSync(file, new Uint8Array(await dump.arrayBuffer()));
  process.env[embeddedTemplateVariable] = file;
  return () => rmSync(directory, { recursive: true, force: true });
}
