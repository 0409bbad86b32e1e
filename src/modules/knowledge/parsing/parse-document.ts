import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { Chunk, ChunkOptions } from './chunking/chunk-document.js';
import type { ParseRequest } from './parse-protocol.js';
import { createParseWorkerPool } from './parse-worker-pool.js';
import type { DocumentType, ParsedDocument, ParseLimits } from './parsed-document.js';

// From dist/ the worker is a plain .js sibling. From TypeScript sources (vitest, tsx) it is a .ts file
// that Node cannot load by itself, and on Node 20 a worker's `--import tsx` does not reach its entry
// module: a tiny CommonJS bootstrap registers tsx inside the worker and imports the .ts entry through it.
const isTypeScriptSource = import.meta.url.endsWith('.ts');

function startWorker(resourceLimits: ResourceLimits): Worker {
  const options = { resourceLimits, stdout: true, stderr: true } as const;
  if (!isTypeScriptSource) return new Worker(new URL('./parse-worker.js', import.meta.url), options);
  const entry = new URL('./parse-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxEsmApiUrl())}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** Two warm workers cover the ingestion job's two slots; a server at rest holds none after 30 s. */
const workers = createParseWorkerPool(startWorker, { maxIdleWorkers: 2, idleMs: 30_000, maxParsesPerWorker: 200 });

/** tsx's ESM API as a file URL (an eval'd worker cannot resolve bare specifiers from here). */
function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url);
  const packageJsonPath = require.resolve('tsx/package.json');
  const { exports } = require(packageJsonPath) as { exports: Record<string, { import: { default: string } }> };
  const apiPath = exports['./esm/api']?.import.default ?? './dist/esm/api/index.mjs';
  return new URL(apiPath, pathToFileURL(packageJsonPath)).href;
}

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
