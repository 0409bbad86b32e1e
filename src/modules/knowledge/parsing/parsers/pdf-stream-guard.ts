import { formatBytes } from '../../../../platform/format-bytes.js';
import { compressionsOf, expandedLength, filterChain, withoutAsciiFilters } from './pdf-stream-filters.js';
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
 * does not inflate (encrypted, damaged) is left to pdf.js, which reports it as it does now. LZW and
 * run-length streams are measured the same way, and a stream compressed twice over (Flate of Flate
 * multiplies the ratios) is refused: no PDF writer does that.
 *
 * This reads the file's bytes, not what pdf.js makes of them, so it stops plain bombs only. A crafted
 * file still gets past it (an audit found a filter chain given by reference, `/Length` past an
 * `endstream` in the data, Flate data zlib stops at but pdf.js reads on, encryption with an empty
 * password, PNG predictors with huge rows, one stream referenced many times, a content stream claiming
 * to be an image). Bounding those needs a bound on what pdf.js allocates: parsing in a process with an
 * operating-system memory limit, say.
 */
export async function assertSafePdfStreams(
  file: Buffer,
  bounds: { maxStreamBytes: number; maxTotalBytes: number },
): Promise<void> {
  let totalBytes = 0;
  for (const { dictionary, data: raw } of streams(file)) {
    const { rest, data } = withoutAsciiFilters(filterChain(dictionary), raw);
    const compressions = compressionsOf(rest);
    if (compressions.length > 1) {
      throw new ParseFailure(
        'A part of the PDF is compressed twice over, which this server does not parse (or it is a decompression bomb); save the document as PDF again from the program that made it',
      );
    }
    const isImage = /\/Subtype\s*\/Image\b/.test(dictionary);
    const limit = isImage
      ? bounds.maxStreamBytes * imageAllowance
      : Math.min(bounds.maxStreamBytes, bounds.maxTotalBytes - totalBytes);
    const inflated = await expandedLength(compressions[0], data, limit, dictionary);
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

/**
 * Each `<<…>> stream … endstream`, with its dictionary's text. Every stream is measured, not only those
 * whose dictionary names a compression, since a filter can be an indirect reference. The scan goes on
 * right after each `stream` keyword, not after its data: a stream without `endstream` (whose data then
 * runs to the next one, or to the end of the file) hides no stream written inside its span.
 */
function* streams(file: Buffer): Generator<{ dictionary: string; data: Buffer }> {
  const nextEndstream = nextPosition(file, 'endstream');
  const [nextReturn, nextNewline] = [nextPosition(file, '\r'), nextPosition(file, '\n')];
  let from = 0;
  for (;;) {
    const keyword = file.indexOf('stream', from, 'latin1');
    if (keyword < 0) return;
    from = keyword + 'stream'.length;
    if (keyword >= 3 && file.toString('latin1', keyword - 3, keyword) === 'end') continue;
    const head = file.toString('latin1', Math.max(0, keyword - dictionaryLookBehind), keyword);
    // Names as pdf.js reads them: `#xx` is the byte it spells ("/Fl#61teDecode" is Flate).
    const dictionary = head
      .slice(head.lastIndexOf('obj') + 1)
      .replace(/#([0-9a-fA-F]{2})/g, (_escape, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    // The dictionary's `>>`, then only blank space (NUL included) and comments, which pdf.js skips.
    if (!/>>(\s|\0|%[^\r\n]*)*$/.test(dictionary)) continue;
    // As pdf.js does: the data starts after the end of the line `stream` is on, whatever else is on it.
    const lineEnd = Math.min(nextReturn(from), nextNewline(from));
    if (lineEnd === file.length) return;
    const dataStart = lineEnd + (file[lineEnd] === 0x0d && file[lineEnd + 1] === 0x0a ? 2 : 1);
    yield { dictionary, data: file.subarray(dataStart, nextEndstream(dataStart)) };
  }
}

/**
 * Where `marker` is next at or after a position (the file's length if nowhere), for positions that only
 * grow: the answer is kept and searched again only once passed, so a file of millions of `stream`
 * keywords is still read once.
 */
function nextPosition(file: Buffer, marker: string): (at: number) => number {
  let found = -1;
  return (at) => {
    if (found >= at || found === file.length) return found;
    const position = file.indexOf(marker, at, 'latin1');
    found = position < 0 ? file.length : position;
    return found;
  };
}
