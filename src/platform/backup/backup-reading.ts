import { AppError } from '../errors.js';
import { backupManifestSchema, largestManifestBytes, manifestPath, type BackupManifest } from './backup-manifest.js';
import type { TarReadEntry } from './tar-reader.js';

/**
 * The manifest, which must be a backup's first entry: read with `next()`, so the entries after it stay
 * to be read from the same generator (a `for await` left early would end it).
 */
export async function readBackupManifest(entries: AsyncGenerator<TarReadEntry>, name: string): Promise<BackupManifest> {
  const notBackup = new AppError(
    'unprocessable',
    `${name} is not a Parley backup (it does not start with ${manifestPath})`,
  );
  const first = await entries.next();
  if (first.done || first.value.path !== manifestPath || first.value.type !== 'file') throw notBackup;
  if (first.value.size > largestManifestBytes) throw notBackup;
  const chunks: Uint8Array[] = [];
  for await (const chunk of first.value.body) chunks.push(chunk);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw notBackup;
  }
  const manifest = backupManifestSchema.safeParse(parsed);
  if (manifest.success) return manifest.data;
  const format = (parsed as { format?: unknown; formatVersion?: unknown } | null)?.format;
  if (format === 'parley-backup') {
    throw new AppError(
      'unprocessable',
      `${name} is a Parley backup this Parley cannot read (format ${String((parsed as { formatVersion?: unknown }).formatVersion)}); restore it with the Parley version that made it, or a newer one`,
    );
  }
  throw notBackup;
}
