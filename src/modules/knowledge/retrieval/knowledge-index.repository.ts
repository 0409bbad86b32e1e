import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { embeddingDimensions } from '../../../platform/db/schema/knowledge.js';
import { newId } from '../../../platform/ids.js';
import { yieldToEventLoop } from '../../../platform/yield-to-event-loop.js';
import { indexedText, type IndexedChunk } from './knowledge-index.types.js';

export type { IndexedChunk } from './knowledge-index.types.js';
export { indexedText } from './knowledge-index.types.js';

export interface InsertDocumentChunksInput {
  readonly tenantId: string;
  readonly sourceId: string;
  readonly documentId: string;
  readonly dimensions: number;
  readonly chunks: readonly IndexedChunk[];
}

/** Chunks per statement: ~200 × (1.5 kB of text + a 384…1536-float vector) keeps a statement to a few MB. */
const chunksPerStatement = 200;

/**
 * In the caller's transaction: inserts chunks, postings, term frequencies and source statistics.
 * Idempotent for a document when removeDocumentChunks runs first in the same transaction.
 *
 * Terms are the lexemes of PostgreSQL's `english` configuration, computed in the database, so that
 * queries (knowledge-search.repository.ts) stem exactly alike on PGlite and PostgreSQL.
 * The source row is locked first: two jobs of one source then write its statistics one after the
 * other instead of deadlocking over knowledge_terms rows taken in different orders.
 */
export async function insertDocumentChunks(tx: Executor, input: InsertDocumentChunksInput): Promise<void> {
  const { tenantId, sourceId, documentId, dimensions, chunks } = input;
  assertSupportedDimensions(dimensions);
  if (chunks.length === 0) return;
  for (const chunk of chunks) {
    if (chunk.embedding.length !== dimensions) {
      throw new Error(`chunk ${chunk.position} has a ${chunk.embedding.length}-dimensional embedding, not ${dimensions}`);
    }
  }
  await lockSource(tx, tenantId, sourceId);
  let chunkCount = 0;
  let termCount = 0;
  for (let start = 0; start < chunks.length; start += chunksPerStatement) {
    // Each statement holds an embedded server's event loop while it runs (~1 s for 200 chunks): let
    // what waits run between them.
    await yieldToEventLoop();
    const batch = chunks.slice(start, start + chunksPerStatement).map((chunk) => ({
      id: newId(),
      position: chunk.position,
      content: chunk.content,
      indexed_text: indexedText(chunk),
      page: chunk.page,
      heading_path: chunk.headingPath,
      token_count: chunk.tokenCount,
      embedding: `[${chunk.embedding.join(',')}]`,
    }));
    const result = await tx.execute(sql`
      with input as (
        select * from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) as c(
          id uuid, position integer, content text, indexed_text text, page integer,
          heading_path text[], token_count integer, embedding text)
      ),
      lexemes as (
        select input.id as chunk_id, t.lexeme as term, cardinality(t.positions) as frequency
        from input cross join lateral unnest(to_tsvector('english', input.indexed_text)) as t
      ),
      lengths as (
        select input.id as chunk_id,
          coalesce((select sum(lexemes.frequency) from lexemes where lexemes.chunk_id = input.id), 0)::int as term_count
        from input
      ),
      inserted_chunks as (
        insert into knowledge_chunks (id, tenant_id, source_id, document_id, position, content, page, heading_path,
          token_count, term_count, embedding, embedding_dimensions)
        select input.id, ${tenantId}, ${sourceId}, ${documentId}, input.position, input.content, input.page,
          input.heading_path, input.token_count, lengths.term_count, input.embedding::vector, ${dimensions}
        from input join lengths on lengths.chunk_id = input.id
        returning term_count
      ),
      inserted_postings as (
        insert into knowledge_postings (tenant_id, source_id, term, chunk_id, term_frequency, chunk_length)
        select ${tenantId}, ${sourceId}, lexemes.term, lexemes.chunk_id, lexemes.frequency, lengths.term_count
        from lexemes join lengths on lengths.chunk_id = lexemes.chunk_id
      ),
      counted_terms as (
        insert into knowledge_terms (tenant_id, source_id, term, chunk_frequency)
        select ${tenantId}, ${sourceId}, term, count(*) from lexemes group by term order by term
        on conflict (source_id, term) do update
        set chunk_frequency = knowledge_terms.chunk_frequency + excluded.chunk_frequency
      )
      select count(*)::int as chunks, coalesce(sum(term_count), 0)::int as terms from inserted_chunks`);
    // The postings insert references the chunks inserted by the same statement; PostgreSQL checks
    // foreign keys at the end of the statement, when both are there.
    const [row] = rowsOf<{ chunks: number; terms: number }>(result);
    chunkCount += row?.chunks ?? 0;
    termCount += row?.terms ?? 0;
  }
  await tx.execute(sql`
    update knowledge_sources
    set chunk_count = chunk_count + ${chunkCount}, total_term_count = total_term_count + ${termCount}
    where tenant_id = ${tenantId} and id = ${sourceId}`);
}

/** Removes a document's chunks and postings, decrementing term and source statistics. Returns the chunks removed. */
export async function removeDocumentChunks(tx: Executor, tenantId: string, documentId: string): Promise<number> {
  const [owner] = rowsOf<{ source_id: string }>(
    await tx.execute(sql`
      select source_id from knowledge_chunks
      where tenant_id = ${tenantId} and document_id = ${documentId} limit 1`),
  );
  if (!owner) return 0;
  const sourceId = owner.source_id;
  await lockSource(tx, tenantId, sourceId);
  // Terms whose last chunk goes are deleted, the others decremented: two disjoint sets of rows, so
  // one statement can do both (in term order, like the insert).
  await tx.execute(sql`
    with document_terms as (
      select p.term, count(*)::int as chunks
      from knowledge_postings p join knowledge_chunks c on c.id = p.chunk_id
      where c.tenant_id = ${tenantId} and c.document_id = ${documentId} and p.tenant_id = ${tenantId}
      group by p.term
    ),
    emptied as (
      delete from knowledge_terms t using document_terms d
      where t.tenant_id = ${tenantId} and t.source_id = ${sourceId} and t.term = d.term
        and t.chunk_frequency <= d.chunks
    )
    update knowledge_terms t set chunk_frequency = t.chunk_frequency - d.chunks
    from document_terms d
    where t.tenant_id = ${tenantId} and t.source_id = ${sourceId} and t.term = d.term
      and t.chunk_frequency > d.chunks`);
  const [removed] = rowsOf<{ chunks: number; terms: number }>(
    await tx.execute(sql`
      with removed as (
        delete from knowledge_chunks
        where tenant_id = ${tenantId} and document_id = ${documentId}
        returning term_count
      )
      select count(*)::int as chunks, coalesce(sum(term_count), 0)::int as terms from removed`),
  );
  const chunks = removed?.chunks ?? 0;
  await tx.execute(sql`
    update knowledge_sources
    set chunk_count = greatest(chunk_count - ${chunks}, 0),
        total_term_count = greatest(total_term_count - ${removed?.terms ?? 0}, 0)
    where tenant_id = ${tenantId} and id = ${sourceId}`);
  return chunks;
}

async function lockSource(tx: Executor, tenantId: string, sourceId: string): Promise<void> {
  await tx.execute(sql`select 1 from knowledge_sources where tenant_id = ${tenantId} and id = ${sourceId} for update`);
}

export function assertSupportedDimensions(dimensions: number): void {
  if (!(embeddingDimensions as readonly number[]).includes(dimensions)) {
    throw new Error(`unsupported embedding dimensions ${dimensions}; supported: ${embeddingDimensions.join(', ')}`);
  }
}

/** A uuid[] parameter (ids are checked as UUIDs before they get here). */
export function uuidArray(ids: readonly string[]): SQL {
  return sql`${`{${ids.join(',')}}`}::uuid[]`;
}

/** node-postgres answers a QueryResult, PGlite a Results object: both carry `rows`. */
export function rowsOf<Row>(result: unknown): Row[] {
  return (result as { rows?: Row[] }).rows ?? [];
}
