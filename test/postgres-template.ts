import { randomBytes } from 'node:crypto';
import { openDatabase } from '../src/platform/db/client.js';
import { runMigrations } from '../src/platform/db/migrate.js';
import { leaveFirstStartIn } from './harness/first-start.js';
import { withAdminClient } from './harness/test-database.js';

/** Which migrated database the PostgreSQL test databases are copied from, for test/harness/test-database.ts. */
export const postgresTemplateVariable = 'PARLEY_TEST_POSTGRES_TEMPLATE';

/**
 * Vitest global set-up, with TEST_DATABASE_URL only: the migrations and the app's first start
 * (harness/first-start.ts) run once, into a database every PostgreSQL test database is then created
 * from (`create database … template …`, a copy of its files).
 * Migrating each one took ~0.5 s of PostgreSQL's time on this 2-core machine, for each of some hundreds.
 * Nothing connects to the template after this, as PostgreSQL requires of a database being copied.
 */
export default async function migratePostgresTemplate(): Promise<(() => Promise<void>) | undefined> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) return undefined;
  const name = `parley_tpl_${randomBytes(6).toString('hex')}`;
  await withAdminClient(adminUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  // The app's start holds one connection for its set-up lock while it creates the job queues on others.
  const handle = await openDatabase({ url: url.toString(), poolSize: 5 });
  try {
    await runMigrations(handle);
    await leaveFirstStartIn(handle);
  } finally {
    await handle.close();
  }
  process.env[postgresTemplateVariable] = name;
  return () =>
    withAdminClient(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(
      () => undefined,
    );
}
