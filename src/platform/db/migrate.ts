import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { DatabaseHandle, Schema } from './client.js';

// src/platform/db and dist/platform/db sit at the same depth, so this resolves in both.
export const migrationsFolder = fileURLToPath(new URL('../../../migrations', import.meta.url));

const migrationsTable = { migrationsSchema: 'drizzle', migrationsTable: '__drizzle_migrations' } as const;

/** Applies the committed SQL migrations in order; safe to run on every start. */
export async function runMigrations(handle: DatabaseHandle): Promise<void> {
  const config = { migrationsFolder, ...migrationsTable };
  // Each engine's migrator is loaded only for that engine, like its driver (client.ts).
  if (handle.kind === 'embedded') {
    const { migrate: migratePglite } = await import('drizzle-orm/pglite/migrator');
    await migratePglite(handle.db as unknown as PgliteDatabase<Schema>, config);
  } else {
    // Two nodes starting at once must not race each other through the same migration.
    const { migrate: migratePostgres } = await import('drizzle-orm/node-postgres/migrator');
    await handle.executeSql('select pg_advisory_lock(727274)');
    try {
      await migratePostgres(handle.db as unknown as NodePgDatabase<Schema>, config);
    } finally {
      await handle.executeSql('select pg_advisory_unlock(727274)');
    }
  }
}

/** True when every committed migration has been applied (used by /ready). */
export async function areMigrationsApplied(handle: DatabaseHandle): Promise<boolean> {
  const expected = readMigrationFiles({ migrationsFolder });
  try {
    const { rows } = await handle.executeSql(
      `select count(*)::int as applied from "${migrationsTable.migrationsSchema}"."${migrationsTable.migrationsTable}"`,
    );
    const applied = (rows[0] as { applied: number } | undefined)?.applied ?? 0;
    return applied >= expected.length;
  } catch {
    return false;
  }
}
