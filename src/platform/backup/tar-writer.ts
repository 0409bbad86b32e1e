import { AppError } from '../errors.js';
import { encodeHeader, endOfArchive, padding, type TarHeader } from './tar-format.js';

export interface TarEntry extends TarHeader {
  /** A file's bytes, exactly `size` of them; a directory has none. */
  readonly body?: Uint8Array | AsyncIterable<Uint8Array> | (() => AsyncIterable<Uint8Array> | Iterable<Uint8Array>);
}

/**
 * A tar archive of `entries`, as the byte chunks to write, one entry at a time: a file's body is read only
 * when its turn comes, so an archive of many large files never holds more than a chunk of one. Small
 * pieces (headers, paddings, small files) are handed on together, `batchBytes` or more at once: each
 * chunk costs whoever consumes it a turn (zlib's, in the thread pool), three per small file otherwise.
 */
export async function* tarChunks(
  entries: AsyncIterable<TarEntry> | Iterable<TarEntry>,
  batchBytes = 256 * 1024,
): AsyncGenerator<Uint8Array> {
  let batch: Uint8Array[] = [];
  let batched = 0;
  for await (const piece of tarPieces(entries)) {
    batch.push(piece);
    batched += piece.byteLength;
    if (batched < batchBytes) continue;
    yield batch.length === 1 ? piece : Buffer.concat(batch);
    batch = [];
    batched = 0;
  }
  if (batch.length > 0) yield Buffer.concat(batch);
}

async function* tarPieces(entries: AsyncIterable<TarEntry> | Iterable<TarEntry>): AsyncGenerator<Uint8Array> {
  for await (const entry of entries) {
    yield* encodeHeader(entry);
    if (entry.type === 'directory') continue;
    let written = 0;
    for await (const chunk of bodyOf(entry)) {
      written += chunk.byteLength;
      // A header announces the size: a file that grew or shrank while read would corrupt every entry after it.
      if (written > entry.size) break;
      yield chunk;
    }
    if (written !== entry.size) {
      throw new AppError('internal', `The file ${entry.path} changed size while it was being archived`);
    }
    yield padding(entry.size);
  }
  yield endOfArchive;
}

function bodyOf(entry: TarEntry): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  const body = entry.body;
  if (body === undefined) return [];
  if (body instanceof Uint8Array) return [body];
  return typeof body === 'function' ? body() : body;
}
