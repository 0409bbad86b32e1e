import { sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { rowsOf, uuidArray } from '../../../platform/db/raw-sql.js';

/**
 * Near misses: for a query term no searched source holds, the source's own term one edit away (a
 * character dropped, added, changed, or two neighbours swapped: Damerau's four, which cover most
 * typing errors). Hybrid search scores the query with them added (knowledge-search.ts), so "pasword"
 * also reads the postings of "password". Lexical search stays exact BM25, as its name says.
 *
 * Only terms of five characters or more are looked at: a four-letter stem has dozens of real words one
 * edit away ("form": "from", "fort", "norm", …), so the guess would be a coin toss, while a long one has
 * few. Only letters and digits of the Latin alphabet are tried, which is what the index's analysis leaves
 * of Latin-script words (accents are folded); terms in other scripts are left as they are.
 */
export const nearMissMinLength = 5;
const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
const latinTerm = /^[a-z0-9]+$/;

/** Every string one edit from `term` (Damerau–Levenshtein distance 1), without `term` itself. */
export function oneEditAway(term: string): Set<string> {
  const edits = new Set<string>();
  for (let at = 0; at <= term.length; at += 1) {
    const head = term.slice(0, at);
    const tail = term.slice(at);
    if (tail.length > 0) edits.add(head + tail.slice(1));
    if (tail.length > 1) edits.add(head + tail[1]! + tail[0]! + tail.slice(2));
    for (const letter of alphabet) {
      edits.add(head + letter + tail);
      if (tail.length > 0) edits.add(head + letter + tail.slice(1));
    }
  }
  edits.delete(term);
  return edits;
}

export function mayHaveNearMiss(term: string): boolean {
  return term.length >= nearMissMinLength && latinTerm.test(term);
}

/**
 * The searched sources' nearest term for each unmatched one: of the terms one edit away, the one the
 * most chunks hold (a common word is the likelier intended one; ties go to the first in order, so the
 * choice is the same on every run). A term with no neighbour is left out.
 */
export async function findNearMisses(
  db: Executor,
  tenantId: string,
  sourceIds: readonly string[],
  unmatched: readonly string[],
): Promise<Map<string, string>> {
  const pairs = unmatched
    .filter(mayHaveNearMiss)
    .flatMap((term) => [...oneEditAway(term)].map((neighbour) => ({ term, neighbour })));
  if (pairs.length === 0) return new Map();
  const result = await db.execute(sql`
    select distinct on (q.term) q.term, t.term as neighbour
    from jsonb_to_recordset(${JSON.stringify(pairs)}::jsonb) as q(term text, neighbour text)
    join knowledge_sources s on s.tenant_id = ${tenantId} and s.id = any(${uuidArray(sourceIds)})
    join knowledge_terms t on t.source_id = s.id and t.term = q.neighbour
    group by q.term, t.term
    order by q.term, sum(t.chunk_frequency) desc, t.term`);
  return new Map(rowsOf<{ term: string; neighbour: string }>(result).map((row) => [row.term, row.neighbour]));
}
