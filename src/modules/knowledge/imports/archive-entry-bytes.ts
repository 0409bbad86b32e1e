import { createInflateRaw } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type yauzl from 'yauzl';
import { AppError } from '../../../platform/errors.js';
import { formatBytes } from '../../../platform/format-bytes.js';
import { crc32 } from './crc32.js';

/** What one entry may inflate to, whatever its headers say. */
export interface EntryByteBounds {
  /** UPLOAD_MAX_BYTES: no document may be larger. */
  readonly maxEntryBytes: number;
  /** What the archive's files may still add up to (IMPORT_MAX_BYTES less what earlier entries inflated to). */
  readonly remainingTotalBytes: () => number;
  /** Told every inflated chunk, so the archive keeps its running total. */
  readonly onInflated: (byteCount: number) => void;
}

const failedEntry = (reason: string) => new AppError('unprocessable', `${reason}; nothing of it was added`);

/**
 * An entry's inflated bytes, counted as they come out of the inflater: the stream stops as soon as they
 * pass the size the zip declares, one upload's limit or what is left of the import's, and fails when it
 * ends short of the declared size or with another CRC. yauzl's own size check was an error event on a
 * stream nobody listened to yet (the storage opens its file first), which ended the process; here
 * nothing runs until the consumer asks for the first chunk, and every failure is thrown to it.
 *
 * The raw (still compressed) bytes are read through yauzl, which checks that they lie inside the file.
 */
export async function* inflatedEntryBytes(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  bounds: EntryByteBounds,
): AsyncGenerator<Buffer> {
  const declaredBytes = entry.uncompressedSize;
  let raw: Readable;
  try {
    raw = await zip.openReadStreamPromise(entry, { decodeFileData: false });
  } catch {
    throw failedEntry('The file could not be found where its zip says it is (the zip is damaged or crafted)');
  }
  // 64 KB at a time (zlib's default is 16): each chunk is one message from the archive worker's thread.
  const inflater = entry.compressionMethod === 8 ? createInflateRaw({ chunkSize: 64 * 1024 }) : undefined;
  // pipeline sees to errors on both sides and destroys both; its failures reach us through the iterator.
  const piping = inflater ? pipeline(raw, inflater) : undefined;
  piping?.catch(() => {});
  const output: AsyncIterable<Buffer> = inflater ?? raw;
  let inflatedBytes = 0;
  let checksum = 0;
  try {
    for await (const chunk of output) {
      inflatedBytes += chunk.byteLength;
      if (inflatedBytes > declaredBytes) {
        throw failedEntry(
          `The file inflates to more than the ${formatBytes(declaredBytes)} its zip declares (the zip is damaged or crafted)`,
        );
      }
      if (inflatedBytes > bounds.maxEntryBytes) {
        throw failedEntry(
          `The file is larger than the ${formatBytes(bounds.maxEntryBytes)} this server accepts (UPLOAD_MAX_BYTES)`,
        );
      }
      if (chunk.byteLength > bounds.remainingTotalBytes()) {
        throw failedEntry('The zip expands to more than this import may take (IMPORT_MAX_BYTES)');
      }
      bounds.onInflated(chunk.byteLength);
      checksum = crc32(chunk, checksum);
      yield chunk;
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw failedEntry('The file could not be inflated (its compressed bytes are damaged)');
  } finally {
    raw.destroy();
    inflater?.destroy();
  }
  if (inflatedBytes < declaredBytes) {
    throw failedEntry(
      `The file inflates to ${formatBytes(inflatedBytes)}, not the ${formatBytes(declaredBytes)} its zip declares (the zip is damaged or crafted)`,
    );
  }
  if (checksum !== entry.crc32) {
    throw failedEntry("The file's bytes do not match the checksum its zip declares (the zip is damaged)");
  }
}
