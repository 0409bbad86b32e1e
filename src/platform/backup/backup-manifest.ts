import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** The first entry of every backup: what it holds and what it needs, readable before anything is unpacked. */
export const manifestPath = 'parley-backup.json';
/** Where a backup keeps the database's data directory and the stored files: DATA_DIR's own names. */
export const databaseFolder = 'pglite';
export const filesFolder = 'files';
/** A manifest larger than this is not one of ours: it is read whole into memory. */
export const largestManifestBytes = 64 * 1024;

const count = z.number().int().nonnegative();

export const backupManifestSchema = z.object({
  format: z.literal('parley-backup'),
  formatVersion: z.literal(1),
  parleyVersion: z.string().max(50),
  createdAt: z.iso.datetime(),
  /** How many of the committed migrations the database had applied: a Parley that knows fewer cannot run it. */
  migrationLevel: count,
  /**
   * The fingerprint the storage keeps of the secret it was made with (platform/secret-check.ts), never the
   * secret: a restore with another secret would start a server that cannot read its own sessions or keys.
   */
  secretFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  database: z.object({ files: count, bytes: count }),
  /** The stored files the database names; `missing` were named but gone from DATA_DIR/files already. */
  files: z.object({ count, bytes: count, missing: count }),
});

export type BackupManifest = z.infer<typeof backupManifestSchema>;

/**
 * This Parley's version, from the package.json at the root: three folders up from src/platform/backup/
 * and from dist/platform/backup/ alike (the image keeps package.json beside dist/).
 */
export function parleyVersion(): string {
  const packageJson = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof packageJson.version === 'string' ? packageJson.version : 'unknown';
}
