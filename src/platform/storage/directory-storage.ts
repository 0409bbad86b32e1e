import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, notFound } from '../errors.js';
import { idCreatedAt, isUuid, newId } from '../ids.js';
import type { FileStorage, StoredFile } from './file-storage.js';
import { formatBytes } from '../format-bytes.js';

/**
 * How many leading bytes a StoredFile carries. file-type needs 4100; Office files (zip containers)
 * are recognised by entry names a little further in, so we keep more: it costs one small buffer.
 */
export const storedHeadBytes = 16_384;

/** Files under `<root>/<last two hex digits of the key>/<key>`, so no directory grows past a few thousand. */
export function createDirectoryStorage(root: string): FileStorage {
  const absoluteRoot = path.resolve(root);
  const temporaryDir = path.join(absoluteRoot, '.incoming');

  const localPath = (key: string): string => {
    // Keys are ours (newId), but a key that is not one must never become a path outside the root.
    if (!isUuid(key)) throw notFound('File', key);
    return path.join(absoluteRoot, key.slice(-2), key);
  };

  return {
    localPath,

    async write(source, options) {
      const key = newId();
      // Written under a temporary name and renamed at the end: a crash leaves no half file under a real key.
      const temporaryPath = path.join(temporaryDir, `${key}.part`);
      await mkdir(temporaryDir, { recursive: true });
      const summary = new StreamSummary(options.maxBytes);
      try {
        // Opened before the first byte is read: a write stream opening its file by itself could create it
        // after a source that failed at once had already been cleaned up, leaving the part file behind.
        const file = await open(temporaryPath, 'wx');
        await pipeline(source, (chunks) => summary.pass(chunks), file.createWriteStream());
        const finalPath = localPath(key);
        await mkdir(path.dirname(finalPath), { recursive: true });
        await rename(temporaryPath, finalPath);
      } catch (error) {
        await rm(temporaryPath, { force: true });
        throw error;
      }
      return summary.toStoredFile(key);
    },

    read(key) {
      // A missing file surfaces as the stream's error; name it for the reader instead of an ENOENT.
      const output = new PassThrough();
      const input = createReadStream(localPath(key));
      input.on('error', (error: NodeJS.ErrnoException) => {
        output.destroy(error.code === 'ENOENT' ? notFound('File', key) : error);
      });
      return input.pipe(output);
    },

    async remove(key) {
      await rm(localPath(key), { force: true });
    },

    async has(key) {
      try {
        await access(localPath(key));
        return true;
      } catch {
        return false;
      }
    },

    async *keysWrittenBefore(cutoff) {
      for (const shard of await listDirectory(absoluteRoot)) {
        // Only `<two hex digits>/`: `.incoming` and anything an operator put here are not ours to judge.
        if (!/^[0-9a-f]{2}$/.test(shard)) continue;
        for (const name of await listDirectory(path.join(absoluteRoot, shard))) {
          const writtenAt = idCreatedAt(name);
          if (writtenAt && writtenAt < cutoff && name.slice(-2) === shard) yield name;
        }
      }
    },

    async removeUnfinishedBefore(cutoff) {
      let removed = 0;
      for (const name of await listDirectory(temporaryDir)) {
        const writtenAt = name.endsWith('.part') ? idCreatedAt(name.slice(0, -'.part'.length)) : undefined;
        if (!writtenAt || writtenAt >= cutoff) continue;
        await rm(path.join(temporaryDir, name), { force: true });
        removed += 1;
      }
      return removed;
    },
  };
}

/** A directory's entries; none when it does not exist (yet). */
async function listDirectory(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Counts, hashes and keeps the head of the bytes as they pass, refusing them past the limit. */
class StreamSummary {
  private byteSize = 0;
  private readonly hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headSize = 0;

  constructor(private readonly maxBytes: number) {}

  async *pass(chunks: AsyncIterable<unknown>): AsyncGenerator<Buffer> {
    for await (const chunk of chunks) {
      const bytes = toBuffer(chunk);
      this.take(bytes);
      yield bytes;
    }
  }

  private take(bytes: Buffer): void {
    this.byteSize += bytes.byteLength;
    if (this.byteSize > this.maxBytes) {
      throw new AppError(
        'payload_too_large',
        `The file is larger than the ${formatBytes(this.maxBytes)} allowed; upload a smaller file or ask an administrator to raise UPLOAD_MAX_BYTES.`,
      );
    }
    this.hash.update(bytes);
    if (this.headSize < storedHeadBytes) {
      const kept = bytes.subarray(0, storedHeadBytes - this.headSize);
      this.headChunks.push(Buffer.from(kept));
      this.headSize += kept.byteLength;
    }
  }

  toStoredFile(key: string): StoredFile {
    return {
      key,
      byteSize: this.byteSize,
      sha256: this.hash.digest('hex'),
      head: new Uint8Array(Buffer.concat(this.headChunks)),
    };
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  const view = chunk as Uint8Array;
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}
