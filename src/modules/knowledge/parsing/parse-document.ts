import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { AppError } from '../../../platform/errors.js';
import type { Chunk, ChunkOptions } from './chunking/chunk-document.js';
import type { ParseOutcome, ParseRequest, ParseResult } from './parse-protocol.js';
import type { DocumentType, ParsedDocument, ParseLimits } from './parsed-document.js';

// From dist/ the worker is a plain .js sibling. From TypeScript sources (vitest, tsx) it is a .ts file
// that Node cannot load by itself, and on Node 20 a worker's `--import tsx` does not reach its entry
// module: a tiny CommonJS bootstrap registers tsx inside the worker and imports the .ts entry through it.
const isTypeScriptSource = import.meta.url.endsWith('.ts');

function startWorker(request: ParseRequest, resourceLimits: ResourceLimits): Worker {
  const options = { workerData: request, resourceLimits, stdout: true, stderr: true } as const;
  if (!isTypeScriptSource) return new Worker(new URL('./parse-worker.js', import.meta.url), options);
  const entry = new URL('./parse-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxEsmApiUrl())}).then((tsx) => tsx.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(bootstrap, { ...options, eval: true });
}

/** tsx's ESM API as a file URL (an eval'd worker cannot resolve bare specifiers from here). */
function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url);
  const packageJsonPath = require.resolve('tsx/package.json');
  const { exports } = require(packageJsonPath) as { exports: Record<string, { import: { default: string } }> };
  const apiPath = exports['./esm/api']?.import.default ?? './dist/esm/api/index.mjs';
  return new URL(apiPath, pathToFileURL(packageJsonPath)).href;
}

/**
 * Parses a stored file in its own worker thread: the heap is capped at `maxMemoryMb`, the worker is
 * terminated after `timeoutMs` or when `signal` aborts. Every failure is an AppError('unprocessable')
 * whose message tells the uploader what to do; an abort rejects with the signal's reason.
 */
export async function parseDocument(
  filePath: string,
  type: DocumentType,
  limits: ParseLimits,
  signal?: AbortSignal,
): Promise<ParsedDocument> {
  const { document } = await runParseWorker(
    { filePath, type, maxUncompressedBytes: limits.maxUncompressedBytes },
    limits,
    signal,
  );
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
  const request = { filePath, type, maxUncompressedBytes: limits.maxUncompressedBytes, chunkOptions };
  const { document, chunks = [] } = await runParseWorker(request, limits, signal);
  return { document, chunks };
}

function runParseWorker(
  request: ParseRequest,
  limits: ParseLimits,
  signal: AbortSignal | undefined,
): Promise<ParseResult> {
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  const worker = startWorker(request, {
    maxOldGenerationSizeMb: limits.maxMemoryMb,
    // The young generation comes on top of the old one; keep it small so the cap means what it says.
    maxYoungGenerationSizeMb: Math.min(32, Math.max(4, Math.floor(limits.maxMemoryMb / 8))),
  });
  // pdf.js and mammoth print warnings about odd files (stdout/stderr are piped to us, then dropped):
  // they are not the server's log lines.
  worker.stdout.resume();
  worker.stderr.resume();
  return new Promise<ParseResult>((resolve, reject) => {
    let isSettled = false;
    const settle = (finish: () => void) => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      finish();
    };
    const timer = setTimeout(
      () =>
        settle(() =>
          reject(new AppError('unprocessable', `Parsing took longer than ${formatDuration(limits.timeoutMs)}`)),
        ),
      limits.timeoutMs,
    );
    const onAbort = () => settle(() => reject(abortReason(signal)));
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (outcome: ParseOutcome) =>
      settle(() => (outcome.ok ? resolve(outcome.result) : reject(new AppError('unprocessable', outcome.reason)))),
    );
    worker.once('error', (error: Error & { code?: string }) =>
      settle(() =>
        reject(
          error.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? new AppError(
                'unprocessable',
                `Parsing the file needed more than ${limits.maxMemoryMb} MB of memory; split it into smaller files`,
              )
            : new AppError('unprocessable', 'The file could not be parsed (it may be damaged)', {}, { cause: error }),
        ),
      ),
    );
    worker.once('exit', () =>
      settle(() => reject(new AppError('unprocessable', 'The file could not be parsed (the parser stopped early)'))),
    );
  });
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException('The parse was aborted', 'AbortError');
}

function formatDuration(milliseconds: number): string {
  if (milliseconds < 1000) return `${milliseconds} ms`;
  const seconds = milliseconds / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
