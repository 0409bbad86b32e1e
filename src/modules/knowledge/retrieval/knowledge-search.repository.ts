import { inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { knowledgeSources } from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';
import { assertSupportedDimensions, rowsOf, uuidArray } from './knowledge-index.repository.js';

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
