import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Readable, pipeline } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { DatabaseHandle } from '../db/client.js';
import { appliedMigrationCount } from '../db/migrate.js';
import type { QueryOutcome, SnapshotRead } from '../db/pglite-thread/pglite-thread-protocol.js';
import { AppError } from '../errors.js';
import { storedFingerprint } from '../secret-check.js';
import { databaseFolder, filesFolder, manifestPath, parleyVersion, type BackupManifest } from './backup-manifest.js';
import { openBackupWorkspace, type StagedFile } from './backup-workspace.js';
import { tarChunks, type TarEntry } from './tar-writer.js';

export interface EmbeddedBackupDeps {
  readonly database: Pick<DatabaseHandle, 'executeSql' | 'snapshotDataDir'>;
  readonly dataDir: string;
  /** Every storage key a row names (maintenance's `namedStorageKeysSql`), one `key` column. */
  readonly namedStorageKeysSql: string;
}

export interface EmbeddedBackup {
  readonly manifest: BackupManifest;
  /** The backup, a gzipped tar; its workspace is removed when it ends, fails or is destroyed. */
  readonly archive: Readable;
  /** How long the snapshot took: the database's statements wait for it once it has begun. */
  readonly snapshotMs: number;
}

/**
 * Read and compressed in pieces this large. Each read waits its turn on a busy server's event loop: a
 * stream's four turns for each of a database's ~1,500 small files, in Node's 64 KB pieces, then zlib's
 * 16 KB, made a 45 MB backup take 10 s under a test's load. A file up to this size is read in one call,
 * which takes well under a millisecond from the page cache.
 */
const readChunkBytes = 512 * 1024;
// A transaction's now() is its start, and nothing commits in PGlite until it ends: the snapshot's point.
const pointRead: SnapshotRead = { sql: 'select (extract(epoch from now()) * 1000)::float8 as "atMs"', params: [] };

/**
 * A backup of embedded storage, made by the process that holds its data directory: the database copied
 * at one point between transactions (pglite-thread.ts), the stored files that copy names, and a manifest
 * first (backup-manifest.ts). The copies wait in a workspace in DATA_DIR (backup-workspace.ts) and are
 * read as the archive is.
 */
export async function openEmbeddedBackup(deps: EmbeddedBackupDeps): Promise<EmbeddedBackup> {
  const snapshotDataDir = deps.database.snapshotDataDir;
  if (!snapshotDataDir) throw new AppError('internal', 'Only embedded storage is backed up by parley backup');
  // Neither changes while a process holds the data directory: migrations and accept-secret run at start-up.
  const migrationLevel = await appliedMigrationCount(deps.database);
  const secretFingerprint = await storedFingerprint(deps.database);
  if (!secretFingerprint) {
    throw new AppError('conflict', 'This storage was never started: start `parley serve` on it once, then back it up');
  }
  const workspace = await openBackupWorkspace(deps.dataDir);
  try {
    await workspace.linkPresentFiles();
    const snapshotStartedAt = performance.now();
    const snapshot = await snapshotDataDir(workspace.databaseCopyDir, [
      pointRead,
      { sql: deps.namedStorageKeysSql, params: [] },
    ]).catch((error: unknown) => {
      throw explainedSnapshotFailure(error, deps.dataDir);
    });
    const snapshotMs = Math.round(performance.now() - snapshotStartedAt);
    const [point, named] = snapshot.reads;
    const database = databaseEntries(workspace.databaseCopyDir);
    const keys = column(named, 'key').filter((key): key is string => typeof key === 'string');
    const { files, missing } = await workspace.takeFiles(keys);
    const manifest: BackupManifest = {
      format: 'parley-backup',
      formatVersion: 1,
      parleyVersion: parleyVersion(),
      createdAt: new Date(Number(column(point, 'atMs')[0] ?? Date.now())).toISOString(),
      migrationLevel,
      secretFingerprint,
      database: {
        files: database.filter((entry) => entry.type === 'file').length,
        bytes: database.reduce((sum, entry) => sum + entry.size, 0),
      },
      files: { count: files.length, bytes: files.reduce((sum, file) => sum + file.size, 0), missing },
    };
    const entries = [manifestEntry(manifest), ...database, ...files.map(fileEntry)];
    // zlib's fastest level: the server makes the backup while it serves, and on a 60 MB database level 6
    // took half again as long for a file 15% smaller.
    const archive = pipeline(
      Readable.from(tarChunks(entries)),
      createGzip({ level: 1, chunkSize: readChunkBytes }),
      () => {
        workspace.remove().catch(() => undefined);
      },
    );
    return { manifest, archive, snapshotMs };
  } catch (error) {
    await workspace.remove();
    throw error;
  }
}

function explainedSnapshotFailure(error: unknown, dataDir: string): unknown {
  if (
    !(error instanceof Error) ||
    !/ENOSPC|no space left/i.test(`${(error as { code?: string }).code} ${error.message}`)
  ) {
    return error;
  }
  return new AppError(
    'conflict',
    `The backup needs room for a copy of the database in ${dataDir} while it is written, and its disk is full; free some space and run parley backup again`,
  );
}

function manifestEntry(manifest: BackupManifest): TarEntry {
  const body = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  return {
    path: manifestPath,
    type: 'file',
    size: body.byteLength,
    mode: 0o600,
    modifiedAtSeconds: nowSeconds(),
    body,
  };
}

function fileEntry(file: StagedFile): TarEntry {
  return {
    path: `${filesFolder}/${file.key.slice(-2)}/${file.key}`,
    type: 'file',
    size: file.size,
    mode: 0o600,
    modifiedAtSeconds: nowSeconds(),
    body: () => bytesOf(file.readPath, file.size),
  };
}

/**
 * The database's copy as entries under `pglite/`, owner-only as PostgreSQL keeps them, each read when
 * written. Listed with synchronous calls: ~1,500 entries take a few milliseconds so, where an await for
 * each waited its turn behind every request of a busy server.
 */
function databaseEntries(copyDir: string): TarEntry[] {
  const entries: TarEntry[] = [];
  const visit = (relative: string) => {
    const at = path.join(copyDir, relative);
    const info = statSync(at);
    const name = relative ? `${databaseFolder}/${relative.split(path.sep).join('/')}` : databaseFolder;
    const modifiedAtSeconds = Math.floor(info.mtimeMs / 1000);
    if (info.isDirectory()) {
      entries.push({ path: name, type: 'directory', size: 0, mode: 0o700, modifiedAtSeconds });
      for (const child of readdirSync(at).sort()) visit(path.join(relative, child));
    } else if (info.isFile()) {
      entries.push({
        path: name,
        type: 'file',
        size: info.size,
        mode: 0o600,
        modifiedAtSeconds,
        body: () => bytesOf(at, info.size),
      });
    }
  };
  visit('');
  return entries;
}

function bytesOf(file: string, size: number): Iterable<Uint8Array> | AsyncIterable<Uint8Array> {
  if (size > readChunkBytes) return createReadStream(file, { highWaterMark: readChunkBytes });
  return [readFileSync(file)];
}

function column(answer: QueryOutcome | undefined, name: string): unknown[] {
  return (answer?.rows ?? []).map((row) => (row as Record<string, unknown>)[name]);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
