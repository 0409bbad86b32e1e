import { sql, type SQL } from 'drizzle-orm';

/** The rows of a raw `db.execute(sql…)`: node-postgres answers a QueryResult, PGlite a Results object; both carry `rows`. */
export function rowsOf<Row>(result: unknown): Row[] {
  return (result as { rows?: Row[] }).rows ?? [];
}

/** A uuid[] parameter (ids are checked as UUIDs before they get here). */
export function uuidArray(ids: readonly string[]): SQL {
  return sql`${`{${ids.join(',')}}`}::uuid[]`;
}
