import { formatBytes } from '../../../../platform/format-bytes.js';
import { streamDictionaryReader } from './pdf-stream-dictionary.js';
import {
  compressionsOf,
  expandedLength,
  filterChain,
  fromAscii85,
  fromAsciiHex,
  withoutAsciiFilters,
} from './pdf-stream-filters.js';
import { ParseFailure } from './parse-failure.js';

/**
 * Refuses a PDF whose compressed streams inflate past the bound before pdf.js inflates them. pdf.js
 * inflates into array buffers, which the parse worker's heap cap does not count: a 1 MB upload whose
 * page content was 1 GB of spaces took the server to 2.7 GB, and a 3 MB one to 6.8 GB (an audit).
 * Each Flate stream may inflate to `maxStreamBytes`, and all of them together to `maxTotalBytes`.
 * Images are bounded more loosely and not added up: text extraction never decodes them, and a scanned
 * page's pixels are large (only its dictionary says a stream is an image, so a bomb that claims to be one
 * still meets a bound). Inflating stops as soon as a bound is passed, and keeps nothing. A stream that
 * does not inflate (encrypted, damaged) is left to pdf.js, which reports it as it does now. LZW and
 * run-length streams are measured the same way, and a stream compressed twice over (Flate of Flate
 * multiplies the ratios) is refused: no PDF writer does that.
 *
 * Each stream's dictionary is read as pdf.js reads it (pdf-stream-dictionary.ts): its own top-level
 * entries, `/F` before `/Filter`, so a filter written in a string or a nested dictionary does not
 * count. A stream whose dictionary cannot be read, or whose filters are given by reference, is
 * measured as Flate as it stands and after each ASCII encoding: what the guard cannot read must not
 * pass unmeasured, as four crafted files did (an audit).
 *
 * This reads the file's bytes, not what pdf.js makes of them, so it stops plain bombs and those
 * audits built, not every crafted one (`/Length` past an `endstream` in the data, Flate data zlib
 * stops at but pdf.js reads on, encryption with an empty password, PNG predictors with huge rows, one
 * stream referenced many times, a content stream claiming to be an image). Those meet the parse
 * pool's memory watch (parse-worker-pool.ts), which ends a parse that grows the process too far.
 */
export async function assertSafePdfStreams(
  file: Buffer,
  bounds: { maxStreamBytes: number; maxTotalBytes: number },
): Promise<void> {
  let totalBytes = 0;
  for (const stream of streams(file)) {
    const isImage = stream.entries?.get('/Subtype') === '/Image';
    const limit = isImage
      ? bounds.maxStreamBytes * imageAllowance
      : Math.min(bounds.maxStreamBytes, bounds.maxTotalBytes - totalBytes);
    const inflated = await measured(stream, limit);
    if (inflated === 'too large') {
      const [what, bound] =
        limit === bounds.maxTotalBytes - totalBytes
          ? ["The PDF's pages expand", bounds.maxTotalBytes]
          : ['A part of the PDF expands', limit];
      throw new ParseFailure(
        `${what} to more than ${formatBytes(bound)}, more than this server parses; split it into smaller files (or it is a decompression bomb)`,
      );
    }
    if (!isImage) totalBytes += inflated;
  }
}

/** An image stream may inflate to this many times a text stream's bound (8 × 16 MB by default). */
const imageAllowance = 8;

interface FoundStream {
  /** The dictionary's top-level entries; undefined when it could not be read. */
  readonly entries: ReadonlyMap<string, string> | undefined;
  readonly data: Buffer;
}

/**
 * How far a stream expands, to `limit`. Its filters come from its dictionary; with filters given by
 * reference, or a dictionary that could not be read, it is tried as Flate as it stands and after each
 * ASCII encoding, and the largest counts: a stream the guard cannot read must not pass unmeasured.
 */
async function measured(stream: FoundStream, limit: number): Promise<number | 'too large'> {
  const chain = stream.entries ? filterChain(stream.entries) : 'unknown';
  if (chain === 'unknown') {
    let largest = 0;
    for (const data of [stream.data, fromAscii85(stream.data), fromAsciiHex(stream.data)]) {
      const inflated = await expandedLength('flate', data, limit, '');
      if (inflated === 'too large') return inflated;
      largest = Math.max(largest, inflated);
    }
    return largest;
  }
  const { rest, data } = withoutAsciiFilters(chain, stream.data);
  const compressions = compressionsOf(rest);
  if (compressions.length > 1) {
    throw new ParseFailure(
      'A part of the PDF is compressed twice over, which this server does not parse (or it is a decompression bomb); save the document as PDF again from the program that made it',
    );
  }
  const decodeParameters = stream.entries?.get('/DP') ?? stream.entries?.get('/DecodeParms') ?? '';
  return expandedLength(compressions[0], data, limit, decodeParameters);
}

/**
 * Each `stream … endstream`, with its dictionary's entries. Every stream is measured, not only those
 * whose dictionary names a compression, since a filter can be an indirect reference. The scan goes on
 * right after each `stream` keyword, not after its data: a stream without `endstream` (whose data then
 * runs to the next one, or to the end of the file) hides no stream written inside its span. The data
 * the streams span is bounded in all to a few times the file's size, so a file of many `stream`
 * keywords before one far `endstream` is refused rather than read over and over.
 */
function* streams(file: Buffer): Generator<FoundStream> {
  const text = file.toString('latin1');
  const tooIrregular = () =>
    new ParseFailure(
      "The PDF's structure is too irregular to check before parsing (or it is built to be slow to read); save the document as PDF again from the program that made it",
    );
  const dictionaryBefore = streamDictionaryReader(text, tooIrregular);
  let spannedBytes = 0;
  const nextEndstream = nextPosition(text, 'endstream');
  const [nextReturn, nextNewline] = [nextPosition(text, '\r'), nextPosition(text, '\n')];
  let from = 0;
  for (;;) {
    const keyword = text.indexOf('stream', from);
    if (keyword < 0) return;
    from = keyword + 'stream'.length;
    if (text.startsWith('end', keyword - 3)) continue;
    // As pdf.js does: the data starts after the end of the line `stream` is on, whatever else is on it.
    const lineEnd = Math.min(nextReturn(from), nextNewline(from));
    if (lineEnd === text.length) return;
    const dataStart = lineEnd + (text[lineEnd] === '\r' && text[lineEnd + 1] === '\n' ? 2 : 1);
    const dataEnd = nextEndstream(dataStart);
    spannedBytes += dataEnd - dataStart;
    if (spannedBytes > spannedBytesPerFileByte * file.length + 1024 * 1024) throw tooIrregular();
    yield { entries: dictionaryBefore(keyword)?.entries, data: file.subarray(dataStart, dataEnd) };
  }
}

/** The data all streams span, per byte of the file: a real file's streams span it about once. */
const spannedBytesPerFileByte = 8;

/**
 * Where `marker` is next at or after a position (the text's length if nowhere), for positions that only
 * grow: the answer is kept and searched again only once passed, so a file of millions of `stream`
 * keywords is still read once.
 */
function nextPosition(text: string, marker: string): (at: number) => number {
  let found = -1;
  return (at) => {
    if (found >= at || found === text.length) return found;
    const position = text.indexOf(marker, at);
    found = position < 0 ? text.length : position;
    return found;
  };
}
