import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { SnapshotOutcome, SnapshotRead } from './pglite-thread/pglite-thread-protocol.js';
import type * as schema from './schema/index.js';

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
  /**
   * Runs `work` on one connection held for it, so that session-level locks and settings stay with it (a
   * pooled query may land on any connection). Embedded storage has one session, which this is.
   */
  withOwnSession<T>(work: (session: DatabaseSession) => Promise<T>): Promise<T>;
  /**
   * Embedded storage only: its data directory copied to `copyTo` between two transactions, with what
   * `reads` answer at that point (`parley backup`, platform/backup/). PostgreSQL has pg_dump for this.
   */
  readonly snapshotDataDir?: (copyTo: string, reads: readonly SnapshotRead[]) => Promise<SnapshotOutcome>;
  close(): Promise<void>;
}

export type DatabaseSession = Pick<DatabaseHandle, 'db' | 'executeSql'>;

export interface DatabaseOptions {
  /** postgres:// URL; when absent the embedded PGlite is used. */
  readonly url?: string;
  /** Directory for the embedded database; absent means in memory (tests). */
  readonly dataDir?: string;
  readonly poolSize?: number;
  /**
   * Embedded only: PGlite's WebAssembly, compiled already. Each database's thread otherwise compiles it
   * again (~0.2 s of CPU), which a server does once and the tests did for each of their databases.
   */
  readonly compiledPglite?: WebAssembly.Module;
}

/**
 * Each engine's driver is loaded only when it is chosen: a server on PostgreSQL never holds PGlite's
 * module, nor an embedded one Drizzle's node-postgres layer.
 */
export async function openDatabase(options: DatabaseOptions): Promise<DatabaseHandle> {
  if (options.url) return (await import('./postgres-database.js')).openPostgres(options.url, options.poolSize ?? 10);
  return (await import('./embedded-database.js')).openEmbedded(options.dataDir, options);
}
