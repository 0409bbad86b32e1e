import yauzl from 'yauzl';
import { AppError } from '../../../platform/errors.js';
import { formatBytes } from '../../../platform/format-bytes.js';
import { inflatedEntryBytes } from './archive-entry-bytes.js';
import { entryRefusal } from './archive-entry-kind.js';

/** As for a DOCX (parsing/parsers/docx-zip-guard.ts): tens of thousands of entries is an attack on the directory. */
export const maxArchiveEntries = 10_000;

/** Longer names are refused, and not kept: 10,000 entries of 64 KB names would be 640 MB held at once. */
const maxEntryNameLength = 1_000;

export interface ArchiveLimits {
  /** Each file must fit what one upload may be (UPLOAD_MAX_BYTES). */
  readonly maxEntryBytes: number;
  /** All files together, as their sizes are declared and again as they are inflated (IMPORT_MAX_BYTES). */
  readonly maxTotalBytes: number;
}

export interface ArchiveEntry {
  /** The entry's path inside the zip, checked by yauzl: never absolute, never through `..`. */
  readonly path: string;
  /** Set when the entry is refused without inflating it. */
  readonly refusal?: string;
  /**
   * The inflated bytes, counted as they come (archive-entry-bytes.ts): a read fails with an
   * AppError('unprocessable') saying why as soon as they pass the declared size or a limit.
   */
  readonly bytes: () => AsyncIterable<Buffer>;
  readonly declaredBytes: number;
}

/**
 * The files of a zip on disk, after its central directory has been read in full: every name is checked
 * (a path that leaves the archive refuses the whole zip, before one file of it is added) and the
 * declared sizes are summed (past `maxTotalBytes`, the zip is refused as a bomb). Folders, macOS
 * resource forks and hidden files are left out. It runs in the archive worker's thread (archive-worker.ts);
 * the server calls openArchiveInWorker (archive-reader.ts).
 */
export async function openArchive(
  filePath: string,
  label: string,
  limits: ArchiveLimits,
): Promise<{ entries: ArchiveEntry[]; close: () => void }> {
  let zip: yauzl.ZipFile;
  try {
    // autoClose off: the entries are opened after the whole directory has been read, which would close it.
    zip = await yauzl.openPromise(filePath, {
      lazyEntries: true,
      autoClose: false,
      // Sizes are checked as the bytes are inflated (archive-entry-bytes.ts), where a mismatch fails one file.
      validateEntrySizes: false,
      strictFileNames: false,
    });
  } catch {
    throw new AppError('validation_failed', `'${label}' is not a readable zip archive (it may be damaged)`);
  }
  try {
    if (zip.entryCount > maxArchiveEntries) {
      throw new AppError(
        'validation_failed',
        `'${label}' holds ${zip.entryCount} entries, more than the ${maxArchiveEntries} an import takes; split it into smaller zips`,
      );
    }
    const entries: ArchiveEntry[] = [];
    let declaredBytes = 0;
    let inflatedBytes = 0;
    const bounds = {
      maxEntryBytes: limits.maxEntryBytes,
      remainingTotalBytes: () => limits.maxTotalBytes - inflatedBytes,
      onInflated: (byteCount: number) => (inflatedBytes += byteCount),
    };
    for await (const entry of readEntries(zip, label)) {
      if (isSkipped(entry.fileName)) continue;
      if (entry.fileName.length > maxEntryNameLength) {
        const path = `${entry.fileName.slice(0, 200)}…`;
        entries.push({
          path,
          declaredBytes: 0,
          refusal: `The entry's name is longer than ${maxEntryNameLength} characters; shorten it`,
          bytes: noBytes,
        });
        continue;
      }
      // Only the sizes, offsets and flags are needed to inflate it: what else the entry holds is dropped.
      entry.extraFields = [];
      entry.fileComment = '';
      entry.fileCommentRaw = Buffer.alloc(0);
      declaredBytes += entry.uncompressedSize;
      if (declaredBytes > limits.maxTotalBytes) {
        throw new AppError(
          'payload_too_large',
          `'${label}' expands to more than ${formatBytes(limits.maxTotalBytes)} (IMPORT_MAX_BYTES); split it into smaller zips (or it is a zip bomb)`,
        );
      }
      const isTooLarge = entry.uncompressedSize > limits.maxEntryBytes;
      const refusal =
        entryRefusal(entry) ??
        (isTooLarge
          ? `The file is larger than the ${formatBytes(limits.maxEntryBytes)} this server accepts (UPLOAD_MAX_BYTES)`
          : undefined);
      entries.push({
        path: entry.fileName,
        declaredBytes: entry.uncompressedSize,
        ...(refusal && { refusal }),
        bytes: () => inflatedEntryBytes(zip, entry, bounds),
      });
    }
    return { entries, close: () => zip.close() };
  } catch (error) {
    zip.close();
    throw error;
  }
}

/** yauzl refuses an absolute name or one with `..` as it reads the directory: said here as a sentence. */
async function* readEntries(zip: yauzl.ZipFile, label: string): AsyncGenerator<yauzl.Entry> {
  try {
    for await (const entry of zip.eachEntry()) yield entry;
  } catch (error) {
    const reason = error instanceof Error ? error.message : '';
    const badPath = /^(invalid relative path|absolute path|invalid characters in fileName): (.*)$/.exec(reason);
    if (badPath) {
      throw new AppError(
        'validation_failed',
        `'${label}' holds an entry whose path leaves the archive ('${badPath[2]!.slice(0, 200)}'); nothing was imported from it`,
      );
    }
    throw new AppError('validation_failed', `'${label}' is not a readable zip archive (it may be damaged or crafted)`);
  }
}

async function* noBytes(): AsyncGenerator<Buffer> {}

function isSkipped(fileName: string): boolean {
  if (fileName.endsWith('/')) return true;
  const parts = fileName.split('/');
  return parts[0] === '__MACOSX' || parts.some((part) => part.startsWith('.'));
}
