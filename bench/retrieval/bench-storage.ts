import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase, type DatabaseHandle, type DatabaseOptions } from '../../src/platform/db/client.js';
import { runMigrations } from '../../src/platform/db/migrate.js';
import { knowledgeSources, tenants } from '../../src/platform/db/schema/index.js';
import { newId } from '../../src/platform/ids.js';
import { createPostgresDatabaseIfMissing } from '../chat/bench-database.js';

export interface BenchStorage {
  readonly handle: DatabaseHandle;
  readonly label: string;
  dispose(): Promise<void>;
}

/**
 * A fresh embedded database in a temporary directory (removed afterwards), or the PostgreSQL of
 * DATABASE_URL, migrated (and created first if it does not exist). On PostgreSQL the bench's tenant is
 * deleted at the end (its rows cascade), so the same database can be reused; a fresh one is still what
 * the figures assume. `open` opens and migrates it: by default with the bench's own `src/` modules;
 * the upload path passes the app's build instead (bench-app.ts, `openAppDatabase`).
 */
export async function openBenchStorage(
  databaseUrl: string | undefined,
  open: (options: DatabaseOptions) => Promise<DatabaseHandle> = openMigrated,
): Promise<BenchStorage> {
  if (databaseUrl) {
    await createPostgresDatabaseIfMissing(databaseUrl);
    const handle = await open({ url: databaseUrl, poolSize: 4 });
    return { handle, label: 'PostgreSQL', dispose: () => handle.close() };
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-retrieval-'));
  const handle = await open({ dataDir });
  return {
    handle,
    label: 'embedded PGlite',
    dispose: async () => {
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function openMigrated(options: DatabaseOptions): Promise<DatabaseHandle> {
  const handle = await openDatabase(options);
  await runMigrations(handle);
  return handle;
}

export interface BenchSource {
  readonly tenantId: string;
  readonly sourceId: string;
}

export async function createBenchSource(
  handle: DatabaseHandle,
  name: string,
  dimensions: number,
): Promise<BenchSource> {
  const tenantId = newId();
  const sourceId = newId();
  await handle.db.insert(tenants).values({ id: tenantId, name: `bench ${name}` });
  await handle.db.insert(knowledgeSources).values({
    id: sourceId,
    tenantId,
    name,
    embeddingModel: 'offline',
    embeddingDimensions: dimensions,
    chunkTokens: 512,
    chunkOverlapTokens: 64,
  });
  return { tenantId, sourceId };
}

export async function deleteBenchTenant(handle: DatabaseHandle, tenantId: string): Promise<void> {
  await handle.executeSql('delete from tenants where id = $1', [tenantId]);
}
