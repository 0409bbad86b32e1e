import { crc32, deflateRawSync } from 'node:zlib';

/**
 * Zips written byte by byte, so a test can make every field say what an attacker would: sizes that lie,
 * CRCs that do not match, links, encrypted flags, offsets past the end. Each field left out is what a
 * well-behaved zip tool writes.
 */
export interface ZipEntrySpec {
  readonly name: string;
  /** The entry's bytes before compression. */
  readonly content: Uint8Array;
  /** 8 (deflate, the default), 0 (stored) or any other method number. */
  readonly method?: number;
  /** The uncompressed size both headers declare, instead of the content's length. */
  readonly declaredSize?: number;
  /** The uncompressed size only the local header declares. */
  readonly localDeclaredSize?: number;
  /** The compressed size both headers declare, instead of the data's length. */
  readonly declaredCompressedSize?: number;
  readonly crc?: number;
  /** General-purpose flags: bit 0 says encrypted. */
  readonly flags?: number;
  /** Unix mode in the high 16 bits (`0o120777 << 16` is a symlink); the default is a regular file. */
  readonly externalAttributes?: number;
  /** Host in the high byte: 3 is Unix (the default), 0 is MS-DOS. */
  readonly versionMadeBy?: number;
  /** The central directory's offset of this entry's local header, instead of where it was written. */
  readonly localHeaderOffset?: number;
  /** The extra field of both headers (e.g. a zip64 one). */
  readonly extra?: Uint8Array;
  /** The file data as stored, instead of the content compressed by `method`. */
  readonly data?: Uint8Array;
}

export interface ZipSpec {
  /** The entry count the end record declares, instead of the entries' number. */
  readonly entryCount?: number;
  /** The central directory's offset the end record declares. */
  readonly centralDirectoryOffset?: number;
  /** The central directory's size the end record declares. */
  readonly centralDirectorySize?: number;
  /** Entries listed in the central directory again, pointing at the same local header (overlapping). */
  readonly repeatEntries?: number;
}

export const regularFileMode = 0o100644 << 16;
export const symlinkMode = 0o120777 << 16;

/** Deflated once per buffer: fuzzing reuses a few large runs of zeros thousands of times. */
const deflatedOnce = new WeakMap<Uint8Array, Buffer>();
function deflated(content: Uint8Array): Buffer {
  const known = deflatedOnce.get(content);
  if (known) return known;
  const bytes = deflateRawSync(content);
  deflatedOnce.set(content, bytes);
  return bytes;
}

export function zipBytes(entries: readonly ZipEntrySpec[], spec: ZipSpec = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const extra = Buffer.from(entry.extra ?? new Uint8Array(0));
    const method = entry.method ?? 8;
    const data = Buffer.from(entry.data ?? (method === 8 ? deflated(entry.content) : entry.content));
    const crc = entry.crc ?? crc32(entry.content);
    const declaredSize = entry.declaredSize ?? entry.content.byteLength;
    const compressedSize = entry.declaredCompressedSize ?? data.byteLength;
    const flags = (entry.flags ?? 0) | 0x0800; // UTF-8 names

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(0x5b210000, 10); // a DOS date and time
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(compressedSize >>> 0, 18);
    local.writeUInt32LE((entry.localDeclaredSize ?? declaredSize) >>> 0, 22);
    local.writeUInt16LE(name.byteLength, 26);
    local.writeUInt16LE(extra.byteLength, 28);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(entry.versionMadeBy ?? 0x031e, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(0x5b210000, 12);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(compressedSize >>> 0, 20);
    central.writeUInt32LE(declaredSize >>> 0, 24);
    central.writeUInt16LE(name.byteLength, 28);
    central.writeUInt16LE(extra.byteLength, 30);
    central.writeUInt32LE((entry.externalAttributes ?? regularFileMode) >>> 0, 38);
    central.writeUInt32LE((entry.localHeaderOffset ?? offset) >>> 0, 42);

    const localRecord = Buffer.concat([local, name, extra, data]);
    locals.push(localRecord);
    const centralRecord = Buffer.concat([central, name, extra]);
    for (let copy = 0; copy <= (spec.repeatEntries ?? 0); copy += 1) centrals.push(centralRecord);
    offset += localRecord.byteLength;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  const count = Math.min(spec.entryCount ?? centrals.length, 0xffff);
  end.writeUInt16LE(count, 8);
  end.writeUInt16LE(count, 10);
  end.writeUInt32LE((spec.centralDirectorySize ?? directory.byteLength) >>> 0, 12);
  end.writeUInt32LE((spec.centralDirectoryOffset ?? offset) >>> 0, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A few hundred bytes that inflate to `inflatedBytes` of zeros while both headers declare `declaredSize`. */
export function lyingSizeZip(name: string, inflatedBytes: number, declaredSize: number): Buffer {
  return zipBytes([{ name, content: Buffer.alloc(inflatedBytes), declaredSize, crc: 0 }]);
}
