import { inArray, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { knowledgeSources } from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';
import { assertSupportedDimensions, rowsOf } from './knowledge-index.repository.js';

/** BM25 parameters as Anserini uses them for BEIR (k1 0.9, b 0.4), so SciFact scores are comparable. */
export const bm25 = { k1: 0.9, b: 0.4 } as const;

export interface SearchedSource {
  readonly id: string;
  readonly embeddingModel: string;
  readonly embeddingDimensions: number;
}

export interface CandidateFilter {
  readonly tenantId: string;
  readonly sourceIds: readonly string[];
  readonly documentIds?: readonly string[] | undefined;
  readonly limit: number;
}

export interface Candidate {
  readonly chunkId: string;
  readonly score: number;
}

export interface HitDetails {
  readonly chunkId: string;
  readonly sourceId: string;
  readonly documentId: string;
  readonly documentTitle: string;
  readonly page: number | null;
  readonly headingPath: string[];
  readonly content: string;
  /** ts_headline's fragments joined by the delimiter below; null when no query term occurs. */
  readonly headline: string | null;
}

export const headlineFragmentDelimiter = ' ‖ ';

/** Another tenant's source id simply finds nothing here; the caller answers 404 for it. */
export async function findSearchedSources(
  db: Executor,
  tenantId: string,
  sourceIds: readonly string[],
): Promise<SearchedSource[]> {
  if (sourceIds.length === 0) return [];
  return db
    .select({
      id: knowledgeSources.id,
      embeddingModel: knowledgeSources.embeddingModel,
      embeddingDimensions: knowledgeSources.embeddingDimensions,
    })
    .from(knowledgeSources)
    .where(inTenant(knowledgeSources, tenantId, inArray(knowledgeSources.id, [...sourceIds])));
}

/**
 * BM25 over the postings, each source with its own statistics (N = chunk_count, avgdl =
 * total_term_count / chunk_count, df from knowledge_terms). Query terms come from the same
 * `to_tsvector('english', …)` as the index; a term repeated in the query counts as often (as Anserini's
 * bag-of-words query does).
 *
 * Written for speed (ADR 10): everything per term (IDF × (k1 + 1), the length factor k1·b / avgdl) is
 * computed once in `weighted_terms`, in float8, so the per-posting arithmetic is one division; the
 * postings come from an index-only scan of their primary key, which carries the term frequency and the
 * chunk's length. The tenant is checked once, on the sources, which every other row is reached through.
 */
export async function lexicalCandidates(db: Executor, query: string, filter: CandidateFilter): Promise<Candidate[]> {
  const { tenantId, sourceIds, documentIds, limit } = filter;
  const float = (value: number) => sql.raw(`${value}::float8`);
  const documentJoin = documentIds
    ? sql`join knowledge_chunks c on c.id = p.chunk_id and c.document_id = any(${uuidArray(documentIds)})`
    : sql``;
  const result = await db.execute(sql`
    with query_terms as (
      select lexeme as term, cardinality(positions)::float8 as repeats from unnest(to_tsvector('english', ${query}))
    ),
    sources as (
      select id, greatest(chunk_count, 1)::float8 as chunks,
        ${float(bm25.k1 * bm25.b)} * greatest(chunk_count, 1)::float8 / greatest(total_term_count, 1)::float8
          as length_factor
      from knowledge_sources where tenant_id = ${tenantId} and id = any(${uuidArray(sourceIds)})
    ),
    weighted_terms as (
      select t.source_id, t.term, s.length_factor,
        ${float(bm25.k1 + 1)} * q.repeats
          * ln(1 + (s.chunks - t.chunk_frequency + 0.5::float8) / (t.chunk_frequency + 0.5::float8)) as weight
      from query_terms q
      join sources s on true
      join knowledge_terms t on t.source_id = s.id and t.term = q.term
    ),
    scored as (
      select p.chunk_id, sum(w.weight * p.term_frequency
          / (p.term_frequency + ${float(bm25.k1 * (1 - bm25.b))} + w.length_factor * p.chunk_length)) as score
      from weighted_terms w
      join knowledge_postings p on p.source_id = w.source_id and p.term = w.term
      ${documentJoin}
      group by p.chunk_id
    )
    select chunk_id as "chunkId", score from scored
    order by score desc, chunk_id
    limit ${limit}`);
  return rowsOf<Candidate>(result);
}

/**
 * Nearest chunks by cosine distance through the partial HNSW index of this dimension. The source and
 * document filters apply after the index scan; the session's iterative scan (platform/db/client.ts)
 * keeps scanning until enough rows pass them, and its relaxed order is re-sorted exactly here.
 */
export async function vectorCandidates(
  db: Executor,
  embedding: readonly number[],
  dimensions: number,
  filter: CandidateFilter,
): Promise<Candidate[]> {
  assertSupportedDimensions(dimensions);
  const { tenantId, sourceIds, documentIds, limit } = filter;
  const vectorType = sql.raw(`vector(${dimensions})`);
  const queryVector = `[${embedding.join(',')}]`;
  const documentCondition = documentIds ? sql`and document_id = any(${uuidArray(documentIds)})` : sql``;
  const result = await db.execute(sql`
    with nearest as materialized (
      select id, embedding::${vectorType} <=> ${queryVector}::${vectorType} as distance
      from knowledge_chunks
      where embedding_dimensions = ${dimensions} and tenant_id = ${tenantId}
        and source_id = any(${uuidArray(sourceIds)}) ${documentCondition}
      order by embedding::${vectorType} <=> ${queryVector}::${vectorType}
      limit ${limit}
    )
    select id as "chunkId", (1 - distance)::float8 as score from nearest order by distance, id`);
  return rowsOf<Candidate>(result);
}

/**
 * What a hit shows: its document, place and passages around the query's terms (marked «…»).
 * ts_headline parses and stems the whole chunk, so it only runs for chunks whose postings hold a query
 * term (a few index probes); the others have no passage to mark. Re-parsing every chunk to test for a
 * match first cost more than the headlines themselves.
 */
export async function loadHitDetails(
  db: Executor,
  tenantId: string,
  chunkIds: readonly string[],
  query: string,
): Promise<HitDetails[]> {
  if (chunkIds.length === 0) return [];
  const result = await db.execute(sql`
    with query_terms as (
      select array_agg(lexeme) as lexemes, string_agg(quote_literal(lexeme), ' | ')::tsquery as terms
      from unnest(to_tsvector('english', ${query}))
    )
    select c.id as "chunkId", c.source_id as "sourceId", c.document_id as "documentId", d.title as "documentTitle",
      c.page, c.heading_path as "headingPath", c.content,
      case when exists (
          select 1 from knowledge_postings p
          where p.source_id = c.source_id and p.term = any(q.lexemes) and p.chunk_id = c.id
        )
        then ts_headline('english', c.content, q.terms,
          'StartSel=«, StopSel=», MaxFragments=3, MaxWords=30, MinWords=10, FragmentDelimiter="${sql.raw(headlineFragmentDelimiter)}"')
      end as headline
    from knowledge_chunks c
    join knowledge_documents d on d.id = c.document_id and d.tenant_id = ${tenantId}
    cross join query_terms q
    where c.tenant_id = ${tenantId} and c.id = any(${uuidArray(chunkIds)})`);
  return rowsOf<HitDetails>(result).map((detail) =>
    // A term found only in the heading path (indexed with the chunk) leaves nothing marked in the content.
    detail.headline?.includes('«') ? detail : { ...detail, headline: null },
  );
}

function uuidArray(ids: readonly string[]): SQL {
  return sql`${`{${ids.join(',')}}`}::uuid[]`;
}

