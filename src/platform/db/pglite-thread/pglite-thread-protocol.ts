/**
 * The messages between the server's thread and the thread that runs embedded PGlite
 * (pglite-thread.ts). Every request carries an id and gets exactly one reply with that id.
 */
import type { RowMode } from '@electric-sql/pglite';

/**
 * Types the thread always answers as PostgreSQL's text: dates and times, intervals, and arrays of those
 * and of numerics, each with the type of its elements. Drizzle reads them as text to map them itself,
 * and other callers get PGlite's own parsing of them on their side (pglite-thread-client.ts). Passing
 * parsers with each query instead cost PGlite ~120 µs a query: it merges them into its ~320 parsers.
 */
export const textTypes: ReadonlyMap<number, number | null> = new Map([
  [1114, null], // timestamp
  [1184, null], // timestamptz
  [1082, null], // date
  [1186, null], // interval
  [1115, 1114], // timestamp[]
  [1185, 1184], // timestamptz[]
  [1182, 1082], // date[]
  [1187, 1186], // interval[]
  [1231, 1700], // numeric[]
]);

/** How the thread opens its database. */
export interface PgliteThreadOptions {
  readonly dataDir?: string | undefined;
  /** PGlite's WebAssembly, compiled already: the tests open hundreds of databases in one process. */
  readonly compiledPglite?: WebAssembly.Module | undefined;
  readonly startParams: readonly string[];
  /** Statements run once the database is open, before the first request (session settings). */
  readonly setupSql: string;
}

export type PgliteThreadRequest =
  | {
      readonly kind: 'query';
      readonly id: number;
      readonly sql: string;
      readonly params: readonly unknown[];
      readonly rowMode: RowMode;
      /** Absent: outside any transaction (it waits for one in progress, as on PGlite itself). */
      readonly transactionId?: number | undefined;
      /** Sent by a background job: it lets requests' statements go first (foreground-first.ts). */
      readonly isBackground: boolean;
    }
  | {
      readonly kind: 'exec';
      readonly id: number;
      readonly sql: string;
      readonly transactionId?: number | undefined;
      readonly isBackground: boolean;
    }
  /** Opens a transaction whose id is this request's id; its statements carry that id until `end`. */
  | { readonly kind: 'begin'; readonly id: number; readonly isBackground: boolean }
  | { readonly kind: 'end'; readonly id: number; readonly transactionId: number; readonly commit: boolean }
  /** Copies the data directory to `copyTo` between two transactions; answers what `reads` answer there. */
  | {
      readonly kind: 'snapshot';
      readonly id: number;
      readonly copyTo: string;
      readonly reads: readonly SnapshotRead[];
    }
  | { readonly kind: 'close'; readonly id: number };

/** A statement a snapshot runs at its own point, so that what it answers matches the copy. */
export interface SnapshotRead {
  readonly sql: string;
  readonly params: readonly unknown[];
}

/** What a snapshot's reads answered, in their order. */
export interface SnapshotOutcome {
  readonly reads: QueryOutcome[];
}

export interface QueryField {
  readonly name: string;
  readonly dataTypeID: number;
}

export interface QueryOutcome {
  readonly rows: unknown[];
  readonly fields: QueryField[];
  readonly affectedRows?: number | undefined;
}

/** A database error's own fields (code, constraint, detail…), which a plain Error clone would drop. */
export interface ThreadError {
  readonly message: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export type PgliteThreadReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly result?: QueryOutcome | QueryOutcome[] | SnapshotOutcome | undefined;
    }
  | { readonly id: number; readonly ok: false; readonly error: ThreadError };

/** The thread's first message: open, or why not. */
export type PgliteThreadStarted = { readonly started: true } | { readonly started: false; readonly error: ThreadError };
