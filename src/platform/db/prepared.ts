import type { Executor } from './client.js';

/**
 * A Drizzle prepared statement, prepared once per database handle (or transaction) on first use.
 *
 * For the few queries every chat turn runs. Building a query through Drizzle costs ~140 µs of CPU; a
 * prepared one ~36 µs, and on PostgreSQL a named statement is parsed once per connection instead of
 * once per call. `prepare` must give the same SQL every time (values go in as `sql.placeholder`), and
 * its name must be unique in the application: node-postgres refuses one name for two texts.
 */
export function preparedFor<T>(prepare: (db: Executor) => T): (db: Executor) => T {
  const byExecutor = new WeakMap<Executor, T>();
  return (db) => {
    let prepared = byExecutor.get(db);
    if (prepared === undefined) {
      prepared = prepare(db);
      byExecutor.set(db, prepared);
    }
    return prepared;
  };
}
