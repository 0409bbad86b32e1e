import { Writable } from 'node:stream';

export interface LogEntry {
  readonly level: number;
  readonly msg?: string;
  readonly reqId?: string;
  readonly [field: string]: unknown;
}

export interface LogCapture {
  /** Pass as buildTestApp's `logDestination`. */
  readonly destination: Writable;
  /** Every line written so far, as written. */
  text(): string;
  /** Every line written so far, parsed. */
  entries(): LogEntry[];
}

/** Collects the app's JSON log lines in memory, so a test can read what an operator would see. */
export function captureLogs(): LogCapture {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return {
    destination,
    text: () => lines.join('\n'),
    entries: () => lines.map((line) => JSON.parse(line) as LogEntry),
  };
}
