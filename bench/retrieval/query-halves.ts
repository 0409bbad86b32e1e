/**
 * Every constant of retrieval is chosen on one half of a collection's judged queries and reported on the
 * other, so no reported figure comes from a query a choice was made on. The halves are fixed by the
 * query id: odd ids fit, even ids report (SciFact's test queries: 150 and 150 of 300). An id that is not
 * a number goes by its last character's code, so any collection splits the same way on every run.
 */
export type QueryHalf = 'fitting' | 'reporting';

export function halfOf(queryId: string): QueryHalf {
  const number = /^\d+$/.test(queryId) ? Number(queryId) : queryId.charCodeAt(queryId.length - 1);
  return number % 2 === 1 ? 'fitting' : 'reporting';
}

export function inHalf<Query extends { readonly id: string }>(queries: readonly Query[], half: QueryHalf): Query[] {
  return queries.filter((query) => halfOf(query.id) === half);
}
