/**
 * The thread that runs embedded PGlite (ADR 13). PGlite executes every statement synchronously in
 * WebAssembly; on the server's thread that held every request, stream and timer for as long as a
 * statement ran. Here it runs beside them, on the machine's other core. Requests' statements are
 * handed to PGlite as they arrive, and PGlite's own queue keeps that order; a background job's
 * transactions wait for a quiet moment (foreground-first.ts). A statement outside a transaction waits
 * for the transaction in progress, as on PGlite itself. Statements with parameters run as named
 * prepared statements (named-statements.ts, ADR 14).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Results, type Transaction } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
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
import { copyDataDir, walSegmentsSql, type WalSegments } from './data-dir-copy.js';
import { createForegroundFirst } from './foreground-first.js';
import { createNamedStatements, type NamedStatements } from './named-statements.js';
import { openWaitLog } from './wait-log.js';

interface OpenTransaction {
  readonly tx: Transaction;
  /** Lets the transaction's callback return: commit, or roll back. */
  readonly decide: (commit: boolean) => void;
  /** Settles once PGlite has committed or rolled back. */
  readonly finished: Promise<void>;
}

const port = parentPort!;
const options = workerData as PgliteThreadOptions;
const transactions = new Map<number, OpenTransaction>();
/**
 * How many parameterised statements stay prepared. Each keeps its parse tree and plans in PGlite's
 * memory, which WebAssembly never gives back: ~90 KB for a statement like a chat turn's (a throwaway
 * measurement with pg_backend_memory_contexts), so 100 hold ~9 MB at most. The hot ones (a chat turn's
 * four, sign-in, lists) stay; a rarely used one is prepared again when it comes back.
 */
const namedStatementCapacity = 100;

/** The open database, and its statements prepared by text. */
interface Session {
  readonly db: PGlite;
  readonly named: NamedStatements;
}

async function open(): Promise<Session> {
  const db = await PGlite.create({
    ...(options.dataDir && { dataDir: options.dataDir }),
    ...(options.compiledPglite && { pgliteWasmModule: options.compiledPglite }),
    extensions: { vector },
    startParams: [...options.startParams],
  });
  await db.exec(options.setupSql);
  // After create(): PGlite sets its array types' parsers while it starts.
  for (const type of textTypes.keys()) db.parsers[type] = keepText;
  return { db, named: createNamedStatements(db, namedStatementCapacity) };
}

function handle(
  { db, named }: Session,
  request: PgliteThreadRequest,
): Promise<QueryOutcome | QueryOutcome[] | SnapshotOutcome | undefined> {
  switch (request.kind) {
    case 'query':
      if (request.params.length > 0) {
        // Checks that the transaction is still open; the statement then runs in PGlite's one session.
        const inTransaction = target(db, request.transactionId) !== db;
        return named.query(request.sql, request.params, request.rowMode, inTransaction).then(outcomeOf);
      }
      return target(db, request.transactionId)
        .query(request.sql, [...request.params], { rowMode: request.rowMode })
        .then(outcomeOf);
    case 'exec':
      return target(db, request.transactionId)
        .exec(request.sql)
        .then((results) => results.map(outcomeOf));
    case 'begin':
      return begin(db, request.id);
    case 'end':
      return end(request.transactionId, request.commit);
    case 'snapshot':
      return snapshot(db, request.copyTo, request.reads);
    case 'close':
      return db.close().then(() => undefined);
  }
}

function target(db: PGlite, transactionId: number | undefined): PGlite | Transaction {
  if (transactionId === undefined) return db;
  const open = transactions.get(transactionId);
  if (!open) throw new Error(`Transaction ${transactionId} has already ended`);
  return open.tx;
}

/** Resolves once BEGIN has run and the transaction takes statements; it stays open until `end`. */
function begin(db: PGlite, id: number): Promise<undefined> {
  return new Promise((resolve, reject) => {
    let decide!: (commit: boolean) => void;
    const decided = new Promise<boolean>((settle) => (decide = settle));
    const finished = db.transaction(async (tx) => {
      transactions.set(id, { tx, decide, finished });
      resolve(undefined);
      if (!(await decided)) await tx.rollback();
    });
    // A transaction that failed before its callback ran (BEGIN itself) fails the begin.
    finished.catch(reject).finally(() => transactions.delete(id));
  });
}

async function end(transactionId: number, commit: boolean): Promise<undefined> {
  const open = transactions.get(transactionId);
  if (!open) throw new Error(`Transaction ${transactionId} has already ended`);
  open.decide(commit);
  await open.finished;
  return undefined;
}

/**
 * The data directory copied at one point between transactions (`parley backup`). It runs as a transaction,
 * whose lock in PGlite every statement and transaction takes: none runs while the files are copied, and the
 * copy holds every commit before it and nothing of one after. The CHECKPOINT first writes committed changes
 * into the data files, so a server started on the copy replays next to no WAL. The server's statements
 * wait meanwhile: the time of a copy of the database on its own volume (data-dir-copy.ts).
 */
function snapshot(db: PGlite, copyTo: string, reads: readonly SnapshotRead[]): Promise<SnapshotOutcome> {
  const dataDir = options.dataDir;
  if (!dataDir) return Promise.reject(new Error('A database in memory has no data directory to copy'));
  return db.transaction(async (tx) => {
    await tx.exec('CHECKPOINT');
    const answers: QueryOutcome[] = [];
    for (const read of reads) answers.push(outcomeOf(await tx.query(read.sql, [...read.params])));
    const [wal] = (await tx.query<WalSegments>(walSegmentsSql)).rows;
    if (!wal) throw new Error('PostgreSQL did not name its WAL segments');
    copyDataDir(dataDir, copyTo, wal);
    return { reads: answers };
  });
}

function keepText(value: string): string {
  return value;
}

function outcomeOf(result: Results<unknown>): QueryOutcome {
  return {
    rows: result.rows,
    fields: result.fields.map((field) => ({ name: field.name, dataTypeID: field.dataTypeID })),
    affectedRows: result.affectedRows,
  };
}

/** The message and the plain fields of a database error (code, constraint, detail…). */
function describe(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { message: describeThrown(error), fields: {} };
  const fields = Object.fromEntries(
    Object.entries(error).filter(([, value]) => value === null || typeof value !== 'object'),
  );
  return { message: error.message, fields };
}

/**
 * What PGlite's file system throws is not an Error but Emscripten's ErrnoError, `{ errno, name }`: said as
 * "[object Object]" it told an operator whose disk was full nothing. Its fields are said instead.
 */
/** WASI's numbers for the file system errors an operator can fix, as PGlite's ErrnoError carries them. */
const wasiErrors: Partial<Record<number, string>> = {
  2: '(permission denied)',
  51: '(no space left on the device)',
  63: '(operation not permitted)',
  69: '(read-only file system)',
};

function describeThrown(thrown: unknown): string {
  if (typeof thrown !== 'object' || thrown === null) return String(thrown);
  const { name, message, code, errno } = thrown as Record<string, unknown>;
  const known = typeof errno === 'number' ? wasiErrors[errno] : undefined;
  const parts = [name, message, code, typeof errno === 'number' ? `errno ${errno}` : undefined, known];
  const said = parts.filter((part) => typeof part === 'string' || typeof part === 'number').join(' ');
  return said
    ? `${said} (a file system error: check that DATA_DIR's disk has space and is writable)`
    : 'an unknown error';
}

/**
 * How long requests' statements must have been quiet before a background job's next transaction
 * starts, and how long one may wait at most. 2 ms covers a request's next statement after an answer
 * (a round trip between the threads is ~0.15 ms); 250 ms keeps jobs going on a busy server.
 */
const turnTaking = { quietMs: 2, maxWaitMs: 250 } as const;

/** The statement a request runs, as the wait log names it. */
function statementOf(request: PgliteThreadRequest): string {
  if (request.kind === 'query' || request.kind === 'exec') return request.sql;
  return request.kind === 'end' ? (request.commit ? 'COMMIT' : 'ROLLBACK') : request.kind.toUpperCase();
}

function isBackground(request: PgliteThreadRequest): boolean {
  return 'isBackground' in request && request.isBackground;
}

/** Settles once the transaction opened by `begin` request `id` has committed or rolled back. */
function transactionOver(id: number): Promise<void> | undefined {
  return transactions.get(id)?.finished.catch(() => undefined);
}

function answerAndReply(session: Session, request: PgliteThreadRequest): Promise<void> {
  let answer: Promise<QueryOutcome | QueryOutcome[] | SnapshotOutcome | undefined>;
  try {
    answer = handle(session, request);
  } catch (error) {
    answer = Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
  const replied = answer.then(
    (result) => port.postMessage({ id: request.id, ok: true, result } satisfies PgliteThreadReply),
    (error: unknown) =>
      port.postMessage({ id: request.id, ok: false, error: describe(error) } satisfies PgliteThreadReply),
  );
  // After the close's reply, nothing is left to keep the thread alive: it ends by itself.
  if (request.kind === 'close') void replied.finally(() => port.close());
  return replied;
}

try {
  const session = await open();
  const order = createForegroundFirst(turnTaking);
  const waits = openWaitLog(process.env.PARLEY_PGLITE_WAIT_LOG);
  port.on('message', (request: PgliteThreadRequest) => {
    // `timing` measures only (wait-log.ts, off unless asked): what a request's statement waited behind.
    const answer = (timing?: { ended(): void }) => answerAndReply(session, request).finally(() => timing?.ended());
    // A transaction counts as in progress until its end, not only until BEGIN has answered.
    const untilOver = (timing?: { ended(): void }) =>
      answer(timing).then(() => (request.kind === 'begin' ? transactionOver(request.id) : undefined));
    if (!isBackground(request)) {
      const timing = waits?.foregroundStatement(statementOf(request));
      void order.foreground(() => untilOver(timing));
    }
    // A background job's statement inside its own transaction goes at once: the transaction holds the session.
    else if ('transactionId' in request && request.transactionId !== undefined) {
      void answer(waits?.backgroundStatement(statementOf(request)));
    } else {
      order.background(() => {
        const held = waits?.backgroundItem();
        return untilOver(waits?.backgroundStatement(statementOf(request))).finally(() => held?.ended());
      });
    }
  });
  port.postMessage({ started: true } satisfies PgliteThreadStarted);
} catch (error) {
  port.postMessage({ started: false, error: describe(error) } satisfies PgliteThreadStarted);
  port.close();
}
