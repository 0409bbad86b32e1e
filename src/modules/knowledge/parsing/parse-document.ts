import type { ResourceLimits, Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../../platform/module-worker.js';
import type { Chunk, ChunkOptions } from './chunking/chunk-document.js';
import type { ParseRequest } from './parse-protocol.js';
import { createParseWorkerPool } from './parse-worker-pool.js';
import type { DocumentType, ParsedDocument, ParseLimits } from './parsed-document.js';

function startWorker(resourceLimits: ResourceLimits): Worker {
  return startModuleWorker(import.meta.url, 'parse-worker', { resourceLimits });
}

/** Two warm workers cover the ingestion job's two slots; a server at rest holds none after 30 s. */
const workers = createParseWorkerPool(startWorker, { maxIdleWorkers: 2, idleMs: 30_000, maxParsesPerWorker: 200 });

/**
 * Parses a stored file in a worker thread (reused while it behaves): the heap is capped at `maxMemoryMb`,
 * the worker is terminated after `timeoutMs` or when `signal` aborts. Every failure is an AppError('unprocessable')
 * whose message tells the uploader what to do; an abort rejects with the signal's reason.
 */
export async function parseDocument(
  filePath: string,
  type: DocumentType,
  limits: ParseLimits,
  signal?: AbortSignal,
): Promise<ParsedDocument> {
  const { document } = await workers.run(parseRequest(filePath, type, limits), limits, signal);
  return document;
}

/**
 * parseDocument, then chunkDocument in the same worker, under the same bounds: chunking is CPU work
 * too (about 0.3 s per MB of text), which an ingestion job should not do on the server's event loop.
 */
export async function parseAndChunkDocument(
  filePath: string,
  type: DocumentType,
  limits: ParseLimits,
  chunkOptions: ChunkOptions,
  signal?: AbortSignal,
): Promise<{ readonly document: ParsedDocument; readonly chunks: Chunk[] }> {
  const request = { ...parseRequest(filePath, type, limits), chunkOptions };
  const { document, chunks = [] } = await workers.run(request, limits, signal);
  return { document, chunks };
}

/** What the worker needs of the limits; time and memory are the pool's to enforce. */
function parseRequest(filePath: string, type: DocumentType, limits: ParseLimits): ParseRequest {
  return { filePath, type, maxUncompressedBytes: limits.maxUncompressedBytes, maxCharacters: limits.maxCharacters };
}
