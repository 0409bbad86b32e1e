import { createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import path from 'node:path';
import { finished, pipeline } from 'node:stream/promises';
import type { Config } from '../config.js';
import { namedStorageKeysSql } from '../modules/maintenance/index.js';
import { databaseFolder } from '../platform/backup/backup-manifest.js';
import { requestBackup, type BackupMade } from '../platform/backup/control-socket.js';
import { openEmbeddedBackup } from '../platform/backup/embedded-backup.js';
import { AppError } from '../platform/errors.js';
import { formatBytes } from '../platform/format-bytes.js';
import type { Logger } from '../platform/logger.js';
import { openRuntime } from '../platform/runtime.js';
import { backupFileArgument, shellWord } from './backup-arguments.js';

/**
 * `parley backup <file>`: embedded storage backed up into one file while the server runs, by the server
 * (it holds the data directory; asked through its control socket, ADR 30), or by this process when no
 * server runs. On PostgreSQL it says what to run instead: pg_dump is the tool there, and runs online.
 */
export async function backupCommand(config: Config, logger: Logger, args: readonly string[]): Promise<void> {
  const file = path.resolve(backupFileArgument('backup', args));
  if (config.databaseUrl) throw new AppError('validation_failed', postgresAdvice(file, config.dataDir));
  const output = await openOutput(file);
  const partial = output.path as string;
  try {
    const fromServer = await requestBackup(config.dataDir, output);
    let made: BackupMade;
    if (fromServer === 'no-server') {
      made = await backupWithoutServer(config, logger, output);
    } else {
      made = fromServer;
      output.end();
      await finished(output);
    }
    // Renamed only once whole: a backup cut short never lies under the name asked for.
    await rename(partial, file);
    console.log(summary(file, made, fromServer !== 'no-server'));
  } catch (error) {
    output.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}

/** `<file>.partial`, owner-only (the backup holds every password hash and sealed key); a file never overwritten. */
async function openOutput(file: string): Promise<WriteStream> {
  if (existsSync(file)) {
    throw new AppError(
      'conflict',
      `The file ${file} already exists: parley backup never writes over a file; name a new one`,
    );
  }
  const folder = path.dirname(file);
  const isFolder = await stat(folder).then(
    (info) => info.isDirectory(),
    () => false,
  );
  if (!isFolder)
    throw new AppError('validation_failed', `Cannot write the backup to ${file}: the folder ${folder} does not exist`);
  const output = createWriteStream(`${file}.partial`, { mode: 0o600 });
  try {
    await once(output, 'open');
    return output;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EACCES' ? `this user may not write in ${folder}` : (error as Error).message;
    throw new AppError('validation_failed', `Cannot write the backup to ${file}: ${reason}`);
  }
}

/** No server holds the data directory: this process claims it (as `serve` would) and makes the same backup. */
async function backupWithoutServer(config: Config, logger: Logger, output: WriteStream): Promise<BackupMade> {
  if (!existsSync(path.join(config.dataDir, databaseFolder, 'PG_VERSION'))) {
    throw new AppError(
      'not_found',
      `DATA_DIR ${config.dataDir} holds no embedded database to back up: set DATA_DIR to the server's data directory`,
    );
  }
  const runtime = await openRuntime(config, logger, { migrate: false });
  try {
    const backup = await openEmbeddedBackup({
      database: runtime.database,
      dataDir: config.dataDir,
      namedStorageKeysSql,
    });
    await pipeline(backup.archive, output);
    return { manifest: backup.manifest, snapshotMs: backup.snapshotMs };
  } finally {
    await runtime.close();
  }
}

function summary(file: string, { manifest, snapshotMs }: BackupMade, isFromServer: boolean): string {
  const { database, files } = manifest;
  const lines = [
    `parley: backed up ${isFromServer ? 'the running server' : 'DATA_DIR (no server was running)'} to ${file}: the database as of ${manifest.createdAt} (${formatBytes(database.bytes)}, migration ${manifest.migrationLevel}) and ${files.count} stored files (${formatBytes(files.bytes)}), its statements paused ${snapshotMs} ms for the snapshot; the server secret is not in it, keep it apart`,
  ];
  if (files.missing > 0) {
    lines.push(
      `parley: ${files.missing} files the database names were already missing from DATA_DIR/files, so the backup lacks them too: their downloads answer 404`,
    );
  }
  return lines.join('\n');
}

function postgresAdvice(file: string, dataDir: string): string {
  return [
    'parley backup copies embedded storage; this one is PostgreSQL (DATABASE_URL), which pg_dump backs up while the nodes run. Run:',
    `  pg_dump --format=custom --file=${shellWord(file)} "$DATABASE_URL"`,
    `  tar -C ${shellWord(dataDir)} -czf ${shellWord(`${file}.files.tgz`)} files`,
    'and keep PARLEY_SECRET_KEY apart from both (docs/operations.md, "Backups")',
  ].join('\n');
}
