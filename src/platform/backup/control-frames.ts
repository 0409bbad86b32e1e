/**
 * What the server answers on its control socket (control-socket.ts): frames of a kind byte, a 4-byte
 * length and that many bytes. A backup is its data frames, then one `done` frame (the manifest) or one
 * `error` frame (a sentence for the operator), so a backup cut short is never taken for a whole one.
 */
export type FrameKind = 'data' | 'done' | 'error';

const kindBytes: Record<FrameKind, number> = { data: 0x44, done: 0x4b, error: 0x45 };
const headerBytes = 5;
/** The largest frame a reader accepts: a data frame is one gzip chunk (16 KB), the others a few KB. */
const largestFrameBytes = 16 * 1024 * 1024;

export interface Frame {
  readonly kind: FrameKind;
  readonly payload: Buffer;
}

export function encodeFrame(kind: FrameKind, payload: Uint8Array | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(headerBytes);
  header.writeUInt8(kindBytes[kind], 0);
  header.writeUInt32BE(body.byteLength, 1);
  return Buffer.concat([header, body]);
}

/** Splits the bytes of a connection into frames, whatever the chunks they arrive in. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  /** The frames completed by this chunk; throws on bytes that are no frame. */
  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.byteLength === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    while (this.pending.byteLength >= headerBytes) {
      const kind = kindOf(this.pending.readUInt8(0));
      const length = this.pending.readUInt32BE(1);
      if (!kind || length > largestFrameBytes)
        throw new Error('the control socket answered something that is not a frame');
      if (this.pending.byteLength < headerBytes + length) break;
      frames.push({ kind, payload: this.pending.subarray(headerBytes, headerBytes + length) });
      this.pending = this.pending.subarray(headerBytes + length);
    }
    return frames;
  }

  /** Whether bytes of an unfinished frame are waiting. */
  get hasPartialFrame(): boolean {
    return this.pending.byteLength > 0;
  }
}

function kindOf(byte: number): FrameKind | undefined {
  return (Object.keys(kindBytes) as FrameKind[]).find((kind) => kindBytes[kind] === byte);
}
