import type { ResourceLimits, Worker } from 'node:worker_threads';
import { AppError } from '../../../platform/errors.js';
import { startModuleWorker } from '../../../platform/module-worker.js';
import type { ArchiveEntry, ArchiveLimits } from './archive-entries.js';
import type { ArchiveCommand, ArchiveReport, ArchiveWorkerData } from './archive-protocol.js';

export type StartArchiveWorker = (data: ArchiveWorkerData, resourceLimits: ResourceLimits) => Worker;

/** A zip's directory of 10,000 entries, names capped, takes a few MB; inflating holds one chunk at a time. */
const archiveWorkerLimits: ResourceLimits = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 16 };

const startArchiveWorker: StartArchiveWorker = (data, resourceLimits) =>
  startModuleWorker(import.meta.url, 'archive-worker', { workerData: data, resourceLimits });

/**
 * Listing a directory of 10,000 entries or inflating one chunk takes milliseconds; a thread that answers
 * nothing for this long is stuck, and is ended like one that failed.
 */
const defaultAnswerTimeoutMs = 60_000;

const readerStopped = () =>
  new AppError(
    'unprocessable',
    'The file could not be read from the zip: its reader stopped (the zip may be crafted to exhaust memory); nothing of it was added',
  );

/**
 * openArchive (archive-entries.ts) in a worker thread of its own (archive-worker.ts): the same entries,
 * whose bytes come over from the thread a chunk at a time. When the thread fails (an exception in yauzl
 * or zlib, memory past its cap), the file being read fails with a sentence, and so does every later
 * file of the zip; the server goes on.
 */
export async function openArchiveInWorker(
  filePath: string,
  label: string,
  limits: ArchiveLimits,
  options: { startWorker?: StartArchiveWorker; answerTimeoutMs?: number } = {},
): Promise<{ entries: ArchiveEntry[]; close: () => void }> {
  const { startWorker = startArchiveWorker, answerTimeoutMs = defaultAnswerTimeoutMs } = options;
  const worker = startWorker({ filePath, label, limits }, archiveWorkerLimits);
  let isStopped = false;
  let waiting: { resolve: (report: ArchiveReport) => void; reject: (error: Error) => void } | undefined;
  const stop = () => {
    isStopped = true;
    waiting?.reject(readerStopped());
    waiting = undefined;
  };
  worker.on('message', (report: ArchiveReport) => {
    const answered = waiting;
    waiting = undefined;
    answered?.resolve(report);
  });
  // An error event nobody listened to would be an uncaught exception of the server; the exit follows.
  worker.on('error', stop);
  worker.on('exit', stop);

  const nextReport = (command?: ArchiveCommand) =>
    new Promise<ArchiveReport>((resolve, reject) => {
      if (isStopped) return reject(readerStopped());
      // Ending the thread rejects this answer through its exit.
      const timer = setTimeout(() => void worker.terminate(), answerTimeoutMs);
      const settle =
        <T>(finish: (value: T) => void) =>
        (value: T) => {
          clearTimeout(timer);
          finish(value);
        };
      waiting = { resolve: settle(resolve), reject: settle(reject) };
      if (command) worker.postMessage(command);
    });

  async function* bytesOf(entryIndex: number): AsyncGenerator<Buffer> {
    let isDone = false;
    try {
      for (;;) {
        const report = await nextReport({ kind: 'pull', entryIndex });
        if (report.kind === 'chunk')
          yield Buffer.from(report.bytes.buffer, report.bytes.byteOffset, report.bytes.byteLength);
        else if (report.kind === 'end') break;
        else if (report.kind === 'entry-failed') throw new AppError('unprocessable', report.message);
        else throw readerStopped();
      }
      isDone = true;
    } catch (error) {
      isDone = true;
      throw error;
    } finally {
      // The storage stopped reading early (its own limit, a disk error): the worker stops inflating.
      if (!isDone && !isStopped) worker.postMessage({ kind: 'abandon', entryIndex } satisfies ArchiveCommand);
    }
  }

  let listing: ArchiveReport;
  try {
    listing = await nextReport();
  } catch {
    void worker.terminate();
    throw new AppError(
      'validation_failed',
      `'${label}' is not a readable zip archive (its reader stopped; it may be crafted)`,
    );
  }
  if (listing.kind !== 'listed') {
    void worker.terminate();
    if (listing.kind === 'refused') throw new AppError(listing.code, listing.message);
    throw new AppError('validation_failed', `'${label}' is not a readable zip archive`);
  }
  const entries = listing.entries.map((entry, entryIndex) => ({
    ...entry,
    bytes: () => bytesOf(entryIndex),
  }));
  return { entries, close: () => void worker.terminate() };
}
