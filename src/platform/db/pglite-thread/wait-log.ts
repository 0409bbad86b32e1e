/**
 * A measuring aid, off unless PARLEY_PGLITE_WAIT_LOG names a file: which background item held PGlite's
 * one session while a request's statement waited, and for how long (bench/proactive/run.ts reads it).
 * Each line is a JSON object: when the request's statement was answered (`at`, epoch ms), how long it
 * was behind a background item (`waitedMs`), the background statement that ran longest meanwhile, or the
 * last one of a background transaction left open between its statements (`heldBy`), and the
 * request's own statement (`request`). Statements that found no background item in progress are not
 * written. Not for production: a line per wait, appended synchronously by the thread.
 */
import { appendFileSync } from 'node:fs';

export interface WaitLog {
  /** A background item (transaction or lone statement) took the session; `ended` when it let it go. */
  backgroundItem(): { ended(): void };
  /** A background statement was handed to PGlite; `ended` once answered. */
  backgroundStatement(sql: string): { ended(): void };
  /** A request's statement arrived; `ended` once its reply is posted. */
  foregroundStatement(sql: string): { ended(): void };
}

const sqlShown = 90;
const shorten = (sql: string) => sql.replace(/\s+/g, ' ').trim().slice(0, sqlShown);

interface BackgroundItem {
  endedAt?: number;
  /** Its statements so far, with when each ran. */
  readonly statements: { readonly sql: string; readonly startedAt: number; endedAt?: number }[];
}

/** The statement of `held` that ran longest within [from, to], or what the item did meanwhile. */
function holderOf(held: BackgroundItem, from: number, to: number): string {
  let longest: { sql: string; overlap: number } | undefined;
  for (const statement of held.statements) {
    const overlap = Math.min(to, statement.endedAt ?? to) - Math.max(from, statement.startedAt);
    if (overlap > (longest?.overlap ?? 0)) longest = { sql: statement.sql, overlap };
  }
  if (longest && longest.overlap >= (to - from) / 2) return longest.sql;
  const last = held.statements.filter((statement) => statement.startedAt <= to).at(-1)?.sql ?? '(none)';
  return `(open transaction, mostly between statements; last: ${last})`;
}

export function openWaitLog(file: string | undefined): WaitLog | undefined {
  if (!file) return undefined;
  let item: BackgroundItem | undefined;

  return {
    backgroundItem() {
      const current: BackgroundItem = { statements: [] };
      item = current;
      return {
        ended() {
          current.endedAt = performance.now();
          if (item === current) item = undefined;
        },
      };
    },
    backgroundStatement(sql) {
      const statement: BackgroundItem['statements'][number] = { sql: shorten(sql), startedAt: performance.now() };
      item?.statements.push(statement);
      return {
        ended() {
          statement.endedAt = performance.now();
        },
      };
    },
    foregroundStatement(sql) {
      const held = item;
      if (!held) return { ended: () => undefined };
      const arrivedAt = performance.now();
      return {
        ended() {
          const until = Math.min(performance.now(), held.endedAt ?? Infinity);
          const heldBy = holderOf(held, arrivedAt, until);
          const line = {
            at: Date.now(),
            waitedMs: Number((until - arrivedAt).toFixed(2)),
            heldBy,
            request: shorten(sql),
          };
          appendFileSync(file, `${JSON.stringify(line)}\n`);
        },
      };
    },
  };
}
