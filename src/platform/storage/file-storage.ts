export interface StoredFile {
  readonly key: string;
  readonly byteSize: number;
  readonly sha256: string;
  /** The first bytes (≥ 4100, or the whole file when shorter), for content-type detection. */
  readonly head: Uint8Array;
}

export interface FileStorage {
  /** Streams to disk; over maxBytes → rejects with AppError('payload_too_large', sentence) and leaves no file. */
  write(
    source: NodeJS.ReadableStream | AsyncIterable<Uint8Array>,
    options: { readonly maxBytes: number },
  ): Promise<StoredFile>;
  read(key: string): NodeJS.ReadableStream;
  /** A local path, for parsers in worker threads. */
  localPath(key: string): string;
  /** A missing file is fine. */
  remove(key: string): Promise<void>;
  /** Whether the file of this key is there (a data directory restored without its files lacks it). */
  has(key: string): Promise<boolean>;
  /** The keys of the stored files written before `cutoff` (the maintenance sweep's candidates). */
  keysWrittenBefore(cutoff: Date): AsyncIterable<string>;
  /** Removes what unfinished writes left before `cutoff` (a process killed mid-upload); answers how many. */
  removeUnfinishedBefore(cutoff: Date): Promise<number>;
}
