import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isUuid } from '../ids.js';
import { filesFolder } from './backup-manifest.js';

export interface StagedFile {
  readonly key: string;
  /** Where to read it: its link in the workspace, or the stored file itself where links cannot be made. */
  readonly readPath: string;
  readonly size: number;
}

export interface BackupWorkspace {
  /** Where the database's snapshot copies its data directory (`DATA_DIR/.backup-<id>`), not yet made. */
  readonly databaseCopyDir: string;
  /** Links every file stored now. Run before the snapshot: only files written after it are then left to link. */
  linkPresentFiles(): Promise<void>;
  /** The files of these keys, each linked if it was not yet; a key whose file is gone is counted as missing. */
  takeFiles(keys: readonly string[]): Promise<{ files: StagedFile[]; missing: number }>;
  /** Removes the database's copy and the links (the stored files stay). */
  remove(): Promise<void>;
}

/** Errors that say this file system makes no hard links (another device, FAT, some network mounts). */
const cannotLinkCodes = new Set(['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS']);
const workspacePrefix = '.backup-';
const linksAtOnce = 32;

/**
 * What a backup holds while it is written, in DATA_DIR (on the data's own volume, never the container's
 * read-only or in-memory /tmp): the database's copy, and hard links to the stored files in a folder under
 * DATA_DIR/files that the maintenance sweep never looks into. A file deleted while the backup runs keeps
 * its bytes through its link until the backup has read them. A link is as good as a copy because a stored
 * file is never changed once written (directory-storage.ts writes it under a temporary name, renames it,
 * and only then does a row name it). Linking every file before the snapshot, and after it only those
 * written in between, keeps the snapshot's pause of the database free of file work.
 */
export async function openBackupWorkspace(dataDir: string): Promise<BackupWorkspace> {
  const filesDir = path.join(dataDir, filesFolder);
  await removeBackupLeftovers(dataDir);
  const id = `${workspacePrefix}${randomUUID()}`;
  const linksDir = path.join(filesDir, id);
  await mkdir(linksDir, { recursive: true, mode: 0o700 });
  const linked = new Set<string>();
  let canLink = true;
  const storedPath = (key: string) => path.join(filesDir, key.slice(-2), key);

  /** Whether the file is linked now; false when it is gone, or links cannot be made here. */
  async function linkFile(key: string): Promise<boolean> {
    if (linked.has(key)) return true;
    if (!canLink) return false;
    try {
      await link(storedPath(key), path.join(linksDir, key));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (code === 'ENOENT') return false;
      if (cannotLinkCodes.has(code)) {
        canLink = false;
        return false;
      }
      if (code !== 'EEXIST') throw error;
    }
    linked.add(key);
    return true;
  }

  return {
    databaseCopyDir: path.join(dataDir, id),

    async linkPresentFiles() {
      for (const shard of await listDirectory(filesDir)) {
        if (!/^[0-9a-f]{2}$/.test(shard)) continue;
        const keys = (await listDirectory(path.join(filesDir, shard))).filter(
          (name) => isUuid(name) && name.slice(-2) === shard,
        );
        for (let start = 0; start < keys.length && canLink; start += linksAtOnce) {
          await Promise.all(keys.slice(start, start + linksAtOnce).map(linkFile));
        }
      }
    },

    async takeFiles(keys) {
      const files: StagedFile[] = [];
      let missing = 0;
      for (const key of [...new Set(keys)].sort()) {
        // A key is ours (newId); one that is not could only name a path outside the folder.
        if (!isUuid(key)) {
          missing += 1;
          continue;
        }
        // Where links cannot be made the stored file is read in place: one deleted before it is read then
        // fails the backup (tar-writer.ts), which is said, rather than a backup short of a file.
        const readPath = (await linkFile(key)) ? path.join(linksDir, key) : storedPath(key);
        const size = await sizeOf(readPath);
        if (size === undefined) missing += 1;
        else files.push({ key, readPath, size });
      }
      return { files, missing };
    },

    async remove() {
      await rm(path.join(dataDir, id), { recursive: true, force: true });
      await rm(linksDir, { recursive: true, force: true });
    },
  };
}

/**
 * Workspaces of backups whose process ended before removing them. Only the data directory's holder makes
 * backups, one at a time, so every workspace found is a leftover.
 */
export async function removeBackupLeftovers(dataDir: string): Promise<void> {
  for (const folder of [dataDir, path.join(dataDir, filesFolder)]) {
    for (const name of await listDirectory(folder)) {
      if (name.startsWith(workspacePrefix)) await rm(path.join(folder, name), { recursive: true, force: true });
    }
  }
}

async function sizeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function listDirectory(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
