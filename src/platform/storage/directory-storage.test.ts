import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { createDirectoryStorage, storedHeadBytes } from './directory-storage.js';
import type { FileStorage } from './file-storage.js';

let root: string;
let storage: FileStorage;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'parley-storage-'));
  storage = createDirectoryStorage(root);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function* chunksOf(bytes: Uint8Array, chunkSize: number): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += chunkSize) yield bytes.subarray(offset, offset + chunkSize);
}

async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

describe('directory file storage', () => {
  it('stores a stream and reads the same bytes back, with their size and SHA-256', async () => {
    const bytes = randomBytes(100_000);
    const stored = await storage.write(Readable.from(chunksOf(bytes, 7_000)), { maxBytes: 1_000_000 });

    expect(stored.byteSize).toBe(100_000);
    expect(stored.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(Buffer.compare(await readFile(storage.localPath(stored.key)), bytes)).toBe(0);
    const chunks: Buffer[] = [];
    for await (const chunk of storage.read(stored.key)) chunks.push(chunk as Buffer);
    expect(Buffer.compare(Buffer.concat(chunks), bytes)).toBe(0);
  });

  it('accepts a plain async iterable and keeps the first bytes as the head', async () => {
    const bytes = randomBytes(storedHeadBytes * 3);
    const stored = await storage.write(chunksOf(bytes, 1_000), { maxBytes: bytes.byteLength });

    expect(stored.head.byteLength).toBe(storedHeadBytes);
    expect(storedHeadBytes).toBeGreaterThanOrEqual(4100);
    expect(Buffer.compare(Buffer.from(stored.head), bytes.subarray(0, storedHeadBytes))).toBe(0);
  });

  it('keeps the whole file as the head when it is shorter than the head', async () => {
    const stored = await storage.write(Readable.from([Buffer.from('%PDF-1.7 tiny')]), { maxBytes: 1024 });

    expect(Buffer.from(stored.head).toString()).toBe('%PDF-1.7 tiny');
    expect(await text(storage.read(stored.key))).toBe('%PDF-1.7 tiny');
  });

  it('refuses a file over the limit with payload_too_large and leaves no file behind', async () => {
    const write = storage.write(chunksOf(randomBytes(50_000), 4_096), { maxBytes: 10_000 });

    await expect(write).rejects.toMatchObject({ code: 'payload_too_large', status: 413 });
    await expect(write).rejects.toThrow(/larger than the 9\.7 KB allowed/);
    expect(await filesUnder(root)).toEqual([]);
  });

  it('accepts a file of exactly the limit', async () => {
    const stored = await storage.write(chunksOf(randomBytes(10_000), 4_096), { maxBytes: 10_000 });
    expect(stored.byteSize).toBe(10_000);
  });

  it('leaves no file when the source fails part way', async () => {
    async function* failing(): AsyncIterable<Uint8Array> {
      yield randomBytes(1_000);
      throw new Error('client went away');
    }
    await expect(storage.write(failing(), { maxBytes: 10_000 })).rejects.toThrow('client went away');
    expect(await filesUnder(root)).toEqual([]);
  });

  it('gives every file its own generated key under the root', async () => {
    const first = await storage.write(chunksOf(Buffer.from('same'), 4), { maxBytes: 100 });
    const second = await storage.write(chunksOf(Buffer.from('same'), 4), { maxBytes: 100 });

    expect(first.key).not.toBe(second.key);
    expect(storage.localPath(first.key).startsWith(root + path.sep)).toBe(true);
  });

  it('removes a file, and removing a missing file is fine', async () => {
    const stored = await storage.write(chunksOf(Buffer.from('bye'), 3), { maxBytes: 100 });

    await storage.remove(stored.key);
    expect(existsSync(storage.localPath(stored.key))).toBe(false);
    await expect(storage.remove(stored.key)).resolves.toBeUndefined();
  });

  it('reports a missing file as not_found on the read stream', async () => {
    const stored = await storage.write(chunksOf(Buffer.from('gone'), 4), { maxBytes: 100 });
    await storage.remove(stored.key);

    await expect(text(storage.read(stored.key))).rejects.toMatchObject({ code: 'not_found' });
  });

  it('never turns a key that is not one of ours into a path', () => {
    expect(() => storage.localPath('../../etc/passwd')).toThrow(AppError);
  });
});
