import type PgBoss from 'pg-boss';
import type { DatabaseHandle } from '../db/client.js';

export interface PgBossDatabase extends PgBoss.Db {
  /** Resolves once none of pg-boss's queries is in flight, and none began in the meantime. */
  idle(): Promise<void>;
}

/**
 * pg-boss talks to the database through this adapter, so the queue shares the server's own connection
 * (PGlite or the node-postgres pool) instead of opening another. Its install, migration and maintenance
 * commands are `BEGIN; …; COMMIT;` scripts without parameters; they go through executeScript, because
 * PGlite runs a parameterised query as one prepared statement and refuses several.
 *
 * It also counts the queries in flight: pg-boss records a finished job without awaiting the write, and a
 * worker's fetch can still be out when its stop() returns. The queue's stop waits on `idle()`, so that
 * nothing of pg-boss's reaches a database its owner is about to close.
 */
export function createPgBossDatabase(database: DatabaseHandle): PgBossDatabase {
  const inFlight = new Set<Promise<unknown>>();
  const tracked = <T>(query: Promise<T>): Promise<T> => {
    inFlight.add(query);
    const forget = () => inFlight.delete(query);
    query.then(forget, forget);
    return query;
  };
  return {
    executeSql: (text, values) => {
      if ((values === undefined || values.length === 0) && isTransactionScript(text)) {
        return tracked(database.executeScript(text).then(() => ({ rows: [] })));
      }
      return tracked(database.executeSql(text, values));
    },
    async idle() {
      do {
        await Promise.allSettled([...inFlight]);
        // A finished fetch hands its job on, and a finished job is recorded, a few microtasks later.
        await new Promise((resolve) => setImmediate(resolve));
      } while (inFlight.size > 0);
    },
  };
}

function isTransactionScript(text: string): boolean {
  return /^\s*BEGIN\s*;/i.test(text);
}
