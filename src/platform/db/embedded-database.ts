import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import type { Database, DatabaseHandle, DatabaseOptions } from './client.js';
import { claimDataDir } from './data-dir-lock.js';
import { startPgliteThread } from './pglite-thread/pglite-thread-client.js';
import { sessionSettingsSql } from './session-settings.js';
import * as schema from './schema/index.js';

/**
 * PGlite keeps PostgreSQL's shared buffers in its WebAssembly memory, which is never given back: the
 * default 128 MB took a reopened database from ~260 to ~390 MB of RSS. 16 MB holds the hot indexes and
 * rows of chats and lists; the rest is read through the operating system's page cache (BENCHMARKS.md
 * shows the list and history pages at 1,000,000 messages with it). Passed on the command line, so the
 * data directory's postgresql.conf is left as initdb wrote it.
 */
export const embeddedStartParams = [
  ...PGlite.defaultStartParams,
  '-c',
  'shared_buffers=16MB',
  // PGlite runs PostgreSQL as a single backend, without the checkpointer that bounds the WAL elsewhere:
  // it grows until a CHECKPOINT, which serve.ts runs every few minutes. Then only this much is kept for
  // reuse (by default up to 1 GB of finished segments stays on disk).
  '-c',
  'max_wal_size=64MB',
  '-c',
  'min_wal_size=32MB',
];

/**
 * Embedded PGlite, run in a thread of its own (ADR 13) so that its statements, which execute
 * synchronously, never hold the server's event loop.
 */
export async function openEmbedded(
  dataDir: string | undefined,
  { compiledPglite }: Pick<DatabaseOptions, 'compiledPglite'> = {},
): Promise<DatabaseHandle> {
  const options = { dataDir, compiledPglite, startParams: embeddedStartParams, setupSql: sessionSettingsSql };
  if (dataDir) mkdirSync(path.dirname(path.resolve(dataDir)), { recursive: true });
  // A second process on the same directory would silently lose one side's writes: refused here.
  const lock = dataDir ? await claimDataDir(path.resolve(dataDir)) : undefined;
  let client: Awaited<ReturnType<typeof startPgliteThread>>;
  try {
    if (dataDir && !existsSync(path.join(dataDir, 'PG_VERSION'))) {
      // The first open of a data directory runs initdb, which leaves ~400 MB in the thread that is never
      // given back; the thread is ended and a fresh one opens the initialised directory.
      mkdirSync(dataDir, { recursive: true });
      await (await startPgliteThread(options)).close();
    }
    client = await startPgliteThread(options);
  } catch (error) {
    lock?.release();
    throw error;
  }
  // Drizzle's PGlite driver uses only query() and transaction(), which the thread's client answers alike.
  const db = drizzlePglite({ client: client as unknown as PGlite, schema }) as unknown as Database;
  const executeSql = async (text: string, values?: unknown[]) => ({ rows: (await client.query(text, values)).rows });
  return {
    db,
    kind: 'embedded',
    executeSql,
    withOwnSession: (work) => work({ db, executeSql }),
    snapshotDataDir: (copyTo, reads) => client.snapshot(copyTo, reads),
    executeScript: async (text) => {
      try {
        await client.exec(text);
      } catch (error) {
        // A script that fails after its BEGIN leaves the one shared session in an aborted transaction.
        await client.exec('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    close: async () => {
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
  };
}
