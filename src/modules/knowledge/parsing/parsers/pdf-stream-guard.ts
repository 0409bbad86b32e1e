import { constants, createInflate } from 'node:zlib';
import { ParseFailure } from './parse-failure.js';

/** How far back from `stream` its dictionary is looked for; real ones are a few hundred bytes. */
const dictionaryLookBehind = 4096;

/**
 * Refuses a PDF whose compressed streams inflate past the bound before pdf.js inflates them. pdf.js
 * inflates into array buffers, which the parse worker's heap cap does not count: a 1 MB upload whose
 * page content was 1 GB of spaces took the server to 2.7 GB, and a 3 MB one to 6.8 GB (an audit).
 * Each Flate stream may inflate to `maxStreamBytes`, and all of them together to `maxTotalBytes`.
 * Images are bounded more loosely and not added up: text extraction never decodes them, and a scanned
 * page's pixels are large (only its dictionary says a stream is an image, so a bomb that claims to be one
 * still meets a bound). Inflating stops as soon as a bound is passed, and keeps nothing. A stream that
 * does not inflate (encrypted, damaged) is left to pdf.js, which reports it as it does now. Not
 * bounded yet: LZW and run-length streams (up to about 2,700:1 and 64:1), which only the parse
 * timeout cuts short, and only in time, not in memory.
 */
export async function assertSafePdfStreams(
  file: Buffer,
  bounds: { maxStreamBytes: number; maxTotalBytes: number },
): Promise<void> {
  let totalBytes = 0;
  for (const { dictionary, data } of streams(file)) {
    const isImage = /\/Subtype\s*\/Image\b/.test(dictionary);
    const limit = isImage
      ? bounds.maxStreamBytes * imageAllowance
      : Math.min(bounds.maxStreamBytes, bounds.maxTotalBytes - totalBytes);
    const inflated = await inflatedLength(data, limit);
    if (inflated === 'too large') {
      const [what, bound] =
        limit === bounds.maxTotalBytes - totalBytes
          ? ["The PDF's pages expand", bounds.maxTotalBytes]
          : ['A part of the PDF expands', limit];
      throw new ParseFailure(
        `${what} to more than ${formatMegabytes(bound)}, more than this server parses; split it into smaller files (or it is a decompression bomb)`,
      );
    }
    if (!isImage) totalBytes += inflated;
  }
}

/** An image stream may inflate to this many times a text stream's bound (8 × 16 MB by default). */
const imageAllowance = 8;

/**
 * Each `<<…>> stream … endstream`, with its dictionary's text and its data as Flate would read it: after
 * the ASCII filters a chain may put first (`[/ASCII85Decode /FlateDecode]`). Every stream is tried, not
 * only those whose dictionary names Flate, since a filter can be an indirect reference; data that is not
 * Flate fails at its first bytes. A stream without `endstream` runs to the end of the file.
 */
function* streams(file: Buffer): Generator<{ dictionary: string; data: Buffer }> {
  let from = 0;
  for (;;) {
    const keyword = file.indexOf('stream', from, 'latin1');
    if (keyword < 0) return;
    from = keyword + 'stream'.length;
    // `endstream` contains `stream`; the keyword that opens data follows the dictionary's `>>`.
    if (keyword >= 3 && file.toString('latin1', keyword - 3, keyword) === 'end') continue;
    const dataStart = afterEndOfLine(file, from);
    if (dataStart === undefined) continue;
    const head = file.toString('latin1', Math.max(0, keyword - dictionaryLookBehind), keyword);
    const dictionary = head.slice(head.lastIndexOf(' obj') + 1);
    if (!/>>\s*$/.test(dictionary)) continue;
    const endstream = file.indexOf('endstream', dataStart, 'latin1');
    const dataEnd = endstream < 0 ? file.length : endstream;
    from = dataEnd;
    yield { dictionary, data: withoutAsciiFilters(dictionary, file.subarray(dataStart, dataEnd)) };
  }
}

/** The data after the ASCIIHex and ASCII85 filters that come first in the stream's chain, if any. */
function withoutAsciiFilters(dictionary: string, data: Buffer): Buffer {
  const chain = /\/Filter\s*(\[[^\]]*\]|\/\w+)/.exec(dictionary)?.[1]?.match(/\/\w+/g) ?? [];
  let decoded = data;
  for (const filter of chain) {
    if (filter === '/ASCIIHexDecode' || filter === '/AHx') decoded = fromAsciiHex(decoded);
    else if (filter === '/ASCII85Decode' || filter === '/A85') decoded = fromAscii85(decoded);
    else break;
  }
  return decoded;
}

function fromAsciiHex(data: Buffer): Buffer {
  const text = data.toString('latin1');
  const digits = text.slice(0, text.includes('>') ? text.indexOf('>') : undefined).replace(/[^0-9a-fA-F]/g, '');
  return Buffer.from(digits.length % 2 === 0 ? digits : `${digits}0`, 'hex');
}

/** Base-85 in groups of five characters from `!` (z: four zero bytes), ending at `~>`. */
function fromAscii85(data: Buffer): Buffer {
  const end = data.indexOf('~>', 0, 'latin1');
  const input = end < 0 ? data : data.subarray(0, end);
  // Four bytes per five characters, and per `z` (a group of zeros) four bytes from one character.
  const output = Buffer.alloc(input.length * 4 + 4);
  let length = 0;
  const group: number[] = [];
  const flush = (count: number) => {
    while (group.length < 5) group.push(84);
    let value = 0;
    for (const digit of group) value = value * 85 + digit;
    for (let index = 0; index < count; index += 1) output[length++] = Math.floor(value / 256 ** (3 - index)) % 256;
    group.length = 0;
  };
  for (const byte of input) {
    if (byte === 0x7a && group.length === 0) {
      length += 4; // z: the buffer is zeros already
      continue;
    }
    const digit = byte - 33;
    if (digit < 0 || digit > 84) continue; // white space between characters
    group.push(digit);
    if (group.length === 5) flush(4);
  }
  if (group.length > 1) flush(group.length - 1);
  return output.subarray(0, length);
}

/** The data starts after the end of line that follows `stream` (CRLF or LF, as the format says). */
function afterEndOfLine(file: Buffer, at: number): number | undefined {
  if (file[at] === 0x0d && file[at + 1] === 0x0a) return at + 2;
  if (file[at] === 0x0a || file[at] === 0x0d) return at + 1;
  return undefined;
}

/** The stream's inflated length, counting no further than `limit`; a damaged stream counts what came out. */
async function inflatedLength(data: Buffer, limit: number): Promise<number | 'too large'> {
  // A sync flush at the end: a stream cut short still counts what it holds, and raises no error.
  const inflate = createInflate({ finishFlush: constants.Z_SYNC_FLUSH });
  let length = 0;
  try {
    inflate.end(data);
    for await (const piece of inflate) {
      length += (piece as Buffer).length;
      if (length > limit) return 'too large';
    }
    return length;
  } catch {
    return length;
  } finally {
    inflate.destroy();
  }
}

const formatMegabytes = (bytes: number): string => `${Math.round(bytes / (1024 * 1024))} MB`;
