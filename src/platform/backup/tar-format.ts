/**
 * The POSIX tar format (ustar, with pax records for what ustar cannot hold), as far as backups need it:
 * regular files and directories. A backup is a `.tgz` an operator can list and unpack with `tar` itself,
 * and PGlite's `dumpDataDir()` hands its data directory over in the same format.
 */
export const blockBytes = 512;

export type TarEntryType = 'file' | 'directory';

export interface TarHeader {
  /** Relative, with `/` between its parts; a directory's without a trailing slash. */
  readonly path: string;
  readonly type: TarEntryType;
  readonly size: number;
  readonly mode: number;
  /** Seconds since the epoch. */
  readonly modifiedAtSeconds: number;
}

/** A header as read: `other` for what a backup never holds (links, devices), which the reader refuses. */
export interface ReadHeader extends Omit<TarHeader, 'type'> {
  readonly type: TarEntryType | 'pax' | 'pax-global' | 'gnu-long-name' | 'other';
  readonly typeFlag: string;
}

// ustar's octal fields: a size field of 12 holds 11 digits, up to 8 GiB - 1.
const largestUstarSize = 0o77777777777;
const encoder = new TextEncoder();

/**
 * The blocks that announce one entry: its ustar header, preceded by a pax header when its path or size
 * does not fit ustar's fields.
 */
export function encodeHeader(header: TarHeader): Uint8Array[] {
  const fitted = fitPath(header.path);
  const paxRecords: string[] = [];
  if (!fitted) paxRecords.push(paxRecord('path', header.path));
  if (header.size > largestUstarSize) paxRecords.push(paxRecord('size', String(header.size)));
  const blocks: Uint8Array[] = [];
  if (paxRecords.length > 0) {
    const body = encoder.encode(paxRecords.join(''));
    blocks.push(
      ustarBlock({ name: 'PaxHeader', prefix: '', typeFlag: 'x', size: body.byteLength, mode: 0o644, mtime: 0 }),
      body,
      padding(body.byteLength),
    );
  }
  const { name, prefix } = fitted ?? { name: header.path.slice(-100), prefix: '' };
  blocks.push(
    ustarBlock({
      name: header.type === 'directory' ? `${name}/` : name,
      prefix,
      typeFlag: header.type === 'directory' ? '5' : '0',
      size: header.type === 'directory' ? 0 : Math.min(header.size, largestUstarSize),
      mode: header.mode,
      mtime: header.modifiedAtSeconds,
    }),
  );
  return blocks;
}

/** The zeros that fill an entry's data up to a whole block. */
export function padding(size: number): Uint8Array {
  return new Uint8Array((blockBytes - (size % blockBytes)) % blockBytes);
}

/** The two zero blocks that end an archive. */
export const endOfArchive = new Uint8Array(blockBytes * 2);

/**
 * A 512-byte header block read back; `undefined` for a zero block (the archive's end). Throws a plain
 * Error on a block that is no tar header: the caller says what that means for its file.
 */
export function decodeHeader(block: Uint8Array): ReadHeader | undefined {
  if (block.every((byte) => byte === 0)) return undefined;
  const stored = readOctal(block, 148, 8);
  let sum = 0;
  for (let index = 0; index < blockBytes; index++) sum += index >= 148 && index < 156 ? 0x20 : block[index]!;
  if (stored !== sum) throw new Error('a tar header whose checksum does not match');
  const typeFlag = String.fromCharCode(block[156]!);
  const name = readText(block, 0, 100);
  // "ustar\0" (POSIX) or "ustar " (GNU): both keep a prefix only in the POSIX form.
  const isPosix = readText(block, 257, 6) === 'ustar';
  const prefix = isPosix ? readText(block, 345, 155) : '';
  const path = (prefix ? `${prefix}/${name}` : name).replace(/\/+$/, '');
  return {
    path,
    type: typeOf(typeFlag),
    typeFlag,
    size: readOctal(block, 124, 12),
    mode: readOctal(block, 100, 8),
    modifiedAtSeconds: readOctal(block, 136, 12),
  };
}

/** A pax header's records (`<length> <key>=<value>\n` each). */
export function decodePaxRecords(body: Uint8Array): Map<string, string> {
  const records = new Map<string, string>();
  const text = new TextDecoder().decode(body);
  for (const line of text.split('\n')) {
    const match = /^\d+ ([^=]+)=(.*)$/s.exec(line);
    if (match) records.set(match[1]!, match[2]!);
  }
  return records;
}

function typeOf(flag: string): ReadHeader['type'] {
  switch (flag) {
    case '0':
    case '\0':
      return 'file';
    case '5':
      return 'directory';
    case 'x':
      return 'pax';
    case 'g':
      return 'pax-global';
    case 'L':
      return 'gnu-long-name';
    default:
      return 'other';
  }
}

/** ustar's split of a long path: a prefix of up to 155 bytes, a `/`, and a name of up to 100. */
function fitPath(path: string): { name: string; prefix: string } | undefined {
  const bytes = encoder.encode(path).byteLength;
  if (bytes !== path.length) return undefined;
  if (bytes <= 100) return { name: path, prefix: '' };
  for (let slash = path.indexOf('/'); slash !== -1; slash = path.indexOf('/', slash + 1)) {
    if (slash <= 155 && path.length - slash - 1 <= 100)
      return { name: path.slice(slash + 1), prefix: path.slice(0, slash) };
  }
  return undefined;
}

/** `<length> <key>=<value>\n`, the length counting itself. */
function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  const restBytes = encoder.encode(rest).byteLength;
  let length = restBytes + String(restBytes).length;
  if (String(length).length !== String(restBytes).length) length = restBytes + String(length).length;
  return `${length}${rest}`;
}

interface UstarFields {
  readonly name: string;
  readonly prefix: string;
  readonly typeFlag: string;
  readonly size: number;
  readonly mode: number;
  readonly mtime: number;
}

function ustarBlock(fields: UstarFields): Uint8Array {
  const block = new Uint8Array(blockBytes);
  writeText(block, 0, 100, fields.name);
  writeOctal(block, 100, 8, fields.mode & 0o7777);
  writeOctal(block, 108, 8, 0);
  writeOctal(block, 116, 8, 0);
  writeOctal(block, 124, 12, fields.size);
  writeOctal(block, 136, 12, Math.max(0, Math.floor(fields.mtime)));
  block[156] = fields.typeFlag.charCodeAt(0);
  writeText(block, 257, 6, 'ustar');
  writeText(block, 263, 2, '00');
  writeText(block, 345, 155, fields.prefix);
  block.fill(0x20, 148, 156);
  const sum = block.reduce((total, byte) => total + byte, 0);
  writeText(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

function writeText(block: Uint8Array, offset: number, length: number, text: string): void {
  block.set(encoder.encode(text).subarray(0, length), offset);
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  writeText(block, offset, length, `${value.toString(8).padStart(length - 1, '0')}\0`);
}

function readText(block: Uint8Array, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return new TextDecoder().decode(end === -1 ? field : field.subarray(0, end));
}

function readOctal(block: Uint8Array, offset: number, length: number): number {
  const text = readText(block, offset, length).trim();
  if (!/^[0-7]*$/.test(text)) throw new Error('a tar header with a number that is not octal');
  return text === '' ? 0 : parseInt(text, 8);
}
