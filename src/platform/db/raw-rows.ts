/** The rows of a raw `db.execute(sql…)`: node-postgres answers a QueryResult, PGlite a Results object; both carry `rows`. */
export function rowsOf<Row>(result: unknown): Row[] {
  return (result as { rows?: Row[] }).rows ?? [];
}
