import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { Logger as DrizzleLogger } from 'drizzle-orm';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { Database } from '../../src/platform/db/client.js';
import * as schema from '../../src/platform/db/schema/index.js';

/**
 * The bench's own connection to the storage Parley uses: raw SQL for seeding, and a Drizzle instance
 * that records the SQL the real repositories generate, so EXPLAIN runs on exactly those queries.
 * Embedded storage is single-process: the Parley child must be stopped while this is open.
 */
export interface BenchDatabase {
  query(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  /** A Drizzle database whose every query is also handed to `onQuery`. */
  recordingDb(onQuery: (sql: string, params: unknown[]) => void): Database;
  close(): Promise<void>;
}

export type Storage =
  { readonly kind: 'embedded'; readonly dataDir: string } | { readonly kind: 'postgres'; readonly url: string };

export async function openBenchDatabase(storage: Storage): Promise<BenchDatabase> {
  const loggerOf = (onQuery: (sql: string, params: unknown[]) => void): DrizzleLogger => ({
    logQuery: (sql, params) => onQuery(sql, params),
  });
  if (storage.kind === 'embedded') {
    const client = await PGlite.create({ dataDir: storage.dataDir, extensions: { vector } });
    return {
      query: async (text, values) => (await client.query<Record<string, unknown>>(text, values)).rows,
      recordingDb: (onQuery) => drizzlePglite({ client, schema, logger: loggerOf(onQuery) }),
      close: () => client.close(),
    };
  }
  const pool = new pg.Pool({ connectionString: storage.url, max: 2 });
  pool.on('error', () => undefined);
  return {
    query: async (text, values) => (await pool.query<Record<string, unknown>>(text, values)).rows,
    recordingDb: (onQuery) => drizzlePostgres({ client: pool, schema, logger: loggerOf(onQuery) }),
    close: () => pool.end(),
  };
}

/**
 * Drops and re-creates a PostgreSQL database, through the server's `postgres` database, with optional
 * per-database settings (`name=value`) for what-if runs, e.g. `synchronous_commit=off`.
 */
export async function recreatePostgresDatabase(url: string, settings: readonly string[] = []): Promise<void> {
  await withServerDatabase(url, async (client, name) => {
    await client.query(`drop database if exists ${name} with (force)`);
    await client.query(`create database ${name}`);
    for (const setting of settings) {
      const match = /^([a-z_]+)=([\w.-]+)$/.exec(setting);
      if (!match) throw new Error(`BENCH_PG_SETTINGS: '${setting}' is not name=value`);
      await client.query(`alter database ${name} set ${match[1]} = '${match[2]}'`);
    }
  });
}

/** Creates the database of a PostgreSQL URL when it does not exist yet, as `createdb` would. */
export async function createPostgresDatabaseIfMissing(url: string): Promise<void> {
  await withServerDatabase(url, async (client, name) => {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (rowCount) return;
    await client.query(`create database ${name}`);
    console.log(`created database ${name}`);
  });
}

/** Runs `work` connected to the server's `postgres` database, with the URL's own database name (checked). */
async function withServerDatabase(url: string, work: (client: pg.Client, name: string) => Promise<void>) {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected database name '${name}'`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await work(client, name);
  } finally {
    await client.end();
  }
}
