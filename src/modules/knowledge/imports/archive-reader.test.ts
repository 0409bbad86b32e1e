import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../platform/errors.js';
import { openArchiveInWorker, type StartArchiveWorker } from './archive-reader.js';

const limits = { maxEntryBytes: 1024, maxTotalBytes: 4096 };

/**
 * Stand-ins for the archive worker, as a crafted zip could leave the real one: listing two entries,
 * then on the first pull dying, or throwing where nobody catches it, or running out of heap.
 */
function standIn(onPull: string): StartArchiveWorker {
  return (data, resourceLimits) =>
    new Worker(
      `const { parentPort } = require('node:worker_threads');
      parentPort.postMessage({ kind: 'listed', entries: [
        { path: 'a.txt', declaredBytes: 10 }, { path: 'b.txt', declaredBytes: 10 }] });
      parentPort.on('message', () => { ${onPull} });`,
      { eval: true, workerData: data, resourceLimits },
    );
}

async function drain(bytes: AsyncIterable<Buffer>): Promise<number> {
  let count = 0;
  for await (const chunk of bytes) count += chunk.byteLength;
  return count;
}

describe('the archive read in a worker thread', () => {
  const failures = [
    ['exits', 'process.exit(3)'],
    ['throws where nobody catches it', "setTimeout(() => { throw new Error('zlib blew up'); })"],
    ['stops answering', ''],
    ['runs out of heap', 'const kept = []; for (;;) kept.push(new Array(100000).fill(kept.length));'],
  ] as const;

  it.each(failures)(
    'fails the file being read, and every later file of the zip, when the thread %s',
    async (_, onPull) => {
      const archive = await openArchiveInWorker('unused.zip', 'crafted.zip', limits, {
        startWorker: standIn(onPull),
        answerTimeoutMs: 500,
      });
      expect(archive.entries.map((entry) => entry.path)).toEqual(['a.txt', 'b.txt']);
      const first = await drain(archive.entries[0]!.bytes()).catch((error: unknown) => error);
      expect(first).toBeInstanceOf(AppError);
      expect((first as AppError).message).toBe(
        'The file could not be read from the zip: its reader stopped (the zip may be crafted to exhaust memory); nothing of it was added',
      );
      await expect(drain(archive.entries[1]!.bytes())).rejects.toMatchObject({ code: 'unprocessable' });
      archive.close();
    },
  );

  it('refuses the whole zip, with its name, when the thread stops before listing it', async () => {
    const dies: StartArchiveWorker = (data) => new Worker('process.exit(1)', { eval: true, workerData: data });
    await expect(openArchiveInWorker('unused.zip', 'crafted.zip', limits, { startWorker: dies })).rejects.toMatchObject(
      {
        code: 'validation_failed',
        message: "'crafted.zip' is not a readable zip archive (its reader stopped; it may be crafted)",
      },
    );
  });
});
