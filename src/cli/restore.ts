import { existsSync } from 'node:fs';
import path from 'node:path';
import { prepareDataDir, type Config } from '../config.js';
import { restoreEmbeddedBackup } from '../platform/backup/embedded-restore.js';
import { openDatabase } from '../platform/db/client.js';
import { committedMigrationCount } from '../platform/db/migrate.js';
import { AppError } from '../platform/errors.js';
import { formatBytes } from '../platform/format-bytes.js';
import { deriveServerKeys, readSecretFile, secretFileName } from '../platform/secrets.js';
import { backupFileArgument, shellWord } from './backup-arguments.js';

/**
 * `parley restore <file>`: a backup of embedded storage unpacked into an empty DATA_DIR, after checking it
 * was made with the configured secret; `parley serve` then starts on it. On PostgreSQL it says what to run.
 */
export async function restoreCommand(config: Config, args: readonly string[]): Promise<void> {
  const file = path.resolve(backupFileArgument('restore', args));
  if (config.databaseUrl) throw new AppError('validation_failed', postgresAdvice(file, config.dataDir));
  prepareDataDir(config.dataDir);
  const manifest = await restoreEmbeddedBackup({
    archivePath: file,
    dataDir: config.dataDir,
    secret: configuredSecret(config),
    knownMigrationCount: committedMigrationCount(),
    openDatabase: (databaseDir) => openDatabase({ dataDir: databaseDir }),
  });
  const { files } = manifest;
  console.log(
    `parley: restored ${file} into ${config.dataDir}: the database as of ${manifest.createdAt} (Parley ${manifest.parleyVersion}, migration ${manifest.migrationLevel}) and ${files.count} stored files (${formatBytes(files.bytes)}); start it with parley serve`,
  );
}

/**
 * The secret the server will start with, as serve reads it: PARLEY_SECRET_KEY, else DATA_DIR/secret.key.
 * The backup holds only its fingerprint, so one of them must be given before the restore.
 */
function configuredSecret(config: Config): { fingerprint: string; name: string } | undefined {
  if (config.secretKey)
    return { fingerprint: deriveServerKeys(config.secretKey).fingerprint, name: 'PARLEY_SECRET_KEY' };
  const file = path.join(config.dataDir, secretFileName);
  if (!existsSync(file)) return undefined;
  return { fingerprint: deriveServerKeys(readSecretFile(file)).fingerprint, name: `the secret in ${file}` };
}

function postgresAdvice(file: string, dataDir: string): string {
  return [
    'parley restore fills embedded storage; this one is PostgreSQL (DATABASE_URL), which pg_restore fills. Into a new, empty database, run:',
    `  pg_restore --no-owner --dbname="$DATABASE_URL" ${shellWord(file)}`,
    `  tar -C ${shellWord(dataDir)} -xzf ${shellWord(`${file}.files.tgz`)}`,
    'with the PARLEY_SECRET_KEY the backup was made with (docs/operations.md, "Backups")',
  ].join('\n');
}
