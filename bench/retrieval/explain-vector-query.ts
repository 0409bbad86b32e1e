import { sql } from 'drizzle-orm';
import type { DatabaseHandle } from '../../src/platform/db/client.js';
import type { BenchSource } from './bench-storage.js';
import { rowsOf } from '../../src/platform/db/raw-sql.js';

/**
 * EXPLAIN of the vector candidate query's shape (knowledge-search.repository.ts) with the same
 * session settings, to show the partial HNSW index of this dimension is what serves it.
 */
export async function explainVectorQuery(
  handle: DatabaseHandle,
  source: BenchSource,
  dimensions: number,
): Promise<string> {
  const probe = `[${Array.from({ length: dimensions }, (_, index) => (index === 0 ? 1 : 0)).join(',')}]`;
  const vectorType = sql.raw(`vector(${dimensions})`);
  // The session already has the search's settings (platform/db/client.ts).
  const rows = rowsOf<{ 'QUERY PLAN': string }>(
    await handle.db.execute(sql`
      explain select id from knowledge_chunks
      where embedding_dimensions = ${sql.raw(String(dimensions))} and tenant_id = ${source.tenantId}
        and source_id = any(${`{${source.sourceId}}`}::uuid[])
      order by embedding::${vectorType} <=> ${probe}::${vectorType} limit 100`),
  );
  return `EXPLAIN (vector candidates, ${dimensions} dimensions):\n${rows.map((row) => `    ${row['QUERY PLAN']}`).join('\n')}`;
}
