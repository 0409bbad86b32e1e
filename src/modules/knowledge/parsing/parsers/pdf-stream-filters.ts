import { constants, createInflate } from 'node:zlib';
import { readName } from './pdf-stream-dictionary.js';

/**
 * What pdf.js would do to a stream's data, measured without keeping it: its filters as the dictionary
 * names them, the ASCII encodings undone, and the one compression that follows counted to a limit.
 */

/** The compressions a stream may have; ASCII encodings are undone first, other filters are not ours. */
export type Compression = 'flate' | 'lzw' | 'runLength';

const compressionByFilter: Readonly<Record<string, Compression>> = {
  '/FlateDecode': 'flate',
  '/Fl': 'flate',
  '/LZWDecode': 'lzw',
  '/LZW': 'lzw',
  '/RunLengthDecode': 'runLength',
  '/RL': 'runLength',
};

/**
 * The stream's filters in the order they apply, as pdf.js takes them: `/F` if the dictionary has it,
 * else `/Filter`; a name or an array of names. 'unknown' when given by reference (`9 0 R`).
 */
export function filterChain(entries: ReadonlyMap<string, string>): string[] | 'unknown' {
  const value = entries.get('/F') ?? entries.get('/Filter');
  if (value === undefined) return [];
  if (/^\d+\s+\d+\s+R$/.test(value)) return 'unknown';
  return (value.match(/\/[^\s/[\]<>()]+/g) ?? []).map(readName);
}

/** The data after the ASCIIHex and ASCII85 filters that come first in the chain, and the filters left. */
export function withoutAsciiFilters(chain: readonly string[], data: Buffer): { rest: string[]; data: Buffer } {
  let decoded = data;
  let index = 0;
  for (; index < chain.length; index += 1) {
    const filter = chain[index];
    if (filter === '/ASCIIHexDecode' || filter === '/AHx') decoded = fromAsciiHex(decoded);
    else if (filter === '/ASCII85Decode' || filter === '/A85') decoded = fromAscii85(decoded);
    else break;
  }
  return { rest: chain.slice(index), data: decoded };
}

export function compressionsOf(filters: readonly string[]): Compression[] {
  return filters.flatMap((filter) => {
    const compression = compressionByFilter[filter];
    return compression ? [compression] : [];
  });
}

/**
 * The data's length once decompressed, counting no further than `limit`. A filter we cannot tell (given
 * by reference) is tried as Flate, the usual one; data that is not Flate fails at its first bytes.
 */
export async function expandedLength(
  compression: Compression | undefined,
  data: Buffer,
  limit: number,
  decodeParameters: string,
): Promise<number | 'too large'> {
  if (compression === 'lzw') return lzwLength(data, limit, /\/EarlyChange\s+0\b/.test(decodeParameters) ? 0 : 1);
  if (compression === 'runLength') return runLengthLength(data, limit);
  return inflatedLength(data, limit);
}

/** The stream's inflated length, counting no further than `limit`; a damaged stream counts what came out. */
async function inflatedLength(data: Buffer, limit: number): Promise<number | 'too large'> {
  // pdf.js refuses Flate data without a zlib header, as zlib does: most streams that are something else
  // (a JPEG, a font) end here, without an inflater made for each.
  if (!hasZlibHeader(data)) return 0;
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

/** Deflate as its method, and the check bits that make the first two bytes a multiple of 31. */
function hasZlibHeader(data: Buffer): boolean {
  return data.length >= 2 && (data[0]! & 0x0f) === 8 && ((data[0]! << 8) | data[1]!) % 31 === 0;
}

/**
 * LZW as PDF writes it (codes from 9 to 12 bits, most significant bit first; 256 clears, 257 ends),
 * counting only how long each code's string is: the strings themselves are never built.
 */
function lzwLength(data: Buffer, limit: number, earlyChange: 0 | 1): number | 'too large' {
  const lengths = new Uint32Array(4096);
  lengths.fill(1, 0, 256);
  let next = 258;
  let width = 9;
  let previous = -1;
  let length = 0;
  let buffer = 0;
  let bits = 0;
  for (const byte of data) {
    buffer = ((buffer << 8) | byte) & 0xffffff;
    bits += 8;
    while (bits >= width) {
      bits -= width;
      const code = (buffer >>> bits) & ((1 << width) - 1);
      if (code === 256) {
        [next, width, previous] = [258, 9, -1];
        continue;
      }
      if (code === 257 || code > next || (previous === -1 && code >= 256)) return length;
      const codeLength = code < next ? lengths[code]! : lengths[previous]! + 1;
      length += codeLength;
      if (length > limit) return 'too large';
      if (previous !== -1 && next < 4096) {
        lengths[next] = lengths[previous]! + 1;
        next += 1;
        if (next + earlyChange >= 1 << width && width < 12) width += 1;
      }
      previous = code;
    }
  }
  return length;
}

/** Run-length as PDF writes it: a byte under 128 copies that many plus one, over 128 repeats the next. */
function runLengthLength(data: Buffer, limit: number): number | 'too large' {
  let length = 0;
  for (let at = 0; at < data.length;) {
    const lead = data[at]!;
    if (lead === 128) break;
    if (lead < 128) {
      length += lead + 1;
      at += lead + 2;
    } else {
      length += 257 - lead;
      at += 2;
    }
    if (length > limit) return 'too large';
  }
  return length;
}

export function fromAsciiHex(data: Buffer): Buffer {
  const text = data.toString('latin1');
  const digits = text.slice(0, text.includes('>') ? text.indexOf('>') : undefined).replace(/[^0-9a-fA-F]/g, '');
  return Buffer.from(digits.length % 2 === 0 ? digits : `${digits}0`, 'hex');
}

/** Base-85 in groups of five characters from `!` (z: four zero bytes), ending at `~>`. */
export function fromAscii85(data: Buffer): Buffer {
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
