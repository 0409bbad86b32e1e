import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
/** One query layer for both storage engines: PGlite (embedded) and node-postgres. */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Repositories accept either; a service decides where the transaction boundary is. */
export type Executor = Database | Transaction;

export interface DatabaseHandle {
  readonly db: Database;
  readonly kind: 'embedded' | 'postgres';
  /** Runs raw SQL with positional parameters (pg-boss and health checks need this). */
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
  /**
   * Runs several statements in one call, without parameters. pg-boss installs its schema and runs its
   * maintenance as `BEGIN; …; COMMIT;` scripts, which PGlite's `query` (one prepared statement) refuses.
   */
  executeScript(text: string): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent the embedded PGlite is used. */
  readonly url?: string;
  /** Directory for the embedded database; absent means in memory (tests). */
  readonly dataDir?: string;
  readonly poolSize?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  return options.url ? openPostgres(options.url, options.poolSize ?? 10) : openEmbedded(options.dataDir);
}

/**
 * PGlite keeps PostgreSQL's shared buffers in its WebAssembly memory, which is never given back: the
 * default 128 MB took a reopened database from ~260 to ~390 MB of RSS. 16 MB holds the hot indexes and
 * rows of chats and lists; the rest is read through the operating system's page cache (BENCHMARKS.md
 * shows the list and history pages at 1,000,000 messages with it). Passed on the command line, so the
 * data directory's postgresql.conf is left as initdb wrote it.
 */
const embeddedStartParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

/**
 * Settings of every session, so that vector search is one statement instead of a transaction of three
 * (ADR 10): pgvector's iterative HNSW scan (≥ 0.8) keeps scanning until enough rows pass the tenant,
 * source and document filters, and `ef_search` 100 keeps recall at the depth hybrid search fuses.
 */
const sessionSettings = { 'hnsw.iterative_scan': 'relaxed_order', 'hnsw.ef_search': '100' } as const;
const sessionSettingsSql = Object.entries(sessionSettings)
  .map(([name, value]) => `set ${name} = ${value};`)
  .join(' ');

async function openEmbedded(dataDir: string | undefined): Promise<DatabaseHandle> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create({
    ...(dataDir && { dataDir }),
    extensions: { vector },
    startParams: embeddedStartParams,
  });
  await client.exec(sessionSettingsSql);
  const db = drizzlePglite({ client, schema }) as unknown as Database;
  return {
    db,
    kind: 'embedded',
    executeSql: async (text, values) => {
      const result = await client.query(text, values);
      return { rows: result.rows };
    },
    executeScript: async (text) => {
      try {
        await client.exec(text);
      } catch (error) {
        // A script that fails after its BEGIN leaves the one shared session in an aborted transaction.
        await client.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    close: () => client.close(),
  };
}

async function openPostgres(url: string, poolSize: number): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ ...withSessionOptions(url), max: poolSize });
  // An idle client's network error must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const db = drizzlePostgres({ client: pool, schema }) as unknown as Database;
  return {
    db,
    kind: 'postgres',
    executeSql: async (text, values) => {
      const result = await pool.query(text, values);
      return { rows: result.rows };
    },
    executeScript: async (text) => {
      // Without values node-postgres sends a simple query, which may hold several statements. On its own
      // client, so that a script failing after its BEGIN is rolled back before the connection is reused.
      const client = await pool.connect();
      try {
        await client.query(text);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

/**
 * The session settings as start-up options (`-c name=value`). Options the URL or PGOPTIONS already
 * give are kept in front: node-postgres would otherwise let the URL's replace ours, or ours PGOPTIONS.
 */
function withSessionOptions(url: string): { connectionString: string; options: string } {
  const own = Object.entries(sessionSettings).map(([name, value]) => `-c ${name}=${value}`);
  if (!URL.canParse(url)) return { connectionString: url, options: [process.env.PGOPTIONS, ...own].join(' ').trim() };
  const parsed = new URL(url);
  const options = [parsed.searchParams.get('options') ?? process.env.PGOPTIONS, ...own].join(' ').trim();
  if (parsed.searchParams.has('options')) parsed.searchParams.set('options', options);
  return { connectionString: parsed.searchParams.has('options') ? parsed.toString() : url, options };
}
