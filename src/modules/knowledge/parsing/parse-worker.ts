/**
 * The parse worker's entry: parses (and, when asked, chunks) the file named in workerData, posts one
 * ParseOutcome, and ends.
 * A worker per parse keeps parsers' memory and any runaway loop out of the server's thread; the
 * parent bounds it (heap size, time, abort).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ParseFailure } from './parsers/parse-failure.js';
import { parseFile } from './parsers/parse-file.js';
import type { ParseOutcome, ParseRequest } from './parse-protocol.js';

const request = workerData as ParseRequest;
let outcome: ParseOutcome;
try {
  const document = await parseFile(request.filePath, request.type, request.maxUncompressedBytes);
  const chunks = request.chunkOptions
    ? (await import('./chunking/chunk-document.js')).chunkDocument(document, request.chunkOptions)
    : undefined;
  outcome = { ok: true, result: chunks ? { document, chunks } : { document } };
} catch (error) {
  outcome = {
    ok: false,
    reason: error instanceof ParseFailure ? error.message : 'The file could not be parsed (it may be damaged)',
  };
}
parentPort?.postMessage(outcome);
