import { describe, expect, it } from 'vitest';
import { areMigrationsApplied, runMigrations } from '../../src/platform/db/migrate.js';
import { createLogger } from '../../src/platform/logger.js';
import { createTestDatabase, testStorage } from '../harness/test-database.js';

/**
 * A migration on a scaled-out database may meet a table another session holds (a long transaction, an
 * older node's query). It must neither wait silently for ever nor keep every other node's queries on that
 * table queued behind its ALTER: it gives up after a few seconds, says so, and tries again.
 */
describe.skipIf(testStorage !== 'postgres')('migrations on PostgreSQL', () => {
  it('wait for a table another session holds in bounded tries, saying so, then apply', async () => {
    const database = await createTestDatabase();
    try {
      // As if the last migration (which changes a default of mcp_tools) had not been applied yet.
      await database.executeSql(
        'delete from drizzle.__drizzle_migrations where id = (select max(id) from drizzle.__drizzle_migrations)',
      );
      expect(await areMigrationsApplied(database)).toBe(false);
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const holder = database.withOwnSession(async (session) => {
        await session.executeSql('begin');
        await session.executeSql('lock table mcp_tools in access share mode');
        locked();
        await released;
        await session.executeSql('commit');
      });
      await isLocked;

      const said: string[] = [];
      const logger = createLogger({
        level: 'info',
        destination: {
          write: (line: string) => {
            const { level, msg } = JSON.parse(line) as { level: string | number; msg: string };
            said.push(msg);
            // The holder lets go once the migration said it waits.
            if (level === 'warn' || level === 40) release();
          },
        },
      });
      await runMigrations(database, logger);
      await holder;

      expect(said).toEqual([
        'a migration waits for a table another session holds (a long transaction?); trying again',
        'applied database migrations',
      ]);
      expect(await areMigrationsApplied(database)).toBe(true);
    } finally {
      await database.dispose();
    }
  }, 60_000);
});
