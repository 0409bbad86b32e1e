import { inArray, sql, type SQL } from 'drizzle-orm';
import type { Database, Executor } from '../../../platform/db/client.js';
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
 */
export async function lexicalCandidates(db: Executor, query: string, filter: CandidateFilter): Promise<Candidate[]> {
  const { tenantId, sourceIds, documentIds, limit } = filter;
  const [k1, k1PlusOne, b] = [bm25.k1, bm25.k1 + 1, bm25.b].map((value) => sql.raw(`${value}::float8`));
  const documentCondition = documentIds ? sql`and c.document_id = any(${uuidArray(documentIds)})` : sql``;
  const result = await db.execute(sql`
    with query_terms as (
      select lexeme as term, cardinality(positions) as repeats from unnest(to_tsvector('english', ${query}))
    ),
    sources as (
      select id, greatest(chunk_count, 1)::float8 as chunks,
        greatest(total_term_count, 1)::float8 / greatest(chunk_count, 1) as average_length
      from knowledge_sources where tenant_id = ${tenantId} and id = any(${uuidArray(sourceIds)})
    ),
    weighted_terms as (
      select t.source_id, t.term, s.average_length,
        q.repeats * ln(1 + (s.chunks - t.chunk_frequency + 0.5) / (t.chunk_frequency + 0.5)) as idf
      from query_terms q
      join knowledge_terms t on t.term = q.term and t.tenant_id = ${tenantId}
      join sources s on s.id = t.source_id
    ),
    scored as (
      select p.chunk_id, sum(w.idf * p.term_frequency * ${k1PlusOne}
          / (p.term_frequency + ${k1} * (1 - ${b} + ${b} * c.term_count / w.average_length))) as score
      from weighted_terms w
      join knowledge_postings p on p.source_id = w.source_id and p.term = w.term and p.tenant_id = ${tenantId}
      join knowledge_chunks c on c.id = p.chunk_id and c.tenant_id = ${tenantId} ${documentCondition}
      group by p.chunk_id
    )
    select chunk_id as "chunkId", score::float8 as score from scored
    order by score desc, chunk_id
    limit ${limit}`);
  return rowsOf<Candidate>(result);
}

/**
 * Nearest chunks by cosine distance through the partial HNSW index of this dimension. The source and
 * document filters apply after the index scan, so pgvector's iterative scan (≥ 0.8) keeps scanning
 * until enough rows pass them; relaxed order is re-sorted exactly here. In its own transaction so the
 * settings stay local to it.
 */
export async function vectorCandidates(
  db: Database,
  embedding: readonly number[],
  dimensions: number,
  filter: CandidateFilter,
): Promise<Candidate[]> {
  assertSupportedDimensions(dimensions);
  const { tenantId, sourceIds, documentIds, limit } = filter;
  const vectorType = sql.raw(`vector(${dimensions})`);
  const queryVector = `[${embedding.join(',')}]`;
  const documentCondition = documentIds ? sql`and document_id = any(${uuidArray(documentIds)})` : sql``;
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local hnsw.iterative_scan = relaxed_order`);
    await tx.execute(sql.raw(`set local hnsw.ef_search = ${Math.max(40, Math.min(limit, 1000))}`));
    const result = await tx.execute(sql`
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
  });
}

/** What a hit shows: its document, place and passages around the query's terms (marked «…»). */
export async function loadHitDetails(
  db: Executor,
  tenantId: string,
  chunkIds: readonly string[],
  query: string,
): Promise<HitDetails[]> {
  if (chunkIds.length === 0) return [];
  const result = await db.execute(sql`
    with query_terms as (
      select (select string_agg(quote_literal(lexeme), ' | ') from unnest(to_tsvector('english', ${query})))::tsquery
        as terms
    )
    select c.id as "chunkId", c.source_id as "sourceId", c.document_id as "documentId", d.title as "documentTitle",
      c.page, c.heading_path as "headingPath", c.content,
      case when q.terms is not null and to_tsvector('english', c.content) @@ q.terms
        then ts_headline('english', c.content, q.terms,
          'StartSel=«, StopSel=», MaxFragments=3, MaxWords=30, MinWords=10, FragmentDelimiter="${sql.raw(headlineFragmentDelimiter)}"')
      end as headline
    from knowledge_chunks c
    join knowledge_documents d on d.id = c.document_id and d.tenant_id = ${tenantId}
    cross join query_terms q
    where c.tenant_id = ${tenantId} and c.id = any(${uuidArray(chunkIds)})`);
  return rowsOf<HitDetails>(result);
}

function uuidArray(ids: readonly string[]): SQL {
  return sql`${`{${ids.join(',')}}`}::uuid[]`;
}

