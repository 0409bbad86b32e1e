import { once } from 'node:events';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../platform/errors.js';
import type { ParseRequest } from './parse-protocol.js';
import { createParseWorkerPool, type ParseWorkerPoolOptions } from './parse-worker-pool.js';
import type { ParseLimits } from './parsed-document.js';

/**
 * The pool around real worker threads running a stand-in for the parser, which answers by the file
 * name it is given: 'hang' never answers, 'refuse' is refused like a damaged file, 'then-die' parses and
 * then ends its thread, 'then-fail' parses and then fails as a thread out of heap does (an error event),
 * anything else parses.
 */
const standInParser = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', ({ id, request }) => {
  if (request.filePath === 'hang') return;
  if (request.filePath === 'refuse') return parentPort.postMessage({ id, outcome: { ok: false, reason: 'Not a document' } });
  if (request.filePath === 'then-die') setTimeout(() => process.exit(1), 10);
  const fail = () => { throw new Error('out of heap, late'); };
  if (request.filePath === 'then-fail') setTimeout(fail, 10);
  if (request.filePath === 'inflate') {
    // As pdf.js inflating a bomb: array buffers, outside the heap cap, 16 MB at a time, each written.
    const kept = [];
    const grow = () => { kept.push(new Uint8Array(16 * 1024 * 1024).fill(1)); setTimeout(grow, 5); };
    return grow();
  }
  parentPort.postMessage({ id, outcome: { ok: true, result: { document: { blocks: [], pageCount: null, title: request.filePath } } } });
});`;

const limits: ParseLimits = { timeoutMs: 2_000, maxMemoryMb: 64, maxUncompressedBytes: 1024, maxCharacters: 1024 };
const request = (filePath: string): ParseRequest => ({
  filePath,
  type: 'text',
  maxUncompressedBytes: 1024,
  maxCharacters: 1024,
});
const defaults: ParseWorkerPoolOptions = { maxIdleWorkers: 2, idleMs: 60_000, maxParsesPerWorker: 100 };

const started: Worker[] = [];
function poolWith(options: Partial<ParseWorkerPoolOptions> = {}) {
  return createParseWorkerPool(
    (resourceLimits: ResourceLimits) => {
      const worker = new Worker(standInParser, { eval: true, resourceLimits });
      started.push(worker);
      return worker;
    },
    { ...defaults, ...options },
  );
}
const hasExited = (worker: Worker) => worker.threadId === -1;

afterEach(async () => {
  await Promise.all(started.splice(0).map((worker) => worker.terminate()));
});

describe('parse worker pool', () => {
  it('parses one file after another in the same worker', async () => {
    const pool = poolWith();
    for (const name of ['a.txt', 'b.txt', 'c.txt']) {
      expect((await pool.run(request(name), limits, undefined)).document.title).toBe(name);
    }
    expect(started).toHaveLength(1);
  });

  it('ends a parse whose memory outside the heap grows past twice the cap, and never reuses its worker', async () => {
    const pool = poolWith();
    const refusal = await pool.run(request('inflate'), limits, undefined).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(AppError);
    expect((refusal as AppError).message).toBe(
      'Parsing the file needed more than 64 MB of memory; split it into smaller files',
    );
    await expect.poll(() => hasExited(started[0]!)).toBe(true);
    expect((await pool.run(request('after.txt'), limits, undefined)).document.title).toBe('after.txt');
    expect(started).toHaveLength(2);
  });

  it("gives the parser's refusal as an unprocessable error, and keeps the worker that answered", async () => {
    const pool = poolWith();
    const refusal = await pool.run(request('refuse'), limits, undefined).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({ code: 'unprocessable', message: 'Not a document' });
    await pool.run(request('next.txt'), limits, undefined);
    expect(started).toHaveLength(1);
  });

  it('ends a worker that ran out of time, and never hands it out again', async () => {
    const pool = poolWith();
    await expect(pool.run(request('hang'), { ...limits, timeoutMs: 50 }, undefined)).rejects.toThrow(
      'Parsing took longer than 50 ms',
    );
    const [stuck] = started;
    await expect.poll(() => hasExited(stuck!)).toBe(true);
    await pool.run(request('next.txt'), limits, undefined);
    expect(started).toHaveLength(2);
  });

  it('ends the worker of an aborted parse', async () => {
    const pool = poolWith();
    const controller = new AbortController();
    const parsing = pool.run(request('hang'), limits, controller.signal);
    controller.abort(new Error('upload deleted'));
    await expect(parsing).rejects.toThrow('upload deleted');
    await expect.poll(() => hasExited(started[0]!)).toBe(true);
  });

  it('never hands out a worker that died while it waited', async () => {
    const pool = poolWith();
    await pool.run(request('then-die'), limits, undefined);
    await once(started[0]!, 'exit');
    expect((await pool.run(request('next.txt'), limits, undefined)).document.title).toBe('next.txt');
    expect(started).toHaveLength(2);
  });

  // Node raises an error event nobody listens to as an uncaught exception, which would end the server.
  it('lets a worker go that failed while it waited, without an error nobody hears', async () => {
    const pool = poolWith();
    await pool.run(request('then-fail'), limits, undefined);
    await new Promise((resolve) => started[0]!.once('exit', resolve));
    expect((await pool.run(request('next.txt'), limits, undefined)).document.title).toBe('next.txt');
    expect(started).toHaveLength(2);
  });

  // The race CI met: the memory watch (or the clock) ends a parse, and before the terminated thread is
  // gone it runs out of heap. Node's event is given here, as that timing cannot be made on demand.
  it('hears the error of a worker whose parse was already ended', async () => {
    const pool = poolWith();
    await expect(pool.run(request('hang'), { ...limits, timeoutMs: 20 }, undefined)).rejects.toThrow(
      'Parsing took longer than 20 ms',
    );
    const outOfHeap = Object.assign(
      new Error('Worker terminated due to reaching memory limit: JS heap out of memory'),
      {
        code: 'ERR_WORKER_OUT_OF_MEMORY',
      },
    );
    expect(() => started[0]!.emit('error', outOfHeap)).not.toThrow();
  });

  it('lets an idle worker go after its idle time', async () => {
    const pool = poolWith({ idleMs: 50 });
    await pool.run(request('a.txt'), limits, undefined);
    await once(started[0]!, 'exit');
    await pool.run(request('b.txt'), limits, undefined);
    expect(started).toHaveLength(2);
  });

  it('replaces a worker after its share of parses', async () => {
    const pool = poolWith({ maxParsesPerWorker: 2 });
    for (const name of ['a.txt', 'b.txt', 'c.txt']) await pool.run(request(name), limits, undefined);
    expect(started).toHaveLength(2);
  });

  it('keeps no more idle workers than allowed', async () => {
    const pool = poolWith({ maxIdleWorkers: 1 });
    await Promise.all(['a.txt', 'b.txt', 'c.txt'].map((name) => pool.run(request(name), limits, undefined)));
    expect(started).toHaveLength(3);
    await expect.poll(() => started.filter(hasExited).length).toBe(2);
  });
});
