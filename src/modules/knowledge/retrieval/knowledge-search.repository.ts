import { inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { isLiveSource, knowledgeSources } from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';
import { hiddenWriteIds } from './index-writes.repository.js';
import { assertSupportedDimensions } from './knowledge-index.repository.js';
import { queryLexemes } from './text-analysis.js';
import { rowsOf, uuidArray } from '../../../platform/db/raw-sql.js';

export interface SearchedSource {
  readonly id: string;
  readonly embeddingModel: string;
  readonly embeddingDimensions: number;
  readonly rerankModel: string | null;
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
}

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
      rerankModel: knowledgeSources.rerankModel,
    })
    .from(knowledgeSources)
    .where(inTenant(knowledgeSources, tenantId, inArray(knowledgeSources.id, [...sourceIds]), isLiveSource));
}

/**
 * Nearest chunks by cosine distance through the partial HNSW index of this dimension. The source,
 * document and write (ADR 12) filters apply after the index scan; the session's iterative scan (platform/db/client.ts)
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
        and write_id <> all(${hiddenWriteIds(tenantId, sourceIds)})
      order by embedding::${vectorType} <=> ${queryVector}::${vectorType}
      limit ${limit}
    )
    -- A chunk or a query the embedder found nothing in (only symbols, say) is the zero vector, whose
    -- cosine distance is NaN: it is near nothing, and NaN is no score to show. PostgreSQL sorts NaN last.
    select id as "chunkId", (1 - distance)::float8 as score from nearest
    where distance <> 'NaN'::float8
    order by distance, id`);
  return rowsOf<Candidate>(result);
}

/**
 * What a hit shows: its document, place and content, and the query's terms as the index holds them
 * (`to_tsvector('english', …)`) with the terms its corrections added, from which its passages are
 * marked (passage-highlights.ts).
 */
export async function loadHitDetails(
  db: Executor,
  tenantId: string,
  chunkIds: readonly string[],
  query: string,
  correctedTerms: readonly string[] = [],
): Promise<{ details: HitDetails[]; queryLexemes: string[] }> {
  if (chunkIds.length === 0) return { details: [], queryLexemes: [] };
  const result = await db.execute(sql`
    select c.id as "chunkId", c.source_id as "sourceId", c.document_id as "documentId",
      -- A subquery, so each hit's title is one primary-key probe whatever the statistics say: a join was
      -- planned as a hash of all the tenant's documents when their row estimate was stale (5 ms of 5.4).
      (select d.title from knowledge_documents d where d.id = c.document_id and d.tenant_id = ${tenantId})
        as "documentTitle",
      c.page, c.heading_path as "headingPath", c.content,
      (select coalesce(array_agg(lexeme), '{}') from ${queryLexemes(query)} as lexemes) as "queryLexemes"
    from knowledge_chunks c
    where c.tenant_id = ${tenantId} and c.id = any(${uuidArray(chunkIds)})`);
  const rows = rowsOf<HitDetails & { queryLexemes: string[] }>(result);
  return {
    details: rows.map(({ queryLexemes: _queryLexemes, ...detail }) => detail),
    queryLexemes: [...new Set([...(rows[0]?.queryLexemes ?? []), ...correctedTerms])],
  };
}
