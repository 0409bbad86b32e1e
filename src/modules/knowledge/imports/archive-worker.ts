/**
 * The archive worker's entry: reads one zip (its directory, then each entry's bytes on request) in a
 * thread of its own, so that whatever a crafted zip does to yauzl or zlib (an exception nobody catches,
 * memory past the thread's cap) ends this thread and fails the file being read, not the server.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AppError } from '../../../platform/errors.js';
import { openArchive, type ArchiveEntry } from './archive-entries.js';
import type { ArchiveCommand, ArchiveReport, ArchiveWorkerData } from './archive-protocol.js';

const { filePath, label, limits } = workerData as ArchiveWorkerData;
const post = (report: ArchiveReport, transfer: ArrayBuffer[] = []) => parentPort?.postMessage(report, transfer);

let entries: readonly ArchiveEntry[] = [];
let reading: { entryIndex: number; bytes: AsyncIterator<Buffer> } | undefined;

async function stopReading(): Promise<void> {
  const stopped = reading;
  reading = undefined;
  await stopped?.bytes.return?.();
}

async function pull(entryIndex: number): Promise<void> {
  if (reading?.entryIndex !== entryIndex) {
    await stopReading();
    const entry = entries[entryIndex];
    if (!entry) return post({ kind: 'entry-failed', entryIndex, message: 'The zip has no such entry' });
    reading = { entryIndex, bytes: entry.bytes()[Symbol.asyncIterator]() };
  }
  try {
    const next = await reading.bytes.next();
    if (next.done) {
      reading = undefined;
      return post({ kind: 'end', entryIndex });
    }
    // A copy of its own, handed over rather than copied again: zlib's buffers are not ours to give away.
    const bytes = new Uint8Array(next.value);
    post({ kind: 'chunk', entryIndex, bytes }, [bytes.buffer]);
  } catch (error) {
    reading = undefined;
    const message =
      error instanceof AppError
        ? error.message
        : 'The file could not be read from the zip (it may be damaged or crafted)';
    post({ kind: 'entry-failed', entryIndex, message });
  }
}

async function list(): Promise<void> {
  try {
    const archive = await openArchive(filePath, label, limits);
    entries = archive.entries;
    post({
      kind: 'listed',
      entries: entries.map(({ path, declaredBytes, refusal }) => ({ path, declaredBytes, refusal })),
    });
  } catch (error) {
    const isSaid =
      error instanceof AppError && (error.code === 'validation_failed' || error.code === 'payload_too_large');
    post({
      kind: 'refused',
      code: isSaid ? error.code : 'validation_failed',
      message: isSaid ? error.message : `'${label}' is not a readable zip archive (it may be damaged or crafted)`,
    });
  }
}

// Commands come one at a time: the server waits for each answer before it sends the next.
parentPort?.on('message', (command: ArchiveCommand) => {
  void (command.kind === 'pull' ? pull(command.entryIndex) : stopReading());
});
void list();
