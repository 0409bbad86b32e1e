import { types, type ParserOptions, type RowMode } from '@electric-sql/pglite';
import { startModuleWorker } from '../../module-worker.js';
import { isBackgroundWork, markBackgroundWork } from '../background-work.js';
import {
  textTypes,
  type PgliteThreadOptions,
  type PgliteThreadReply,
  type PgliteThreadRequest,
  type PgliteThreadStarted,
  type QueryOutcome,
  type SnapshotOutcome,
  type SnapshotRead,
  type ThreadError,
} from './pglite-thread-protocol.js';

export type QueryResult<T> = Omit<QueryOutcome, 'rows'> & { rows: T[] };

export interface ThreadQueryOptions {
  readonly rowMode?: RowMode;
  readonly parsers?: ParserOptions;
}

/** What Drizzle's PGlite driver and the database handle use of PGlite, answered by its thread. */
export interface ThreadQueryable {
  query<T = Record<string, unknown>>(
    sql: string,
    params?: readonly unknown[],
    options?: ThreadQueryOptions,
  ): Promise<QueryResult<T>>;
  exec(sql: string): Promise<QueryOutcome[]>;
}

export interface ThreadTransaction extends ThreadQueryable {
  rollback(): Promise<void>;
  readonly closed: boolean;
}

export interface PgliteThreadClient extends ThreadQueryable {
  transaction<T>(callback: (tx: ThreadTransaction) => Promise<T>): Promise<T>;
  /** The data directory copied to `copyTo` between two transactions; what `reads` answer there (pglite-thread.ts). */
  snapshot(copyTo: string, reads: readonly SnapshotRead[]): Promise<SnapshotOutcome>;
  /** Closes the database and ends the thread; safe to call twice. */
  close(): Promise<void>;
}

/** A request without its id, for each kind of request (a plain Omit would merge the kinds). */
type RequestBody = PgliteThreadRequest extends infer Request
  ? Request extends PgliteThreadRequest
    ? Omit<Request, 'id'>
    : never
  : never;

/**
 * Opens embedded PGlite in its own thread (pglite-thread.ts, ADR 13) and answers like PGlite, so Drizzle's
 * PGlite driver works on it unchanged. Each call is one message there and one back; rows come back by
 * structured clone. The thread keeps the process alive only while a call is waiting for its answer.
 */
export async function startPgliteThread(options: PgliteThreadOptions): Promise<PgliteThreadClient> {
  // This client orders statements by the marks: from now on background work is marked.
  markBackgroundWork();
  const worker = startModuleWorker(import.meta.url, 'pglite-thread', {
    // The thread's garbage is short-lived result rows: a small young generation keeps its RSS down
    // (the server's peak in the chat bench: 362 MB with V8's default, 330 MB with this) at no cost in
    // throughput that the bench could see.
    resourceLimits: { maxYoungGenerationSizeMb: 4 },
    workerData: options,
  });
  const waiting = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let stopped: Error | undefined;

  const started = new Promise<void>((resolve, reject) => {
    worker.once('message', (message: PgliteThreadStarted) => {
      if (message.started) resolve();
      else reject(errorFrom(message.error));
    });
    worker.once('error', reject);
    worker.once('exit', () => reject(new Error('The embedded database stopped while it was opening')));
  });
  await started;

  worker.on('message', (message: PgliteThreadReply) => {
    const call = waiting.get(message.id);
    if (!call) return;
    waiting.delete(message.id);
    if (waiting.size === 0) worker.unref();
    if (message.ok) call.resolve(message.result);
    else call.reject(errorFrom(message.error));
  });
  const stop = (reason: Error) => {
    stopped ??= reason;
    for (const call of waiting.values()) call.reject(stopped);
    waiting.clear();
  };
  worker.on('error', (error) => stop(new Error(`The embedded database failed: ${error.message}`, { cause: error })));
  worker.on('exit', () => stop(new Error('The embedded database is closed')));
  worker.unref();

  function send(request: PgliteThreadRequest): Promise<unknown> {
    if (stopped) return Promise.reject(stopped);
    return new Promise((resolve, reject) => {
      waiting.set(request.id, { resolve, reject });
      worker.ref();
      worker.postMessage(request);
    });
  }

  function call(body: RequestBody): Promise<unknown> {
    return send({ ...body, id: nextId++ });
  }

  function queryable(transactionId?: number): ThreadQueryable {
    return {
      async query<T>(sql: string, params: readonly unknown[] = [], queryOptions: ThreadQueryOptions = {}) {
        const { rowMode = 'object', parsers = noParsers } = queryOptions;
        const isBackground = isBackgroundWork();
        const outcome = (await call({
          kind: 'query',
          sql,
          params,
          rowMode,
          transactionId,
          isBackground,
        })) as QueryOutcome;
        return applyParsers(outcome, parsers, rowMode) as QueryResult<T>;
      },
      exec: async (sql) =>
        (await call({ kind: 'exec', sql, transactionId, isBackground: isBackgroundWork() })) as QueryOutcome[],
    };
  }

  async function transaction<T>(callback: (tx: ThreadTransaction) => Promise<T>): Promise<T> {
    const transactionId = nextId++;
    await send({ kind: 'begin', id: transactionId, isBackground: isBackgroundWork() });
    let closed = false;
    const finish = async (commit: boolean) => {
      if (closed) return;
      closed = true;
      await call({ kind: 'end', transactionId, commit });
    };
    const tx: ThreadTransaction = {
      ...queryable(transactionId),
      rollback: () => finish(false),
      get closed() {
        return closed;
      },
    };
    let result: T;
    try {
      result = await callback(tx);
    } catch (error) {
      await finish(false).catch(() => undefined);
      throw error;
    }
    await finish(true);
    return result;
  }

  return {
    ...queryable(),
    transaction,
    snapshot: async (copyTo, reads) => (await call({ kind: 'snapshot', copyTo, reads })) as SnapshotOutcome,
    async close() {
      if (stopped) return;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      await call({ kind: 'close' }).catch(() => undefined);
      // Held until the thread has ended, or the process could exit while it is still closing.
      worker.ref();
      await exited;
    },
  };
}

/**
 * The values the thread answered as text (`textTypes`), parsed by the caller's parsers, or as PGlite
 * itself parses them for a caller that gave none. A parser for any other type cannot be honoured: the
 * thread has parsed those values already.
 */
function applyParsers(outcome: QueryOutcome, parsers: ParserOptions, rowMode: RowMode): QueryOutcome {
  checkParsers(parsers);
  const parsed = outcome.fields.flatMap((field, index) => {
    const parse = parsers[field.dataTypeID] ?? pgliteParsers.get(field.dataTypeID);
    return parse ? [{ key: rowMode === 'array' ? index : field.name, parse }] : [];
  });
  if (parsed.length === 0) return outcome;
  for (const row of outcome.rows as Record<string | number, unknown>[]) {
    for (const { key, parse } of parsed) {
      const value = row[key];
      if (typeof value === 'string') row[key] = parse(value);
    }
  }
  return outcome;
}

const noParsers: ParserOptions = {};

/** Parsers objects already checked: Drizzle passes the same one with every query of a statement. */
const checkedParsers = new WeakSet<ParserOptions>();

function checkParsers(parsers: ParserOptions): void {
  if (checkedParsers.has(parsers)) return;
  for (const type of Object.keys(parsers).map(Number)) {
    if (!textTypes.has(type)) throw new Error(`The embedded database's thread cannot apply a parser of type ${type}`);
  }
  checkedParsers.add(parsers);
}

/** PGlite's own parsing of the `textTypes`: dates as Date, arrays as arrays of their parsed elements. */
const pgliteParsers = new Map(
  [...textTypes].flatMap(([type, elementType]): [number, (text: string) => unknown][] => {
    if (elementType === null) {
      const parse = types.parsers[type];
      return parse ? [[type, parse]] : [];
    }
    const parseElement = types.parsers[elementType] ?? ((text: string) => text);
    return [[type, (text): unknown => types.arrayParser(text, parseElement, type) as unknown]];
  }),
);

/** An Error that carries the database error's fields again (`code`, `constraint`…), for isUniqueViolation and the like. */
function errorFrom(error: ThreadError): Error {
  const { name: _name, stack: _stack, message: _message, ...fields } = error.fields;
  return Object.assign(new Error(error.message), fields);
}
