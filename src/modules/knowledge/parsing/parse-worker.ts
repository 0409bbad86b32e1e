/**
 * The parse worker's entry: for each task the pool posts, parses (and, when asked, chunks) the file it
 * names and posts one ParseOutcome back. A worker keeps parsers' memory and any runaway loop out of the
 * server's thread; the pool bounds it (heap size, time, abort) and reuses it while it behaves.
 */
import { parentPort } from 'node:worker_threads';
import { ParseFailure } from './parsers/parse-failure.js';
import { parseFile } from './parsers/parse-file.js';
import type { ParseOutcome, ParseRequest, ParseTask, ParseTaskOutcome } from './parse-protocol.js';

async function parse(request: ParseRequest): Promise<ParseOutcome> {
  try {
    const document = await parseFile(request.filePath, request.type, request);
    const chunks = request.chunkOptions
      ? (await import('./chunking/chunk-document.js')).chunkDocument(document, request.chunkOptions)
      : undefined;
    return { ok: true, result: chunks ? { document, chunks } : { document } };
  } catch (error) {
    return {
      ok: false,
      reason: error instanceof ParseFailure ? error.message : 'The file could not be parsed (it may be damaged)',
    };
  }
}

// pdf.js and mammoth print warnings about odd files, which are not our log lines: dropped here, in the
// thread, rather than piped out (parse-worker-pool.ts says why not).
for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) console[method] = () => {};
process.stdout.write = () => true;
process.stderr.write = () => true;

// One task at a time: the pool posts the next only after this one's answer.
parentPort?.on('message', (task: ParseTask) => {
  void parse(task.request).then((outcome) =>
    parentPort?.postMessage({ id: task.id, outcome } satisfies ParseTaskOutcome),
  );
});
