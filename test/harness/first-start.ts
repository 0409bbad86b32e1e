import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { buildTestApp } from './test-app.js';

/**
 * Starts the app once on a freshly migrated test template and stops it, so that what a server's first
 * start creates is in the template: pg-boss's schema and one partition table per queue, ~60 DDL
 * statements. Each test file's app otherwise ran them again (~1.4 s of CPU per file on embedded storage).
 * Every later start still runs pg-boss's start-up and updates each queue as a deployment would.
 *
 * The template must stay as a server leaves it before anyone used it: the start's jobs are deleted,
 * pg-boss's maintenance is due at once as on a new database, and no table of Parley's may hold a row
 * but those its migrations fill.
 */
export async function leaveFirstStartIn(database: DatabaseHandle): Promise<void> {
  const started = await buildTestApp({}, { sharedDatabase: { ...database, dispose: async () => undefined } });
  await started.close();
  await database.executeSql('delete from pgboss.job');
  await database.executeSql('delete from pgboss.archive');
  await database.executeSql('update pgboss.version set maintained_on = null, cron_on = null, monitored_on = null');
  const { rows } = await database.executeSql(
    `select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
  );
  const tables = rows.map((row) => (row as { name: string }).name);
  const holding: string[] = [];
  for (const table of tables) {
    // The log's readers' positions: migration 0055 writes them, as it does on every new storage.
    if (table === 'log_cursors') continue;
    const found = await database.executeSql(`select 1 from "${table}" limit 1`);
    if (found.rows.length > 0) holding.push(table);
  }
  if (holding.length > 0) {
    throw new Error(`The test template must be empty, but its first start left rows in ${holding.join(', ')}`);
  }
}
