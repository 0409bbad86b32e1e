import type { ResourceLimits, Worker } from 'node:worker_threads';
import { AppError } from '../../../platform/errors.js';
import type { ParseOutcome, ParseRequest, ParseResult, ParseTask, ParseTaskOutcome } from './parse-protocol.js';
import type { ParseLimits } from './parsed-document.js';

export interface ParseWorkerPoolOptions {
  /** Workers kept warm between parses (per memory cap). */
  readonly maxIdleWorkers: number;
  /** An idle worker ends after this long, so a server at rest holds no parser. */
  readonly idleMs: number;
  /** A worker ends after this many parses, so whatever a parser leaks cannot pile up. */
  readonly maxParsesPerWorker: number;
}

interface PooledWorker {
  readonly worker: Worker;
  readonly key: string;
  parses: number;
  idleTimer?: NodeJS.Timeout;
}

/**
 * Parse worker threads, reused. Starting a worker and loading the tokenizer the chunker counts with
 * takes ~0.3 s of CPU, far more than parsing and chunking a page of text, so a knowledge base of many
 * short documents was indexed at ~3 documents/s on two cores. A worker is still the bound around every
 * parse: its heap is capped, and on a timeout, an abort, running out of memory or dying it is
 * terminated and never reused. Only a worker that answered goes back to the pool.
 */
export function createParseWorkerPool(
  startWorker: (resourceLimits: ResourceLimits) => Worker,
  options: ParseWorkerPoolOptions,
) {
  const idle = new Map<string, PooledWorker[]>();
  let nextTaskId = 0;

  const forget = (pooled: PooledWorker): void => {
    clearTimeout(pooled.idleTimer);
    idle.set(
      pooled.key,
      (idle.get(pooled.key) ?? []).filter((candidate) => candidate !== pooled),
    );
  };

  const resourceLimitsFor = (limits: ParseLimits): ResourceLimits => ({
    maxOldGenerationSizeMb: limits.maxMemoryMb,
    // The young generation comes on top of the old one; keep it small so the cap means what it says.
    maxYoungGenerationSizeMb: Math.min(32, Math.max(4, Math.floor(limits.maxMemoryMb / 8))),
  });

  function take(limits: ParseLimits): PooledWorker {
    const key = String(limits.maxMemoryMb);
    const waiting = idle.get(key)?.pop();
    if (waiting) {
      clearTimeout(waiting.idleTimer);
      return waiting;
    }
    const worker = startWorker(resourceLimitsFor(limits));
    // A waiting worker must not keep the process alive; a running parse holds its own timer. (Reading a
    // worker's piped stdout would: a waiting read holds the process open, so `parley import` lingered
    // until the idle worker ended. The worker drops parsers' chatter itself: parse-worker.ts.)
    worker.unref();
    const pooled: PooledWorker = { worker, key, parses: 0 };
    // A worker that ends while waiting (its idle time is up, or it died) is never handed out.
    worker.once('exit', () => forget(pooled));
    // A worker can fail with no parse to tell: while it waits, or after its parse was ended (the memory
    // watch or the clock ends a parse, then the thread runs out of heap before it is gone). Node makes an
    // error event nobody listens to an uncaught exception, which would end the server; the exit that
    // follows has already been seen to.
    worker.on('error', () => {});
    return pooled;
  }

  function giveBack(pooled: PooledWorker): void {
    pooled.parses += 1;
    const waiting = idle.get(pooled.key) ?? [];
    if (pooled.parses >= options.maxParsesPerWorker || waiting.length >= options.maxIdleWorkers) {
      void pooled.worker.terminate();
      return;
    }
    pooled.idleTimer = setTimeout(() => {
      forget(pooled);
      void pooled.worker.terminate();
    }, options.idleMs);
    pooled.idleTimer.unref();
    idle.set(pooled.key, [...waiting, pooled]);
  }

  return {
    /** Runs one parse request; every failure is an AppError('unprocessable'), an abort the signal's reason. */
    run(request: ParseRequest, limits: ParseLimits, signal: AbortSignal | undefined): Promise<ParseResult> {
      if (signal?.aborted) return Promise.reject(abortReason(signal));
      const pooled = take(limits);
      const { worker } = pooled;
      const taskId = ++nextTaskId;
      return new Promise<ParseResult>((resolve, reject) => {
        let isSettled = false;
        const settle = (isReusable: boolean, finish: () => void) => {
          if (isSettled) return;
          isSettled = true;
          clearTimeout(timer);
          clearInterval(memoryWatch);
          signal?.removeEventListener('abort', onAbort);
          worker.off('message', onMessage).off('error', onError).off('exit', onExit);
          if (isReusable) giveBack(pooled);
          else void worker.terminate();
          finish();
        };
        const timer = setTimeout(
          () =>
            settle(false, () =>
              reject(new AppError('unprocessable', `Parsing took longer than ${formatDuration(limits.timeoutMs)}`)),
            ),
          limits.timeoutMs,
        );
        // The heap cap does not count array buffers, where pdf.js inflates a PDF's streams: the process's
        // own memory is watched while the parse runs, and a parse that grows it past twice the cap (its
        // heap, and as much again outside it) is ended like one that ran out of heap.
        const baselineBytes = process.memoryUsage.rss();
        const memoryWatch = setInterval(() => {
          if (process.memoryUsage.rss() - baselineBytes > 2 * limits.maxMemoryMb * 1024 * 1024) {
            settle(false, () => reject(outOfMemory(limits)));
          }
        }, memoryWatchIntervalMs);
        const onAbort = () => settle(false, () => reject(abortReason(signal)));
        const onMessage = ({ id, outcome }: ParseTaskOutcome) => {
          if (id === taskId) settle(true, () => answer(outcome, resolve, reject));
        };
        const onError = (error: Error & { code?: string }) => settle(false, () => reject(workerFailure(error, limits)));
        const onExit = () =>
          settle(false, () =>
            reject(new AppError('unprocessable', 'The file could not be parsed (the parser stopped early)')),
          );
        signal?.addEventListener('abort', onAbort, { once: true });
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
        worker.postMessage({ id: taskId, request } satisfies ParseTask);
      });
    },
  };
}

function answer(outcome: ParseOutcome, resolve: (result: ParseResult) => void, reject: (error: Error) => void): void {
  if (outcome.ok) resolve(outcome.result);
  else reject(new AppError('unprocessable', outcome.reason));
}

/** How often a running parse's memory is looked at: a fast inflater adds ~100 MB between two looks. */
const memoryWatchIntervalMs = 50;

function workerFailure(error: Error & { code?: string }, limits: ParseLimits): AppError {
  return error.code === 'ERR_WORKER_OUT_OF_MEMORY'
    ? outOfMemory(limits)
    : new AppError('unprocessable', 'The file could not be parsed (it may be damaged)', {}, { cause: error });
}

function outOfMemory(limits: ParseLimits): AppError {
  return new AppError(
    'unprocessable',
    `Parsing the file needed more than ${limits.maxMemoryMb} MB of memory; split it into smaller files`,
  );
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
