import { zipSync } from 'fflate';
import yauzl from 'yauzl';
import { formatBytes } from '../../../../platform/format-bytes.js';
import { ParseFailure } from './parse-failure.js';

/** A Word document has a few dozen parts; tens of thousands is an attack on the central directory. */
const maxEntries = 10_000;

/** One inflated part of a DOCX. */
interface DocxPart {
  readonly name: string;
  readonly content: Buffer;
}

/**
 * The DOCX rebuilt with only its text parts, for a parser to read: the XML parts (document, styles,
 * numbering, notes, comments, content types) and their relationships. Photos, fonts and embedded files
 * are neither inflated nor counted (a DOCX of a few large photos is no bomb), and they are left out
 * of the result so that no parser can inflate them either, even one steered to a photo by a crafted
 * relationship: the bound below holds for everything the parser reads.
 *
 * Refuses a DOCX whose text parts would expand past `maxUncompressedBytes`: first by the sizes its
 * central directory declares, then by counting the bytes actually inflated (a zip can lie about its
 * sizes), stopping as soon as the bound is passed.
 */
export async function readDocxTextParts(file: Buffer, maxUncompressedBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new ParseFailure(
      `The DOCX expands to more than ${formatBytes(maxUncompressedBytes)}, more than this server parses; split it into smaller files (or it is a zip bomb)`,
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
    const textEntries: yauzl.Entry[] = [];
    let declaredBytes = 0;
    for await (const entry of zip.eachEntry()) {
      if (!isTextPart(entry.fileName)) continue;
      declaredBytes += entry.uncompressedSize;
      if (declaredBytes > maxUncompressedBytes) throw tooLarge();
      textEntries.push(entry);
    }
    if (!textEntries.some((entry) => entry.fileName === 'word/document.xml')) {
      throw new ParseFailure('The file is not a Word document (its zip has no word/document.xml)');
    }
    const parts: DocxPart[] = [];
    let inflatedBytes = 0;
    for (const entry of textEntries) {
      const stream = await zip.openReadStreamPromise(entry);
      const pieces: Buffer[] = [];
      try {
        for await (const piece of stream) {
          inflatedBytes += (piece as Buffer).length;
          if (inflatedBytes > maxUncompressedBytes) throw tooLarge();
          pieces.push(piece as Buffer);
        }
      } finally {
        stream.destroy();
      }
      parts.push({ name: entry.fileName, content: Buffer.concat(pieces) });
    }
    return storedZip(parts);
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

/**
 * Mammoth parses XML parts only: `[Content_Types].xml`, the parts that relationships name as document,
 * styles, numbering, footnotes, endnotes and comments, and their `.rels`. The only other parts it
 * reads are images, and only when its image converter asks for their bytes (ours does not), and a
 * style map that mammoth's own tools embed as `mammoth/style-map` (Word never writes one). Custom XML
 * (data bound to content controls) and the document's properties are XML it never reads either.
 */
function isTextPart(fileName: string): boolean {
  return /\.(xml|rels)$/i.test(fileName) && !/^(customXml|docProps)\//i.test(fileName);
}

/** A zip of `parts`, stored without compression: they are inflated already, and mammoth reads each once. */
function storedZip(parts: readonly DocxPart[]): Buffer {
  const zip = zipSync(Object.fromEntries(parts.map((part) => [part.name, [part.content, { level: 0 }]])));
  return Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
}
