import { regularFileMode, symlinkMode, zipBytes, type ZipEntrySpec, type ZipSpec } from './zip-bytes.js';

/** mulberry32: a small seeded PRNG, so a failing case is found again from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const below = (random: Random, bound: number) => Math.floor(random() * bound);
const chance = (random: Random, probability: number) => random() < probability;
const pick = <T>(random: Random, items: readonly T[]): T => items[below(random, items.length)]!;

const words = ['alpha', 'policy', 'leave', 'install', 'pangolin', 'ledger', 'über', '设置', 'naïve'];
const fileModes = [0o120000, 0o040000, 0o010000, 0o020000, 0o060000, 0o140000, 0o170000, 0o100000, 0];
const zeroRuns = [1, 100, 5_000, 70_000, 300_000, 2 * 1024 * 1024].map((size) => Buffer.alloc(size));
const extraHeaderIds = [0x0001, 0x000a, 0x5455, 0x7875, 0x9901, 0xffff];

function randomBytes(random: Random, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let index = 0; index < length; index += 1) bytes[index] = below(random, 256);
  return bytes;
}

function content(random: Random, depth: number): Buffer {
  switch (below(random, 6)) {
    case 0:
      return Buffer.from(Array.from({ length: 1 + below(random, 200) }, () => pick(random, words)).join(' '));
    case 1:
      // Zeros compress a thousandfold: the stuff of bombs. The same few buffers each time, so that
      // zipBytes deflates each once.
      return pick(random, zeroRuns);
    case 2:
      return Buffer.from(randomBytes(random, below(random, 4_000)));
    case 3:
      return depth < 2 ? fuzzZip(random, depth + 1) : Buffer.from('# Deep\n\nA zip three deep.');
    case 4:
      return Buffer.alloc(0);
    default:
      return Buffer.from('%PDF-1.7\n' + 'x'.repeat(below(random, 500)));
  }
}

/** A zip64 or other extra field whose sizes and lengths may say anything. */
function extraField(random: Random): Buffer {
  const body = Buffer.from(Array.from({ length: pick(random, [0, 4, 8, 16, 24, 28, below(random, 40)]) }, () => 0));
  for (let offset = 0; offset + 8 <= body.length; offset += 8) {
    body.writeBigUInt64LE(pick(random, [0n, 1n, 0xffffffffn, 0xffffffffffffffffn, BigInt(below(random, 1e9))]), offset);
  }
  const header = Buffer.alloc(4);
  header.writeUInt16LE(pick(random, extraHeaderIds), 0);
  header.writeUInt16LE(chance(random, 0.8) ? body.length : below(random, 0xffff), 2);
  return Buffer.concat([header, body]);
}

function fuzzEntry(random: Random, depth: number, index: number): ZipEntrySpec {
  const bytes = content(random, depth);
  const names = [
    `file-${index}.txt`,
    `dir/file-${index}.md`,
    `../up-${index}.txt`,
    `/abs-${index}`,
    `a\\b-${index}.txt`,
  ];
  const entry: { -readonly [K in keyof ZipEntrySpec]: ZipEntrySpec[K] } = {
    name: chance(random, 0.85) ? names[0]! : pick(random, names),
    content: bytes,
  };
  if (chance(random, 0.15)) entry.declaredSize = below(random, bytes.length + 1);
  if (chance(random, 0.1)) entry.declaredSize = bytes.length + 1 + below(random, 100_000);
  if (chance(random, 0.05)) entry.declaredSize = 0xffffffff;
  if (chance(random, 0.1)) entry.localDeclaredSize = below(random, 1_000_000);
  if (chance(random, 0.1)) entry.declaredCompressedSize = below(random, 1_000_000);
  if (chance(random, 0.1)) entry.crc = below(random, 0xffffffff);
  if (chance(random, 0.1)) entry.flags = below(random, 0xffff);
  if (chance(random, 0.1)) entry.method = pick(random, [0, 1, 6, 8, 9, 12, 14, 99, 0xffff]);
  if (chance(random, 0.15)) entry.externalAttributes = (pick(random, fileModes) | 0o644) << 16;
  if (chance(random, 0.05)) entry.externalAttributes = symlinkMode;
  if (chance(random, 0.1)) entry.versionMadeBy = below(random, 0xffff);
  if (chance(random, 0.05)) entry.localHeaderOffset = below(random, 0xffffffff);
  if (chance(random, 0.1)) entry.extra = extraField(random);
  if (chance(random, 0.05)) entry.data = randomBytes(random, below(random, 300));
  if (entry.externalAttributes === undefined && chance(random, 0.5)) entry.externalAttributes = regularFileMode;
  return entry;
}

/** A zip that is well formed or broken in one or more of the ways an attacker (or a bad disk) breaks them. */
export function fuzzZip(random: Random, depth = 0): Buffer {
  const entries = Array.from({ length: 1 + below(random, chance(random, 0.03) ? 200 : 4) }, (_, index) =>
    fuzzEntry(random, depth, index),
  );
  const spec: { -readonly [K in keyof ZipSpec]: ZipSpec[K] } = {};
  if (chance(random, 0.05)) spec.entryCount = pick(random, [0, 0xffff, below(random, 20_000)]);
  if (chance(random, 0.05)) spec.centralDirectoryOffset = below(random, 0xffffffff);
  if (chance(random, 0.05)) spec.centralDirectorySize = below(random, 100_000);
  if (chance(random, 0.05)) spec.repeatEntries = 1 + below(random, 50);
  let zip = zipBytes(entries, spec);
  if (chance(random, 0.1)) zip = zip.subarray(0, below(random, zip.length));
  if (chance(random, 0.1)) {
    zip = Buffer.from(zip);
    for (let flips = 1 + below(random, 8); flips > 0 && zip.length > 0; flips -= 1) {
      zip[below(random, zip.length)] = below(random, 256);
    }
  }
  return zip;
}
