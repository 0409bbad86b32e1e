import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { embeddingDimensions } from '../../../platform/db/schema/knowledge.js';
import { newId } from '../../../platform/ids.js';
import { indexedText, type IndexedChunk } from './knowledge-index.types.js';
import { analyzed, spelledWords, textToAnalyse } from './text-analysis.js';
import { rowsOf, uuidArray } from '../../../platform/db/raw-sql.js';

export type { IndexedChunk } from './knowledge-index.types.js';
export { indexedText } from './knowledge-index.types.js';

/** Where chunks go: their document and the index write (ADR 12) they belong to. */
export interface ChunkWrite {
  readonly tenantId: string;
  readonly sourceId: string;
  readonly documentId: string;
  readonly writeId: string;
  readonly dimensions: number;
}

export interface InsertDocumentChunksInput extends ChunkWrite {
  readonly chunks: readonly IndexedChunk[];
}

/**
 * The most chunks one statement writes; the ingestion job's transactions may hold fewer
 * (`chunksPerWriteTransaction`, ingestion/index-writer.ts).
 */
export const chunksPerStatement = 25;

/**
 * Chunks per transaction when a write is removed. Removing a chunk costs far less than writing one (no
 * HNSW insert); each transaction's cost is mostly updating the term statistics, ~1,500 distinct terms for
 * 25 chunks of prose, which larger batches share. Of 25, 50, 100, 200 and 250, 100 deleted 4.5 MB of
 * text on embedded storage fastest, while other requests waited about as little as at 25 (BENCHMARKS.md,
 * "Deleting a large document").
 */
export const chunksPerRemoval = 100;

/**
 * Rows per transaction when a deleted source's index is removed (ADR 12): its chunks with their postings,
 * then its term statistics. No statistics are updated, since they go with the source, so 250 chunks take
 * ~30 ms on embedded storage and the batch size hardly mattered between 100 and 1,000; the 37,000 terms
 * of 4.5 MB of prose took 118 ms in one statement (BENCHMARKS.md, "Deleting a knowledge source").
 */
export const sourceRemovalBatch = { chunks: 250, terms: 10_000 } as const;

/**
 * In the caller's transaction, statement after statement: every chunk with its postings, term
 * frequencies and source statistics. The ingestion job instead gives each statement a transaction of
 * its own (ingestion/index-writer.ts); tests and benchmarks write a whole document here.
 */
export async function insertDocumentChunks(tx: Executor, input: InsertDocumentChunksInput): Promise<void> {
  for (let start = 0; start < input.chunks.length; start += chunksPerStatement) {
    await insertChunkBatch(tx, input, input.chunks.slice(start, start + chunksPerStatement));
  }
}

/**
 * One statement: up to chunksPerStatement chunks, their postings, the terms' chunk frequencies and the
 * source's counts. The statistics count every stored chunk, searched or not yet (ADR 12).
 *
 * Terms are the lexemes of PostgreSQL's `english` configuration, computed in the database, so that
 * queries (knowledge-search.repository.ts) stem exactly alike on PGlite and PostgreSQL.
 * The source row is locked first: two writes into one source then update its statistics one after the
 * other instead of deadlocking over knowledge_terms rows taken in different orders.
 */
export async function insertChunkBatch(
  tx: Executor,
  write: ChunkWrite,
  chunks: readonly IndexedChunk[],
): Promise<void> {
  const { tenantId, sourceId, documentId, writeId, dimensions } = write;
  assertSupportedDimensions(dimensions);
  if (chunks.length === 0) return;
  if (chunks.length > chunksPerStatement) throw new Error(`at most ${chunksPerStatement} chunks per statement`);
  for (const chunk of chunks) {
    if (chunk.embedding.length !== dimensions) {
      throw new Error(
        `chunk ${chunk.position} has a ${chunk.embedding.length}-dimensional embedding, not ${dimensions}`,
      );
    }
  }
  await lockSource(tx, tenantId, sourceId);
  const batch = chunks.map((chunk) => ({
    id: newId(),
    position: chunk.position,
    content: chunk.content,
    indexed_text: textToAnalyse(indexedText(chunk)),
    page: chunk.page,
    heading_path: chunk.headingPath,
    token_count: chunk.tokenCount,
    embedding: `[${chunk.embedding.join(',')}]`,
  }));
  // The postings insert references the chunks inserted by the same statement; PostgreSQL checks
  // foreign keys at the end of the statement, when both are there.
  await tx.execute(sql`
    with input as (
      select * from jsonb_to_recordset(${JSON.stringify(batch)}::jsonb) as c(
        id uuid, position integer, content text, indexed_text text, page integer,
        heading_path text[], token_count integer, embedding text)
    ),
    spellings as (
      select distinct on (input.id, s.term) input.id as chunk_id, s.term, s.spelling
      from input cross join lateral ${spelledWords(sql.raw('input.indexed_text'))} as s
      order by input.id, s.term, s.repeats desc, s.spelling
    ),
    lexemes as (
      select input.id as chunk_id, t.lexeme as term, cardinality(t.positions) as frequency, s.spelling
      from input cross join lateral unnest(${analyzed(sql.raw('input.indexed_text'))}) as t
      left join spellings s on s.chunk_id = input.id and s.term = t.lexeme
    ),
    lengths as (
      select input.id as chunk_id,
        coalesce((select sum(lexemes.frequency) from lexemes where lexemes.chunk_id = input.id), 0)::int as term_count
      from input
    ),
    inserted_chunks as (
      insert into knowledge_chunks (id, tenant_id, source_id, document_id, write_id, position, content, page,
        heading_path, token_count, term_count, embedding, embedding_dimensions)
      select input.id, ${tenantId}, ${sourceId}, ${documentId}, ${writeId}, input.position, input.content,
        input.page, input.heading_path, input.token_count, lengths.term_count, input.embedding::vector, ${dimensions}
      from input join lengths on lengths.chunk_id = input.id
    ),
    inserted_postings as (
      insert into knowledge_postings (tenant_id, source_id, term, chunk_id, term_frequency, chunk_length, write_id, spelling)
      select ${tenantId}, ${sourceId}, lexemes.term, lexemes.chunk_id, lexemes.frequency, lengths.term_count, ${writeId},
        lexemes.spelling
      from lexemes join lengths on lengths.chunk_id = lexemes.chunk_id
    ),
    counted_spellings as (
      insert into knowledge_term_spellings (tenant_id, source_id, term, spelling, chunk_frequency)
      select ${tenantId}, ${sourceId}, term, spelling, count(*) from lexemes where spelling is not null
      group by term, spelling order by term, spelling
      on conflict (source_id, term, spelling) do update
      set chunk_frequency = knowledge_term_spellings.chunk_frequency + excluded.chunk_frequency
    ),
    counted_terms as (
      insert into knowledge_terms (tenant_id, source_id, term, chunk_frequency)
      select ${tenantId}, ${sourceId}, term, count(*) from lexemes group by term order by term
      on conflict (source_id, term) do update
      set chunk_frequency = knowledge_terms.chunk_frequency + excluded.chunk_frequency
    )
    update knowledge_sources
    set chunk_count = chunk_count + (select count(*) from lengths),
      total_term_count = total_term_count + (select coalesce(sum(term_count), 0) from lengths)
    where tenant_id = ${tenantId} and id = ${sourceId}`);
}

/** Removes a document's chunks: all of them, or those of one write. Returns the chunks removed. */
export async function removeDocumentChunks(
  tx: Executor,
  tenantId: string,
  documentId: string,
  only?: { readonly writeId: string },
): Promise<number> {
  const ofWrite = only ? sql` and write_id = ${only.writeId}` : sql``;
  return removeChunks(tx, tenantId, sql`document_id = ${documentId}${ofWrite}`);
}

/**
 * Removes up to `limit` chunks of one write of a document (its first positions). Returns the chunks
 * removed: fewer than `limit` means the write has none left.
 */
export async function removeWriteChunks(
  tx: Executor,
  tenantId: string,
  write: { readonly documentId: string; readonly writeId: string },
  limit: number,
): Promise<number> {
  const ids = rowsOf<{ id: string }>(
    await tx.execute(sql`
      select id from knowledge_chunks
      where tenant_id = ${tenantId} and document_id = ${write.documentId} and write_id = ${write.writeId}
      order by position limit ${limit}`),
  ).map((row) => row.id);
  if (ids.length === 0) return 0;
  return removeChunks(tx, tenantId, sql`id = any(${uuidArray(ids)})`);
}

/**
 * Removes the chunks of this tenant that match `which` (a condition on knowledge_chunks), their postings
 * (by cascade) and their share of the term, spelling and source statistics.
 */
async function removeChunks(tx: Executor, tenantId: string, which: SQL): Promise<number> {
  const [owner] = rowsOf<{ source_id: string }>(
    await tx.execute(sql`select source_id from knowledge_chunks where tenant_id = ${tenantId} and ${which} limit 1`),
  );
  if (!owner) return 0;
  const sourceId = owner.source_id;
  await lockSource(tx, tenantId, sourceId);
  // Terms whose last chunk goes are deleted, the others decremented: two disjoint sets of rows, so
  // one statement can do both (in term order, like the insert).
  await tx.execute(sql`
    with removed_chunks as (
      select id from knowledge_chunks where tenant_id = ${tenantId} and ${which}
    ),
    removed_terms as (
      select p.term, count(*)::int as chunks
      from knowledge_postings p join removed_chunks c on c.id = p.chunk_id
      where p.tenant_id = ${tenantId}
      group by p.term
    ),
    emptied as (
      delete from knowledge_terms t using removed_terms d
      where t.tenant_id = ${tenantId} and t.source_id = ${sourceId} and t.term = d.term
        and t.chunk_frequency <= d.chunks
    ),
    removed_spellings as (
      select p.term, p.spelling, count(*)::int as chunks
      from knowledge_postings p join removed_chunks c on c.id = p.chunk_id
      where p.tenant_id = ${tenantId} and p.spelling is not null
      group by p.term, p.spelling
    ),
    emptied_spellings as (
      delete from knowledge_term_spellings w using removed_spellings d
      where w.tenant_id = ${tenantId} and w.source_id = ${sourceId} and w.term = d.term and w.spelling = d.spelling
        and w.chunk_frequency <= d.chunks
    ),
    fewer_spellings as (
      update knowledge_term_spellings w set chunk_frequency = w.chunk_frequency - d.chunks
      from removed_spellings d
      where w.tenant_id = ${tenantId} and w.source_id = ${sourceId} and w.term = d.term and w.spelling = d.spelling
        and w.chunk_frequency > d.chunks
    )
    update knowledge_terms t set chunk_frequency = t.chunk_frequency - d.chunks
    from removed_terms d
    where t.tenant_id = ${tenantId} and t.source_id = ${sourceId} and t.term = d.term
      and t.chunk_frequency > d.chunks`);
  const [removed] = rowsOf<{ chunks: number; terms: number }>(
    await tx.execute(sql`
      with removed as (
        delete from knowledge_chunks where tenant_id = ${tenantId} and ${which}
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

/**
 * Removes the next batch of a deleted source's index: chunks with their postings (by cascade) while any
 * are left, then term statistics. Returns the rows removed, 0 once the index is gone. The caller holds
 * the deleted source's row (SourcesRepository.lockDeleted), as every write and removal of a source
 * locks it first, so a batch of a write in flight or the upkeep's sweep runs before or after this.
 */
export async function removeSourceIndexBatch(tx: Executor, tenantId: string, sourceId: string): Promise<number> {
  const chunks = countOf(
    await tx.execute(sql`
      with removed as (
        delete from knowledge_chunks where id in (
          select id from knowledge_chunks where tenant_id = ${tenantId} and source_id = ${sourceId}
          limit ${sourceRemovalBatch.chunks})
        returning 1
      )
      select count(*)::int as removed from removed`),
  );
  if (chunks > 0) return chunks;
  const spellings = countOf(
    await tx.execute(sql`
      with removed as (
        delete from knowledge_term_spellings where tenant_id = ${tenantId} and source_id = ${sourceId}
          and (term, spelling) in (
            select term, spelling from knowledge_term_spellings where tenant_id = ${tenantId} and source_id = ${sourceId}
            limit ${sourceRemovalBatch.terms})
        returning 1
      )
      select count(*)::int as removed from removed`),
  );
  if (spellings > 0) return spellings;
  return countOf(
    await tx.execute(sql`
      with removed as (
        delete from knowledge_terms where tenant_id = ${tenantId} and source_id = ${sourceId} and term in (
          select term from knowledge_terms where tenant_id = ${tenantId} and source_id = ${sourceId}
          limit ${sourceRemovalBatch.terms})
        returning 1
      )
      select count(*)::int as removed from removed`),
  );
}

const countOf = (result: unknown): number => rowsOf<{ removed: number }>(result)[0]?.removed ?? 0;

async function lockSource(tx: Executor, tenantId: string, sourceId: string): Promise<void> {
  await tx.execute(sql`select 1 from knowledge_sources where tenant_id = ${tenantId} and id = ${sourceId} for update`);
}

export function assertSupportedDimensions(dimensions: number): void {
  if (!(embeddingDimensions as readonly number[]).includes(dimensions)) {
    throw new Error(`unsupported embedding dimensions ${dimensions}; supported: ${embeddingDimensions.join(', ')}`);
  }
}
