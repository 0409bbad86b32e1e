/**
 * `[DATABASE_URL=…] npx tsx bench/retrieval/hybrid-rankings.ts ../shared/ir/scifact out.json`
 * Every judged query's hybrid ranking (corpus ids, best first) and metrics, at topK 10 and 100, clean and
 * with seeded typos, correction on and off, written to a JSON file: two builds' files compared show
 * whether a change to how hybrid search runs changed what it returns (`diff` them, or read the counts it
 * prints). Ingests directly; nothing is timed.
 */
import { writeFileSync } from 'node:fs';
import { createEmbedderRegistry } from '../../src/ai/embeddings/embedder-registry.js';
import { createRerankerRegistry } from '../../src/ai/reranking/reranker-registry.js';
import { vacuumKnowledgeIndex } from '../../src/modules/knowledge/ingestion/index-upkeep.js';
import { createKnowledgeSearch } from '../../src/modules/knowledge/retrieval/knowledge-search.js';
import { createLogger } from '../../src/platform/logger.js';
import { readBeirCollection } from './beir-collection.js';
import { createBenchSource, deleteBenchTenant, openBenchStorage } from './bench-storage.js';
import { queryVariants } from './collection-scoring.js';
import { directIngester } from './corpus-ingestion.js';
import { scoreRanking } from './ranking-metrics.js';

const [directory = '../shared/ir/scifact', output = 'hybrid-rankings.json'] = process.argv.slice(2);
const embedders = createEmbedderRegistry({ config: { providers: {} } });
const embedder = await embedders.resolve('offline', []);
const collection = await readBeirCollection(directory);
const storage = await openBenchStorage(process.env.DATABASE_URL);
const source = await createBenchSource(storage.handle, 'rankings', embedder.dimensions);
try {
  const corpusIds = await directIngester(storage.handle, embedder)(source, collection.documents);
  await vacuumKnowledgeIndex(storage.handle.db);
  const search = createKnowledgeSearch({
    db: storage.handle.db,
    embedders,
    rerankers: createRerankerRegistry({ config: { providers: {} } }),
    logger: createLogger({ level: 'warn' }),
    loadTenantProviders: async () => [],
  });
  const rows: Record<string, unknown>[] = [];
  for (const variant of queryVariants(collection.queries)) {
    for (const topK of [10, 100]) {
      for (const correct of [true, false]) {
        for (const query of variant.queries) {
          const hits = await search.search({
            ...source,
            sourceIds: [source.sourceId],
            query: query.text,
            topK,
            mode: 'hybrid',
            correct,
          });
          const ranked = [...new Set(hits.map((hit) => corpusIds.get(hit.documentId)!))];
          const metrics = scoreRanking(ranked, collection.relevant.get(query.id)!);
          const scores = hits.map((hit) => Number(hit.score.toFixed(6)));
          rows.push({ variant: variant.name, topK, correct, id: query.id, ...metrics, ranked, scores });
        }
      }
    }
  }
  writeFileSync(output, JSON.stringify(rows, null, 0).replaceAll('},{', '},\n{'));
  console.log(`${rows.length} rankings written to ${output}`);
} finally {
  await deleteBenchTenant(storage.handle, source.tenantId);
  await storage.dispose();
}
