import { describe, expect, it } from 'vitest';
import { areMigrationsApplied, runMigrations } from '../../src/platform/db/migrate.js';
import { setupLockKey } from '../../src/platform/db/setup-lock.js';
import { newId } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/logger.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { openDatabase } from '../../src/platform/db/client.js';
import { createTestDatabase, testStorage, withAdminClient, type TestDatabase } from '../harness/test-database.js';

/** As if the last migration had not been applied yet (each is written to be applied again). */
const forgetLastMigration = (database: TestDatabase) =>
  database.executeSql(
    'delete from drizzle.__drizzle_migrations where id = (select max(id) from drizzle.__drizzle_migrations)',
  );

/** As if the migration tagged so, and every one after it, had not been applied yet. */
function forgetMigrationsFrom(database: TestDatabase, tag: string) {
  const journal = JSON.parse(readFileSync('migrations/meta/_journal.json', 'utf8')) as {
    entries: Array<{ tag: string; when: number }>;
  };
  const { when } = journal.entries.find((entry) => entry.tag === tag)!;
  return database.executeSql('delete from drizzle.__drizzle_migrations where created_at >= $1', [when]);
}

/** A logger that keeps the messages it writes, telling `onLine` each one's pino level (40 is warn). */
function sayings(onLine: (level: number) => void = () => undefined) {
  const said: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: {
      write: (line: string) => {
        const { level, msg } = JSON.parse(line) as { level: number; msg: string };
        said.push(msg);
        onLine(level);
      },
    },
  });
  return { said, logger };
}

/**
 * A migration on a scaled-out database may meet a table another session holds (a long transaction, an
 * older node's query). It must neither wait silently for ever nor keep every other node's queries on that
 * table queued behind its ALTER: it gives up after a few seconds, says so, and tries again.
 */
describe.skipIf(testStorage !== 'postgres')('migrations on PostgreSQL', () => {
  it('wait for a table another session holds in bounded tries, saying so, then apply', async () => {
    const database = await createTestDatabase();
    try {
      await forgetLastMigration(database);
      expect(await areMigrationsApplied(database)).toBe(false);
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const holder = database.withOwnSession(async (session) => {
        await session.executeSql('begin');
        // Whatever the migration changes, recording it must write here: a share lock holds that back.
        await session.executeSql('lock table drizzle.__drizzle_migrations in share mode');
        locked();
        await released;
        await session.executeSql('commit');
      });
      await isLocked;

      // The holder lets go once the migration said it waits.
      const { said, logger } = sayings((level) => {
        if (level === 40) release();
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

describe.skipIf(testStorage !== 'postgres')('nodes migrating at once, on PostgreSQL', () => {
  it('apply each migration once, and only the node that applied it says so', async () => {
    const database = await createTestDatabase();
    try {
      await forgetLastMigration(database);
      const { said, logger } = sayings();
      await Promise.all([runMigrations(database, logger), runMigrations(database, logger)]);
      // The one that waited may have said so, if it came second to the lock.
      const waited = said.filter((message) => message.startsWith('another node is setting up the database'));
      expect(waited.length).toBeLessThanOrEqual(1);
      expect(said.filter((message) => !waited.includes(message)).sort()).toEqual([
        'applied database migrations',
        'database schema is up to date',
      ]);
    } finally {
      await database.dispose();
    }
  });
});

describe('migration 0015', () => {
  it('composes names written before names were stored composed, leaving a name whose composed twin exists', async () => {
    const database = await createTestDatabase();
    try {
      const decomposed = 'Cafe\u0301 Wiki';
      const tenantId = newId();
      await database.executeSql('insert into tenants (id, name) values ($1, $2)', [tenantId, decomposed]);
      const [lone, twin, composedTwin] = [newId(), newId(), newId()];
      const insertSource = (id: string, name: string) =>
        database.executeSql(
          `insert into knowledge_sources (id, tenant_id, name, embedding_model, embedding_dimensions, chunk_tokens,
             chunk_overlap_tokens) values ($1, $2, $3, 'offline', 384, 512, 64)`,
          [id, tenantId, name],
        );
      await insertSource(lone, 'Menu\u0308');
      await insertSource(twin, decomposed);
      await insertSource(composedTwin, 'Café Wiki');
      await forgetMigrationsFrom(database, '0015_names_composed');

      await runMigrations(database);

      const nameOf = async (table: string, id: string) =>
        ((await database.executeSql(`select name from ${table} where id = $1`, [id])).rows[0] as { name: string }).name;
      expect(await nameOf('tenants', tenantId)).toBe('Café Wiki');
      expect(await nameOf('knowledge_sources', lone)).toBe('Menü');
      expect(await nameOf('knowledge_sources', twin)).toBe(decomposed);
      expect(await nameOf('knowledge_sources', composedTwin)).toBe('Café Wiki');
    } finally {
      await database.dispose();
    }
  });
});

describe.skipIf(testStorage !== 'postgres')('a node starting while another sets up the database', () => {
  it('says it waits for it, then goes on', async () => {
    const database = await createTestDatabase();
    try {
      await forgetLastMigration(database);
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => (locked = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      // Another node, mid-way through its own set-up, as far as the lock shows.
      const otherNode = database.withOwnSession(async (session) => {
        await session.executeSql('select pg_advisory_lock($1)', [setupLockKey]);
        locked();
        await released;
        await session.executeSql('select pg_advisory_unlock($1)', [setupLockKey]);
      });
      await isLocked;
      const { said, logger } = sayings();
      const migrating = runMigrations(database, logger);
      await eventuallySaid(
        said,
        'another node is setting up the database (migrations, job queues); waiting for it to finish',
      );
      expect(said).not.toContain('applied database migrations');
      release();
      await Promise.all([otherNode, migrating]);
      expect(said.at(-1)).toBe('applied database migrations');
    } finally {
      await database.dispose();
    }
  });
});

async function eventuallySaid(said: readonly string[], message: string): Promise<void> {
  for (let attempt = 0; attempt < 100 && !said.includes(message); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(said).toContain(message);
}

describe.skipIf(testStorage !== 'postgres')('a PostgreSQL user that may not create pgvector', () => {
  it('stops the first migration with one line saying what a superuser must do', async () => {
    const adminUrl = process.env.TEST_DATABASE_URL!;
    const name = `parley_t_${randomBytes(6).toString('hex')}`;
    await withAdminClient(adminUrl, async (client) => {
      await client.query(`create role ${name} login`);
      await client.query(`create database ${name} owner ${name}`);
    });
    const url = new URL(adminUrl);
    url.username = name;
    url.pathname = `/${name}`;
    const database = await openDatabase({ url: url.toString(), poolSize: 2 });
    try {
      await expect(runMigrations(database)).rejects.toThrow(
        /^Cannot set up the database at DATABASE_URL: its user may not create the pgvector extension; have a superuser run CREATE EXTENSION vector; in that database once, then start again$/,
      );
    } finally {
      await database.close();
      await withAdminClient(adminUrl, async (client) => {
        await client.query(`drop database if exists ${name} with (force)`);
        await client.query(`drop role if exists ${name}`);
      });
    }
  });
});
