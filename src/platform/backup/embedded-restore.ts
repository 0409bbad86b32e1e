import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { DatabaseHandle } from '../db/client.js';
import { appliedMigrationCount } from '../db/migrate.js';
import { AppError } from '../errors.js';
import { isUuid } from '../ids.js';
import { storedFingerprint } from '../secret-check.js';
import { databaseFolder, filesFolder, type BackupManifest } from './backup-manifest.js';
import { readBackupManifest } from './backup-reading.js';
import { readTar, type TarReadEntry } from './tar-reader.js';

export interface RestoreDeps {
  readonly archivePath: string;
  readonly dataDir: string;
  /** The configured secret's fingerprint, and what it is called in a refusal ("PARLEY_SECRET_KEY"); none given. */
  readonly secret: { readonly fingerprint: string; readonly name: string } | undefined;
  /** How many migrations this Parley holds: a backup that applied more needs a newer one. */
  readonly knownMigrationCount: number;
  /** Opens the restored database, to check it starts and is the one the manifest describes. */
  readonly openDatabase: (databaseDir: string) => Promise<Pick<DatabaseHandle, 'executeSql' | 'close'>>;
}

/** What an empty DATA_DIR may hold: the secret the backup needs, and a fresh volume's own folder. */
const allowedInEmptyDataDir = new Set(['secret.key', 'lost+found']);

/**
 * Unpacks a backup of embedded storage into an empty DATA_DIR. Nothing is written before the manifest,
 * the first entry, has been checked against the configured secret and this Parley's migrations. The
 * rest goes to a folder of its own in DATA_DIR, is opened once as a database to prove it starts and is
 * what the manifest says, and only then moved to `pglite/` and `files/`: a restore that fails leaves
 * DATA_DIR as it found it.
 */
export async function restoreEmbeddedBackup(deps: RestoreDeps): Promise<BackupManifest> {
  const name = `The backup ${deps.archivePath}`;
  const archive = await openArchive(deps.archivePath);
  const unpacking = path.join(deps.dataDir, `.restoring-${process.pid}`);
  let hasMovedDatabase = false;
  try {
    await requireEmptyDataDir(deps.dataDir);
    const secret = deps.secret;
    if (!secret) {
      throw new AppError(
        'validation_failed',
        `parley restore needs the server secret the backup was made with, which a backup never holds: set PARLEY_SECRET_KEY to it, or copy that server's secret.key into ${deps.dataDir}`,
      );
    }
    const entries = readTar(gunzipped(archive, name), name);
    const manifest = await readBackupManifest(entries, name);
    checkRestorable(manifest, { ...deps, secret }, name);
    await mkdir(unpacking, { mode: 0o700 });
    const unpacked = await unpackEntries(entries, unpacking, name);
    const expected = manifest.database.files + manifest.files.count;
    if (unpacked.files !== expected || unpacked.bytes !== manifest.database.bytes + manifest.files.bytes) {
      throw new AppError(
        'unprocessable',
        `${name} is damaged: it holds ${unpacked.files} files where its manifest says ${expected}`,
      );
    }
    await checkDatabase(path.join(unpacking, databaseFolder), manifest, deps, name);
    await mkdir(path.join(unpacking, filesFolder), { recursive: true, mode: 0o700 });
    await rename(path.join(unpacking, databaseFolder), path.join(deps.dataDir, databaseFolder));
    hasMovedDatabase = true;
    await rename(path.join(unpacking, filesFolder), path.join(deps.dataDir, filesFolder));
    return manifest;
  } catch (error) {
    if (hasMovedDatabase) await rm(path.join(deps.dataDir, databaseFolder), { recursive: true, force: true });
    throw error;
  } finally {
    await archive.close().catch(() => undefined);
    await rm(unpacking, { recursive: true, force: true });
  }
}

async function requireEmptyDataDir(dataDir: string): Promise<void> {
  const present = (await readdir(dataDir)).filter((entry) => !allowedInEmptyDataDir.has(entry));
  if (present.length === 0) return;
  const shown = present.slice(0, 3).join(', ') + (present.length > 3 ? ', …' : '');
  throw new AppError(
    'conflict',
    `DATA_DIR ${dataDir} is not empty (it holds ${shown}): parley restore only fills an empty directory, so that nothing is overwritten; set DATA_DIR to a new directory, or move its contents away first`,
  );
}

async function openArchive(archivePath: string): Promise<FileHandle> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(archivePath, 'r');
    if ((await handle.stat()).isFile()) return handle;
    throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
  } catch (error) {
    await handle?.close();
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'there is no such file'
        : code === 'EACCES'
          ? 'this user may not read it'
          : code === 'EISDIR'
            ? 'it is not a file'
            : (error as Error).message;
    throw new AppError('validation_failed', `Cannot read the backup ${archivePath}: ${reason}`);
  }
}

/** The archive's bytes unzipped; zlib's failures said as what they mean for a backup. */
async function* gunzipped(archive: FileHandle, name: string): AsyncGenerator<Uint8Array> {
  const stream = archive.createReadStream({ autoClose: false }).pipe(createGunzip());
  try {
    yield* stream as AsyncIterable<Buffer>;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR')
      throw new AppError(
        'unprocessable',
        `${name} is cut short (it ends inside its compressed data): it cannot be restored`,
      );
    throw new AppError('unprocessable', `${name} is not a Parley backup (it is not a gzip file)`);
  }
}

function checkRestorable(
  manifest: BackupManifest,
  deps: Pick<RestoreDeps, 'knownMigrationCount'> & { secret: NonNullable<RestoreDeps['secret']> },
  name: string,
): void {
  if (manifest.secretFingerprint !== deps.secret.fingerprint) {
    throw new AppError(
      'conflict',
      `${name} was made with another server secret than ${deps.secret.name}: restored with this one, the server could not read its sessions or stored provider keys; give the secret of the server that made the backup (PARLEY_SECRET_KEY, or its secret.key in DATA_DIR) and run parley restore again`,
    );
  }
  if (manifest.migrationLevel > deps.knownMigrationCount) {
    throw new AppError(
      'conflict',
      `${name} was made by Parley ${manifest.parleyVersion} with ${manifest.migrationLevel} migrations applied; this Parley knows ${deps.knownMigrationCount}: restore it with Parley ${manifest.parleyVersion} or newer`,
    );
  }
}

/** Writes every entry under `into`; only `pglite/…` and `files/<shard>/<key>` are a backup's. */
async function unpackEntries(entries: AsyncIterable<TarReadEntry>, into: string, name: string) {
  let files = 0;
  let bytes = 0;
  for await (const entry of entries) {
    const target = path.join(into, ...checkedParts(entry, name));
    if (entry.type === 'directory') {
      await mkdir(target, { recursive: true, mode: 0o700 });
      continue;
    }
    await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    await pipeline(Readable.from(entry.body), createWriteStream(target, { flags: 'wx', mode: 0o600 }));
    files += 1;
    bytes += entry.size;
  }
  return { files, bytes };
}

function checkedParts(entry: TarReadEntry, name: string): string[] {
  const parts = entry.path.split('/');
  const isSafe = parts.every((part) => part !== '' && part !== '.' && part !== '..');
  const isDatabase = parts[0] === databaseFolder;
  const isStoredFile =
    parts[0] === filesFolder &&
    (parts.length === 1 || (parts.length === 2 && /^[0-9a-f]{2}$/.test(parts[1]!)) || isStoredFilePath(parts));
  if (!isSafe || !(isDatabase || isStoredFile)) {
    throw new AppError(
      'unprocessable',
      `${name} is not a Parley backup: it holds '${entry.path}', which is no part of DATA_DIR`,
    );
  }
  return parts;
}

function isStoredFilePath(parts: readonly string[]): boolean {
  const [, shard, key] = parts;
  return parts.length === 3 && key !== undefined && isUuid(key) && key.slice(-2) === shard;
}

/** Opens the unpacked database once: it must start, and hold the migrations and secret the manifest names. */
async function checkDatabase(databaseDir: string, manifest: BackupManifest, deps: RestoreDeps, name: string) {
  const database = await deps.openDatabase(databaseDir);
  try {
    const level = await appliedMigrationCount(database);
    const fingerprint = await storedFingerprint(database);
    if (level !== manifest.migrationLevel || fingerprint !== manifest.secretFingerprint) {
      throw new AppError('unprocessable', `${name} is damaged: its database is not the one its manifest describes`);
    }
  } finally {
    await database.close();
  }
}
