import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { isKeptInCopy } from '../db/pglite-thread/data-dir-copy.js';
import { readTar } from './tar-reader.js';
import { tarChunks, type TarEntry } from './tar-writer.js';

const longFolder = `${'deep/'.repeat(30)}end`;
const entries: TarEntry[] = [
  { path: 'pglite', type: 'directory', size: 0, mode: 0o700, modifiedAtSeconds: 1_700_000_000 },
  {
    path: 'pglite/PG_VERSION',
    type: 'file',
    size: 3,
    mode: 0o600,
    modifiedAtSeconds: 1_700_000_000,
    body: Buffer.from('17\n'),
  },
  // Past ustar's 100-byte name: split into its prefix; past both, a pax record.
  {
    path: `files/${'x'.repeat(120)}`,
    type: 'file',
    size: 0,
    mode: 0o600,
    modifiedAtSeconds: 0,
    body: new Uint8Array(),
  },
  {
    path: `${longFolder}/ünïcode.txt`,
    type: 'file',
    size: 1000,
    mode: 0o600,
    modifiedAtSeconds: 0,
    body: async function* () {
      yield new Uint8Array(600).fill(1);
      yield new Uint8Array(400).fill(2);
    },
  },
];

async function archiveOf(items: TarEntry[]): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of tarChunks(items)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** The archive's bytes in pieces of `size`, as a stream hands them over. */
function* piecesOf(bytes: Buffer, size: number): Generator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

async function readAll(source: Iterable<Uint8Array>) {
  const read: { path: string; type: string; body: Buffer }[] = [];
  for await (const entry of readTar(source, 'The archive')) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of entry.body) chunks.push(chunk);
    read.push({ path: entry.path, type: entry.type, body: Buffer.concat(chunks) });
  }
  return read;
}

describe('backup archives (tar)', () => {
  it('reads back what it wrote, in pieces of any size, with long and non-ASCII paths', async () => {
    const archive = await archiveOf(entries);
    expect(archive.length % 512).toBe(0);
    for (const size of [1, 511, 4096, archive.length]) {
      const read = await readAll(piecesOf(archive, size));
      expect(read.map((entry) => entry.path)).toEqual(entries.map((entry) => entry.path));
      expect(read[1]!.body.toString()).toBe('17\n');
      expect(read[3]!.body).toEqual(Buffer.concat([Buffer.alloc(600, 1), Buffer.alloc(400, 2)]));
    }
  });

  it('writes archives GNU tar unpacks, and reads those GNU tar writes', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'parley-tar-'));
    const file = path.join(folder, 'ours.tar');
    writeFileSync(file, await archiveOf(entries));
    mkdirSync(path.join(folder, 'out'));
    execFileSync('tar', ['-xf', file, '-C', path.join(folder, 'out')]);
    expect(readFileSync(path.join(folder, 'out', longFolder, 'ünïcode.txt')).length).toBe(1000);

    const theirs = path.join(folder, 'theirs.tar');
    execFileSync('tar', ['-cf', theirs, '-C', path.join(folder, 'out'), '.']);
    const read = await readAll([readFileSync(theirs)]);
    expect(read.find((entry) => entry.path.endsWith('ünïcode.txt'))?.body.length).toBe(1000);
  });

  it('refuses an archive cut short, a damaged header, and a link', async () => {
    const archive = await archiveOf(entries);
    await expect(readAll([archive.subarray(0, 1200)])).rejects.toThrow(
      /The archive cannot be restored: it is cut short/,
    );
    const damaged = Buffer.from(archive);
    damaged[600] = damaged[600]! ^ 0xff;
    await expect(readAll([damaged])).rejects.toThrow(AppError);
    const withLink = Buffer.from(archive.subarray(0, 512));
    withLink[156] = '2'.charCodeAt(0);
    // The checksum is over the type too: recomputed, the header is a valid symbolic link.
    withLink.fill(0x20, 148, 156);
    const sum = withLink.reduce((total, byte) => total + byte, 0);
    withLink.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    await expect(readAll([withLink, Buffer.alloc(1024)])).rejects.toThrow(/neither a file nor a directory/);
  });

  it("keeps in a database's copy only the WAL segments from the redo point to the insert position", () => {
    const wal = { redoSegment: '000000010000000000000007', insertSegment: '000000010000000000000008' };
    expect(isKeptInCopy('pg_wal/000000010000000000000006', wal)).toBe(false);
    expect(isKeptInCopy('pg_wal/000000010000000000000007', wal)).toBe(true);
    expect(isKeptInCopy('pg_wal/000000010000000000000008', wal)).toBe(true);
    expect(isKeptInCopy('pg_wal/000000010000000000000009', wal)).toBe(false);
    expect(isKeptInCopy('pg_wal/archive_status', wal)).toBe(true);
    expect(isKeptInCopy('base/1/1247', wal)).toBe(true);
    expect(isKeptInCopy('postmaster.pid', wal)).toBe(false);
  });
});
