import { performance } from 'node:perf_hooks';
import { eq } from 'drizzle-orm';
import { createEmbedderRegistry } from '../../src/ai/embeddings/embedder-registry.js';
import { createRerankerRegistry } from '../../src/ai/reranking/reranker-registry.js';
import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { knowledgeSources } from '../../src/platform/db/schema/index.js';
import { createKnowledgeSearch } from '../../src/modules/knowledge/retrieval/knowledge-search.js';
import { createLogger } from '../../src/platform/logger.js';
import { startFakeRerankServer } from '../../test/fakes/fake-rerank-server.js';
import type { BenchSource } from './bench-storage.js';
import { percentile } from './ranking-metrics.js';

/**
 * What reranking costs a search beyond the model's own time: hybrid search at topK 10 with and without
 * the source's reranking model, against the tests' fake of Cohere's API on 127.0.0.1 (it answers at once,
 * scoring by shared words; no real reranking model can be downloaded here, so this says nothing of
 * quality). The difference is the deeper detail load (30 passages instead of 10), the JSON round trip
 * and the fake's own work, which runs in this process too. Queries alternate with and without, so both
 * see the same machine.
 */
export async function timeRerankOverhead(
  handle: DatabaseHandle,
  source: BenchSource,
  queries: readonly string[],
): Promise<void> {
  const reranker = await startFakeRerankServer();
  const setRerankModel = (rerankModel: string | null) =>
    handle.db.update(knowledgeSources).set({ rerankModel }).where(eq(knowledgeSources.id, source.sourceId));
  try {
    await setRerankModel('bench:fake-rerank');
    const search = createKnowledgeSearch({
      db: handle.db,
      embedders: createEmbedderRegistry({ config: { providers: {} } }),
      rerankers: createRerankerRegistry({ config: { providers: {} } }),
      logger: createLogger({ level: 'warn' }),
      loadTenantProviders: async () => [
        { name: 'bench', kind: 'cohere', apiKey: 'bench', baseUrl: reranker.baseUrl, settings: {} },
      ],
    });
    const latencies = { plain: [] as number[], reranked: [] as number[] };
    let applied = 0;
    for (const query of queries) {
      for (const rerank of [false, true]) {
        const started = performance.now();
        const outcome = await search.searchExplained(
          { ...source, sourceIds: [source.sourceId], query, topK: 10, mode: 'hybrid', rerank },
          undefined,
        );
        (rerank ? latencies.reranked : latencies.plain).push(performance.now() - started);
        if (outcome.reranking?.status === 'applied') applied += 1;
      }
    }
    const row = (label: string, values: number[]) =>
      `| ${label} | ${values.length} | ${percentile(values, 0.5).toFixed(1)} | ${percentile(values, 0.95).toFixed(1)} |`;
    console.log('\n| hybrid, topK 10 | queries | p50 ms | p95 ms |\n|---|---|---|---|');
    console.log(row('without reranking', latencies.plain));
    console.log(row(`reranked (fake Cohere API on 127.0.0.1; applied ${applied})`, latencies.reranked));
  } finally {
    await setRerankModel(null);
    await reranker.close();
  }
}
