import yauzl from 'yauzl';
import { ParseFailure } from './parse-failure.js';

/** A Word document has a few dozen parts; tens of thousands is an attack on the central directory. */
const maxEntries = 10_000;

/**
 * Refuses a DOCX that would expand past `maxUncompressedBytes` before any parser inflates it: first
 * by the sizes its central directory declares, then by counting the bytes actually inflated (a zip can
 * lie about its sizes), stopping as soon as the bound is passed.
 */
export async function assertSafeDocxZip(file: Buffer, maxUncompressedBytes: number): Promise<void> {
  const tooLarge = () =>
    new ParseFailure(
      `The DOCX expands to more than ${formatMegabytes(maxUncompressedBytes)}, more than this server parses; split it into smaller files (or it is a zip bomb)`,
    );
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(file, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false });
  } catch {
    throw new ParseFailure('The file is not a valid DOCX (it is not a readable zip archive; it may be damaged)');
  }
  try {
    if (zip.entryCount > maxEntries) {
      throw new ParseFailure(
        `The DOCX holds ${zip.entryCount} parts (more than ${maxEntries}); it was refused as a possible zip bomb`,
      );
    }
    const entries: yauzl.Entry[] = [];
    let declaredBytes = 0;
    for await (const entry of zip.eachEntry()) {
      declaredBytes += entry.uncompressedSize;
      if (declaredBytes > maxUncompressedBytes) throw tooLarge();
      entries.push(entry);
    }
    if (!entries.some((entry) => entry.fileName === 'word/document.xml')) {
      throw new ParseFailure('The file is not a Word document (its zip has no word/document.xml)');
    }
    let inflatedBytes = 0;
    for (const entry of entries) {
      if (entry.fileName.endsWith('/')) continue;
      const stream = await zip.openReadStreamPromise(entry);
      try {
        for await (const piece of stream) {
          inflatedBytes += (piece as Buffer).length;
          if (inflatedBytes > maxUncompressedBytes) throw tooLarge();
        }
      } finally {
        stream.destroy();
      }
    }
  } catch (error) {
    if (error instanceof ParseFailure) throw error;
    // yauzl's validateEntrySizes: the entry inflated to more (or less) than the directory declared.
    throw new ParseFailure(
      'The file is not a valid DOCX (its zip entries do not match their declared sizes; it may be damaged or crafted)',
    );
  } finally {
    zip.close();
  }
}

function formatMegabytes(bytes: number): string {
  const megabytes = bytes / (1024 * 1024);
  return `${Number.isInteger(megabytes) ? megabytes : megabytes.toFixed(1)} MB`;
}
