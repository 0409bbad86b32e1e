import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import { ConfigError } from '../../config.js';
import type { Logger } from '../logger.js';
import type { DatabaseHandle, Schema } from './client.js';
import { whileSettingUp } from './setup-lock.js';

// src/platform/db and dist/platform/db sit at the same depth, so this resolves in both.
export const migrationsFolder = fileURLToPath(new URL('../../../migrations', import.meta.url));

const migrationsTable = { migrationsSchema: 'drizzle', migrationsTable: '__drizzle_migrations' } as const;

/**
 * How long a migration's statement may wait for a table another session holds before it gives up and
 * tries again. Without a bound an ALTER queued behind a long transaction waited silently, and every
 * other node's queries on that table queued behind the ALTER (7.6 s for a list, in an audit).
 */
const migrationLockTimeoutMs = 5_000;
const migrationAttempts = 60;
const lockNotAvailable = '55P03';
const insufficientPrivilege = '42501';
/** "could not open extension control file": the extension is not installed on the server. */
const undefinedFile = '58P01';
const featureNotSupported = '0A000';

/** Applies the committed SQL migrations in order; safe to run on every start. Logs what it applied. */
export async function runMigrations(
  handle: DatabaseHandle,
  logger?: Pick<Logger, 'info' | 'warn'>,
): Promise<void> {
  const config = { migrationsFolder, ...migrationsTable };
  // Counted under the lock too: a node that waited for another's migrations applied none itself.
  const { before, after } = await whileSettingUp(handle, async (session) => {
    const applied = await appliedMigrationCount(session);
    // Each engine's migrator is loaded only for that engine, like its driver (client.ts).
    if (handle.kind === 'embedded') {
      const { migrate: migratePglite } = await import('drizzle-orm/pglite/migrator');
      await migratePglite(session.db as unknown as PgliteDatabase<Schema>, config);
    } else {
      const { migrate: migratePostgres } = await import('drizzle-orm/node-postgres/migrator');
      await session.executeSql(`set lock_timeout = ${migrationLockTimeoutMs}`);
      try {
        await retryWhileLocked(() => migratePostgres(session.db as unknown as NodePgDatabase<Schema>, config), logger);
      } catch (error) {
        throw explainedMigrationFailure(error);
      } finally {
        await session.executeSql('reset lock_timeout');
      }
    }
    return { before: applied, after: await appliedMigrationCount(session) };
  }, logger);
  if (after > before) logger?.info({ applied: after - before, total: after }, 'applied database migrations');
  else logger?.info({ total: after }, 'database schema is up to date');
}

/** All pending migrations run in one transaction, so a try that timed out left nothing behind. */
async function retryWhileLocked(migrate: () => Promise<void>, logger?: Pick<Logger, 'warn'>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await migrate();
      return;
    } catch (error) {
      if (!isLockTimeout(error) || attempt === migrationAttempts) throw error;
      logger?.warn(
        { attempt, of: migrationAttempts },
        'a migration waits for a table another session holds (a long transaction?); trying again',
      );
    }
  }
}

/** Drizzle wraps the driver's error ("Failed query: …" and its parameters); PostgreSQL's is on it or its cause. */
function postgresErrorOf(error: unknown): (Error & { code: string }) | undefined {
  for (let current = error; current instanceof Error; current = current.cause) {
    const code = (current as { code?: unknown }).code;
    // A SQLSTATE: five digits or capitals (a socket's ECONNRESET is not PostgreSQL's word).
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return current as Error & { code: string };
  }
  return undefined;
}

function isLockTimeout(error: unknown): boolean {
  return postgresErrorOf(error)?.code === lockNotAvailable;
}

/**
 * A migration PostgreSQL refused, as one line saying what to do. The first one creates the pgvector
 * extension, which needs a superuser (or a trusted extension) and pgvector installed on the server:
 * Drizzle's own error named only the statement, over three lines.
 */
function explainedMigrationFailure(error: unknown): unknown {
  const cause = postgresErrorOf(error);
  if (!cause) return error;
  const isExtension = /extension "vector"/.test(cause.message);
  if (isExtension && cause.code === insufficientPrivilege) {
    return new ConfigError(
      'Cannot set up the database at DATABASE_URL: its user may not create the pgvector extension; have a superuser run CREATE EXTENSION vector; in that database once, then start again',
    );
  }
  if (isExtension && (cause.code === undefinedFile || cause.code === featureNotSupported)) {
    return new ConfigError(
      `Cannot set up the database at DATABASE_URL: pgvector is not installed on that PostgreSQL server (${cause.message}); install it there, then start again`,
    );
  }
  return new ConfigError(`A database migration failed at DATABASE_URL: ${cause.message} (PostgreSQL error ${cause.code})`);
}

/** How many migrations the database has applied (0 before the first). */
export async function appliedMigrationCount(handle: Pick<DatabaseHandle, 'executeSql'>): Promise<number> {
  try {
    const { rows } = await handle.executeSql(
      `select count(*)::int as applied from "${migrationsTable.migrationsSchema}"."${migrationsTable.migrationsTable}"`,
    );
    return (rows[0] as { applied: number } | undefined)?.applied ?? 0;
  } catch {
    return 0;
  }
}

/** How many migrations this build holds: a database that has applied more was made by a newer Parley. */
export function committedMigrationCount(): number {
  return readMigrationFiles({ migrationsFolder }).length;
}

/** True when every committed migration has been applied (used by /ready). */
export async function areMigrationsApplied(handle: DatabaseHandle): Promise<boolean> {
  return (await appliedMigrationCount(handle)) >= committedMigrationCount();
}
