import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { rowsOf, uuidArray } from './knowledge-index.repository.js';

/** BM25 parameters as Anserini uses them for BEIR (k1 0.9, b 0.4), so SciFact scores are comparable. */
export const bm25 = { k1: 0.9, b: 0.4 } as const;

/**
 * A query term as one source scores it: `weight` = (k1 + 1) × IDF × its repeats in the query, and
 * `lengthFactor` = k1 · b / avgdl, so a posting's share is weight · tf / (tf + k1·(1 − b) + lengthFactor · length),
 * which is always below `weight`: that bound is what lets MaxScore skip postings (bm25-search.ts).
 */
export interface WeightedTerm {
  readonly sourceId: string;
  readonly term: string;
  readonly weight: number;
  readonly lengthFactor: number;
  /** Postings of the term in the source: the cost of reading it. */
  readonly chunkFrequency: number;
}

export interface Bm25Candidate {
  readonly chunkId: string;
  readonly score: number;
}

/**
 * The query's terms with their BM25 weights, each source with its own statistics (N = chunk_count,
 * avgdl = total_term_count / chunk_count, df from knowledge_terms). Terms come from the same
 * `to_tsvector('english', …)` as the index; a term repeated in the query counts as often (as Anserini's
 * bag-of-words query does). The tenant is checked here, on the sources: every later read goes through
 * the (source, term) pairs this returns.
 */
export async function weighQueryTerms(
  db: Executor,
  query: string,
  tenantId: string,
  sourceIds: readonly string[],
): Promise<WeightedTerm[]> {
  const result = await db.execute(sql`
    with query_terms as (
      select lexeme as term, cardinality(positions)::float8 as repeats from unnest(to_tsvector('english', ${query}))
    ),
    sources as (
      select id, greatest(chunk_count, 1)::float8 as chunks,
        ${float(bm25.k1 * bm25.b)} * greatest(chunk_count, 1)::float8 / greatest(total_term_count, 1)::float8
          as length_factor
      from knowledge_sources where tenant_id = ${tenantId} and id = any(${uuidArray(sourceIds)})
    )
    select t.source_id as "sourceId", t.term, s.length_factor as "lengthFactor", t.chunk_frequency as "chunkFrequency",
      ${float(bm25.k1 + 1)} * q.repeats
        * ln(1 + (s.chunks - t.chunk_frequency + 0.5::float8) / (t.chunk_frequency + 0.5::float8)) as weight
    from query_terms q
    join sources s on true
    join knowledge_terms t on t.source_id = s.id and t.term = q.term`);
  return rowsOf<WeightedTerm>(result);
}

export interface ScoreChunksInput {
  /** Every posting of these terms is read: chunks holding none of them are not candidates. */
  readonly essential: readonly WeightedTerm[];
  /** Looked up only for candidates that could still reach `threshold` with them. */
  readonly optional: readonly WeightedTerm[];
  /** A score the limit-th best chunk is known to reach (0 when unknown). */
  readonly threshold: number;
  readonly documentIds?: readonly string[] | undefined;
  readonly limit: number;
}

/**
 * Exact BM25 scores of the best chunks holding an essential term. The postings come from index-only
 * scans of their primary key, which carries the term frequency and the chunk's length (ADR 10). A
 * candidate whose essential score plus every optional weight stays below the threshold cannot make the
 * list and is dropped before its optional terms are probed.
 */
export async function scoreChunks(db: Executor, input: ScoreChunksInput): Promise<Bm25Candidate[]> {
  const { essential, optional, threshold, documentIds, limit } = input;
  const optionalWeights = optional.reduce((sum, term) => sum + term.weight, 0);
  const documentJoin = documentIds
    ? sql`join knowledge_chunks c on c.id = p.chunk_id and c.document_id = any(${uuidArray(documentIds)})`
    : sql``;
  const share = (alias: string) =>
    sql.raw(
      `${alias}.weight * p.term_frequency / (p.term_frequency + ${bm25.k1 * (1 - bm25.b)}::float8 + ${alias}.length_factor * p.chunk_length)`,
    );
  const optionalScore =
    optional.length === 0
      ? sql`0::float8`
      : sql`coalesce((
          select sum(${share('o')}) from optional_terms o
          join knowledge_postings p on p.source_id = o.source_id and p.term = o.term and p.chunk_id = c.chunk_id
          where o.source_id = c.source_id
        ), 0)`;
  const result = await db.execute(sql`
    with essential_terms as (
      select * from jsonb_to_recordset(${termsJson(essential)}::jsonb)
        as t(source_id uuid, term text, weight float8, length_factor float8)
    ),
    optional_terms as (
      select * from jsonb_to_recordset(${termsJson(optional)}::jsonb)
        as t(source_id uuid, term text, weight float8, length_factor float8)
    ),
    candidates as (
      select p.chunk_id, p.source_id, sum(${share('e')}) as score
      from essential_terms e
      join knowledge_postings p on p.source_id = e.source_id and p.term = e.term
      ${documentJoin}
      group by p.chunk_id, p.source_id
    )
    select c.chunk_id as "chunkId", c.score + ${optionalScore} as score
    from candidates c
    where c.score + ${optionalWeights}::float8 >= ${threshold}::float8
    order by score desc, c.chunk_id
    limit ${limit}`);
  return rowsOf<Bm25Candidate>(result);
}

function termsJson(terms: readonly WeightedTerm[]): string {
  return JSON.stringify(
    terms.map((term) => ({
      source_id: term.sourceId,
      term: term.term,
      weight: term.weight,
      length_factor: term.lengthFactor,
    })),
  );
}

function float(value: number): SQL {
  return sql.raw(`${value}::float8`);
}
