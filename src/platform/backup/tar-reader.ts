import { AppError } from '../errors.js';
import { blockBytes, decodeHeader, decodePaxRecords, type ReadHeader, type TarHeader } from './tar-format.js';

export interface TarReadEntry extends TarHeader {
  /** The entry's bytes as they arrive; read it before asking for the next entry, or it is skipped. */
  readonly body: AsyncIterable<Uint8Array>;
}

/**
 * Reads a tar archive from a stream of bytes, one entry at a time, never holding more than a chunk of a
 * file. Pax and GNU long names are applied to the entry they precede. `name` says what is read, for the
 * refusals (`The backup /x.tgz cannot be restored: it is cut short …`); a link or a device entry is refused: a backup holds
 * neither, and a link could point outside the directory it is unpacked into.
 */
export async function* readTar(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  name: string,
): AsyncGenerator<TarReadEntry> {
  const bytes = new ByteQueue(
    (async function* () {
      yield* source;
    })(),
  );
  let overrides = new Map<string, string>();
  for (;;) {
    const block = await bytes.take(blockBytes);
    if (!block) throw damaged(name, 'it is cut short (it ends before the end of its archive)');
    let header: ReadHeader | undefined;
    try {
      header = decodeHeader(block);
    } catch (error) {
      throw damaged(name, `it is not a tar archive, or is damaged: ${(error as Error).message}`);
    }
    if (!header) return;
    const size = Number(overrides.get('size') ?? header.size);
    if (!Number.isSafeInteger(size) || size < 0) throw damaged(name, `it gives '${header.path}' a size of ${size}`);
    if (header.type === 'pax' || header.type === 'gnu-long-name' || header.type === 'pax-global') {
      const body = await bytes.take(size + padded(size));
      if (!body) throw damaged(name, 'it is cut short');
      const records =
        header.type === 'gnu-long-name' ? longName(body.subarray(0, size)) : decodePaxRecords(body.subarray(0, size));
      // A global header's records would apply to every later entry; a backup never writes one.
      if (header.type !== 'pax-global') overrides = new Map([...overrides, ...records]);
      continue;
    }
    if (header.type === 'other') {
      throw damaged(
        name,
        `it holds '${header.path}' of tar type '${header.typeFlag}', which is neither a file nor a directory`,
      );
    }
    const path = (overrides.get('path') ?? header.path).replace(/\/+$/, '');
    overrides = new Map();
    let remaining = header.type === 'file' ? size : 0;
    const body = (async function* () {
      while (remaining > 0) {
        const chunk = await bytes.takeUpTo(remaining);
        if (!chunk) throw damaged(name, `it is cut short (in '${path}')`);
        remaining -= chunk.byteLength;
        yield chunk;
      }
    })();
    yield {
      path,
      type: header.type,
      size: header.type === 'file' ? size : 0,
      mode: header.mode,
      modifiedAtSeconds: header.modifiedAtSeconds,
      body,
    };
    // What the reader left unread is skipped, then the padding to the next header.
    while (remaining > 0) {
      const chunk = await bytes.takeUpTo(remaining);
      if (!chunk) throw damaged(name, `it is cut short (in '${path}')`);
      remaining -= chunk.byteLength;
    }
    if (header.type === 'file' && !(await bytes.take(padded(size)))) throw damaged(name, 'it is cut short');
  }
}

function padded(size: number): number {
  return (blockBytes - (size % blockBytes)) % blockBytes;
}

function longName(body: Uint8Array): Map<string, string> {
  const text = new TextDecoder().decode(body);
  return new Map([['path', text.replace(/\0+$/, '')]]);
}

function damaged(name: string, reason: string): AppError {
  return new AppError('unprocessable', `${name} cannot be restored: ${reason}`);
}

/** Bytes from an iterator of chunks, taken by exact counts (headers) or as they come (bodies). */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private isDone = false;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  /** Exactly `count` bytes, or `undefined` when the source ends first. */
  async take(count: number): Promise<Uint8Array | undefined> {
    if (count === 0) return new Uint8Array(0);
    while (this.buffered < count && (await this.pull()));
    if (this.buffered < count) return undefined;
    const taken = new Uint8Array(count);
    let filled = 0;
    while (filled < count) filled += this.copyFromFirst(taken, filled, count - filled);
    return taken;
  }

  /** Between 1 and `limit` bytes, as they arrived, or `undefined` when the source has ended. */
  async takeUpTo(limit: number): Promise<Uint8Array | undefined> {
    while (this.buffered === 0) if (!(await this.pull())) return undefined;
    const first = this.chunks[0]!;
    if (first.byteLength <= limit) {
      this.chunks.shift();
      this.buffered -= first.byteLength;
      return first;
    }
    this.chunks[0] = first.subarray(limit);
    this.buffered -= limit;
    return first.subarray(0, limit);
  }

  private copyFromFirst(target: Uint8Array, at: number, wanted: number): number {
    const first = this.chunks[0]!;
    const count = Math.min(wanted, first.byteLength);
    target.set(first.subarray(0, count), at);
    if (count === first.byteLength) this.chunks.shift();
    else this.chunks[0] = first.subarray(count);
    this.buffered -= count;
    return count;
  }

  private async pull(): Promise<boolean> {
    if (this.isDone) return false;
    const next = await this.source.next();
    if (next.done) {
      this.isDone = true;
      return false;
    }
    if (next.value.byteLength > 0) {
      this.chunks.push(next.value);
      this.buffered += next.value.byteLength;
    }
    return true;
  }
}
