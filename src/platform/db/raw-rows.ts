/**
 * The rows of `db.execute(sql…)`. Drizzle types that result per driver; both of ours (node-postgres
 * and PGlite) answer `{ rows }` with one object per row, keyed by column name or alias.
 */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}
