/**
 * `npm run bench:retrieval -- --collection ../shared/ir/scifact [--ingest upload|direct] [--synthetic 100000 [--vocabulary english-like|no-stop-words]] [--modes lexical,vector,hybrid] [--rerank-overhead]`
 * Retrieval quality (nDCG@10, recall@100, MRR@10 with trec_eval's definitions, binary judgements, a
 * document scored by its best chunk) and speed (query p50/p95, ingestion throughput) of the one
 * search path (KnowledgeSearch.search), on embedded PGlite, or on PostgreSQL when DATABASE_URL is set.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createEmbedderRegistry } from '../../src/ai/embeddings/embedder-registry.js';
import { createRerankerRegistry } from '../../src/ai/reranking/reranker-registry.js';
import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { vacuumKnowledgeIndex } from '../../src/modules/knowledge/ingestion/index-upkeep.js';
import { createKnowledgeSearch } from '../../src/modules/knowledge/retrieval/knowledge-search.js';
import { createLogger } from '../../src/platform/logger.js';
import { searchModes, type SearchMode } from '../../src/modules/knowledge/retrieval/knowledge-search.types.js';
import type { FusionOptions } from '../../src/modules/knowledge/retrieval/rank-fusion.js';
import { readBeirCollection } from './beir-collection.js';
import { createBenchSource, deleteBenchTenant, openBenchStorage, type BenchSource } from './bench-storage.js';
import { directIngester, type CorpusText } from './corpus-ingestion.js';
import { explainVectorQuery } from './explain-vector-query.js';
import { ingestThroughUploads } from './upload-ingestion.js';
import { meanMetrics, percentile, scoreRanking, type QueryMetrics } from './ranking-metrics.js';
import { timeRerankOverhead } from './rerank-overhead.js';
import { syntheticCorpus, syntheticVocabularies, type SyntheticVocabulary } from './synthetic-corpus.js';
import { openAppDatabase } from './bench-app.js';
import { noisyQuery } from './noisy-queries.js';

const { values: options } = parseArgs({
  options: {
    collection: { type: 'string' },
    /**
     * How a collection is ingested: `upload` (the default: each document uploaded over the API and indexed
     * by the ingestion jobs, the real path) or `direct` (chunked, embedded and written by the bench itself).
     */
    ingest: { type: 'string', default: 'upload' },
    synthetic: { type: 'string' },
    /** The synthetic source's words: english-like (default: stop words lead the Zipf law) or no-stop-words. */
    vocabulary: { type: 'string', default: 'english-like' },
    modes: { type: 'string', default: searchModes.join(',') },
    /** Extra hybrid fusions to score on the same index, e.g. "rrf:60:1:0.5,convex:0:0.8:0.2" (method:k:lexical:vector). */
    fusions: { type: 'string' },
    /** Score only the first N judged queries (to try a change quickly; the figures are of all of them). */
    queries: { type: 'string' },
    /** Also time hybrid search with a reranking model (a local fake of Cohere's API): its overhead. */
    'rerank-overhead': { type: 'boolean', default: false },
  },
});

const databaseUrl = process.env.DATABASE_URL;
const modes = options.modes.split(',').filter((mode): mode is SearchMode => (searchModes as string[]).includes(mode));
const embedders = createEmbedderRegistry({ config: { providers: {} } });
/** No bench source names a reranking model (none can be downloaded); these only complete the wiring. */
const searchWiring = {
  embedders,
  rerankers: createRerankerRegistry({ config: { providers: {} } }),
  logger: createLogger({ level: 'warn' }),
  loadTenantProviders: async () => [],
};
const embedder = await embedders.resolve('offline', []);

// Uploads are indexed by the app's jobs, whose database must come from the same build (bench-app.ts).
const storage = await openBenchStorage(
  databaseUrl,
  options.collection && options.ingest === 'upload' ? openAppDatabase : undefined,
);
console.log(`# bench:retrieval on ${storage.label} — node ${process.version}, ${new Date().toISOString()}`);
console.log(`$ ${commandLine()}\n`);
try {
  if (options.collection) await benchCollection(storage.handle, options.collection);
  if (options.synthetic) await benchSynthetic(storage.handle, Number(options.synthetic));
} finally {
  await storage.dispose();
}

async function benchCollection(handle: DatabaseHandle, directory: string): Promise<void> {
  const collection = await readBeirCollection(directory);
  const ingestion = await ingestCollection(handle, collection.documents);
  const { source, corpusIds } = ingestion;
  console.log(
    `collection ${directory}: ${collection.documents.length} documents → ${ingestion.chunks} chunks, ` +
      `${collection.queries.length} judged queries`,
  );
  printIngestion(ingestion);
  await settleAfterIngestion(handle);
  const fusions: (FusionOptions | undefined)[] = [undefined, ...parseFusions(options.fusions)];
  const judged = collection.queries.slice(0, options.queries ? Number(options.queries) : undefined);
  // The same queries as typed with typos (noisy-queries.ts): what hybrid's vectors are for.
  const variants = [
    { name: 'clean', queries: judged },
    { name: 'noisy', queries: judged.map((query) => ({ ...query, text: noisyQuery(query.id, query.text) })) },
  ];
  console.log(`${judged.length} queries scored, each clean and with seeded typos (noisy)`);
  console.log(
    '\n| queries | mode (topK 100) | nDCG@10 | recall@100 | MRR@10 | p50 ms | p95 ms |\n|---|---|---|---|---|---|---|',
  );
  const summary = new Map<string, QueryMetrics>();
  for (const variant of variants) {
    for (const fusion of fusions) {
      const search = createKnowledgeSearch({ db: handle.db, ...searchWiring, ...(fusion && { fusion }) });
      for (const mode of fusion ? (['hybrid'] as const) : modes) {
        const perQuery: QueryMetrics[] = [];
        const latencies: number[] = [];
        for (const query of variant.queries.slice(0, 5)) {
          await search.search({ ...source, sourceIds: [source.sourceId], query: query.text, topK: 100, mode });
        }
        for (const query of variant.queries) {
          const started = performance.now();
          const hits = await search.search({
            ...source,
            sourceIds: [source.sourceId],
            query: query.text,
            topK: 100,
            mode,
          });
          latencies.push(performance.now() - started);
          // A document ranks where its best chunk does.
          const ranked = [...new Set(hits.map((hit) => corpusIds.get(hit.documentId)!))];
          perQuery.push(scoreRanking(ranked, collection.relevant.get(query.id)!));
        }
        const mean = meanMetrics(perQuery);
        const label = fusion
          ? `hybrid ${fusion.method} k=${fusion.k} lexical=${fusion.lexicalWeight} vector=${fusion.vectorWeight}`
          : mode;
        if (!fusion) summary.set(`${variant.name} ${mode}`, mean);
        console.log(
          `| ${variant.name} | ${label} | ${mean.ndcgAt10.toFixed(4)} | ${mean.recallAt100.toFixed(4)} | ${mean.mrrAt10.toFixed(4)} | ` +
            `${percentile(latencies, 0.5).toFixed(1)} | ${percentile(latencies, 0.95).toFixed(1)} |`,
        );
      }
    }
  }
  printSideBySide(summary);
  await timeAtChatDepth(
    handle,
    source,
    judged.map((query) => query.text),
  );
  if (options['rerank-overhead']) {
    await timeRerankOverhead(
      handle,
      source,
      collection.queries.map((query) => query.text),
    );
  }
  console.log(`\n${await explainVectorQuery(handle, source, embedder.dimensions)}\n`);
  await deleteBenchTenant(handle, source.tenantId);
}

/** nDCG@10 and recall@100 of each mode, clean and noisy queries side by side, and hybrid against lexical. */
function printSideBySide(summary: ReadonlyMap<string, QueryMetrics>): void {
  const cell = (key: string, pick: (metrics: QueryMetrics) => number) => {
    const metrics = summary.get(key);
    return metrics ? pick(metrics).toFixed(4) : '–';
  };
  const gain = (variant: string, pick: (metrics: QueryMetrics) => number) => {
    const [hybrid, lexical] = [summary.get(`${variant} hybrid`), summary.get(`${variant} lexical`)];
    return hybrid && lexical
      ? `${pick(hybrid) - pick(lexical) >= 0 ? '+' : ''}${(pick(hybrid) - pick(lexical)).toFixed(4)}`
      : '–';
  };
  const ndcg = (metrics: QueryMetrics) => metrics.ndcgAt10;
  const recall = (metrics: QueryMetrics) => metrics.recallAt100;
  console.log(
    '\n| queries | lexical nDCG@10 / R@100 | vector nDCG@10 / R@100 | hybrid nDCG@10 / R@100 | hybrid − lexical |\n|---|---|---|---|---|',
  );
  for (const variant of ['clean', 'noisy']) {
    const both = (mode: string) => `${cell(`${variant} ${mode}`, ndcg)} / ${cell(`${variant} ${mode}`, recall)}`;
    console.log(
      `| ${variant} | ${both('lexical')} | ${both('vector')} | ${both('hybrid')} | ${gain(variant, ndcg)} / ${gain(variant, recall)} |`,
    );
  }
}

/**
 * The quality table searches 100 deep (recall@100 needs it), highlights included. Chat asks for 6
 * passages and the playground for 8, so latency is also timed at 10: the query as users send it.
 */
async function timeAtChatDepth(handle: DatabaseHandle, source: BenchSource, queries: readonly string[]): Promise<void> {
  const search = createKnowledgeSearch({ db: handle.db, ...searchWiring });
  console.log('\n| mode (topK 10) | queries | p50 ms | p95 ms |\n|---|---|---|---|');
  for (const mode of modes) {
    const latencies: number[] = [];
    for (const query of queries) {
      const started = performance.now();
      await search.search({ ...source, sourceIds: [source.sourceId], query, topK: 10, mode });
      latencies.push(performance.now() - started);
    }
    console.log(
      `| ${mode} | ${queries.length} | ${percentile(latencies, 0.5).toFixed(1)} | ${percentile(latencies, 0.95).toFixed(1)} |`,
    );
  }
}

async function benchSynthetic(handle: DatabaseHandle, chunkCount: number): Promise<void> {
  const vocabulary = options.vocabulary as SyntheticVocabulary;
  if (!syntheticVocabularies.includes(vocabulary)) {
    throw new Error(`--vocabulary must be one of ${syntheticVocabularies.join(', ')}`);
  }
  const corpus = syntheticCorpus(chunkCount, 100, 200, vocabulary);
  const source = await createBenchSource(handle, 'synthetic', embedder.dimensions);
  const ingestion = await timedIngestion(handle, source, corpus.texts);
  console.log(
    `synthetic source: ${ingestion.chunks} chunks in ${corpus.texts.length} documents (Zipf vocabulary, ${vocabulary})`,
  );
  printIngestion(ingestion);
  await settleAfterIngestion(handle);
  const search = createKnowledgeSearch({ db: handle.db, ...searchWiring });
  console.log('\n| mode | queries | p50 ms | p95 ms | mean hits |\n|---|---|---|---|---|');
  for (const mode of modes) {
    const latencies: number[] = [];
    let hitCount = 0;
    for (const query of corpus.queries.slice(0, 5)) {
      await search.search({ ...source, sourceIds: [source.sourceId], query, topK: 10, mode });
    }
    for (const query of corpus.queries) {
      const started = performance.now();
      hitCount += (await search.search({ ...source, sourceIds: [source.sourceId], query, topK: 10, mode })).length;
      latencies.push(performance.now() - started);
    }
    console.log(
      `| ${mode} | ${corpus.queries.length} | ${percentile(latencies, 0.5).toFixed(1)} | ${percentile(latencies, 0.95).toFixed(1)} | ${(hitCount / corpus.queries.length).toFixed(1)} |`,
    );
  }
  console.log(`\n${await explainVectorQuery(handle, source, embedder.dimensions)}\n`);
  await deleteBenchTenant(handle, source.tenantId);
}

interface Ingestion {
  readonly source: BenchSource;
  readonly corpusIds: Map<string, string>;
  readonly path: string;
  readonly seconds: number;
  readonly documents: number;
  readonly chunks: number;
  readonly terms: number;
}

/** A collection through the real path (`--ingest upload`, the default) or the bench's own (`direct`). */
async function ingestCollection(handle: DatabaseHandle, texts: readonly CorpusText[]): Promise<Ingestion> {
  if (options.ingest === 'direct') {
    const source = await createBenchSource(handle, 'beir', embedder.dimensions);
    return timedIngestion(handle, source, texts);
  }
  if (options.ingest !== 'upload') throw new Error('--ingest must be upload or direct');
  const uploaded = await ingestThroughUploads(handle, texts);
  const uploads = `${uploaded.uploadSeconds.toFixed(1)} s of it uploading`;
  return {
    ...uploaded,
    path: `upload over the API → knowledge.ingest jobs → parse, chunk, offline embed, index; ${uploads}`,
    documents: texts.length,
    ...(await sourceCounts(handle, uploaded.source)),
  };
}

async function timedIngestion(handle: DatabaseHandle, source: BenchSource, texts: readonly CorpusText[]) {
  const started = performance.now();
  const corpusIds = await directIngester(handle, embedder)(source, texts);
  const seconds = (performance.now() - started) / 1000;
  return {
    source,
    corpusIds,
    path: 'chunk → offline embed → insertDocumentChunks, one transaction per document',
    seconds,
    documents: texts.length,
    ...(await sourceCounts(handle, source)),
  };
}

async function sourceCounts(handle: DatabaseHandle, source: BenchSource): Promise<{ chunks: number; terms: number }> {
  const [stats] = (
    await handle.executeSql('select chunk_count, total_term_count from knowledge_sources where id = $1', [
      source.sourceId,
    ])
  ).rows as { chunk_count: string | number; total_term_count: string | number }[];
  return { chunks: Number(stats?.chunk_count ?? 0), terms: Number(stats?.total_term_count ?? 0) };
}

function printIngestion(ingestion: Ingestion): void {
  console.log(
    `ingestion (${ingestion.path}): ${ingestion.seconds.toFixed(1)} s, ` +
      `${(ingestion.documents / ingestion.seconds).toFixed(0)} documents/s, ${(ingestion.chunks / ingestion.seconds).toFixed(0)} chunks/s, ` +
      `${ingestion.terms} indexed terms`,
  );
}

/**
 * After ingestion: the upkeep job's own run (the bench ingests directly, not through jobs), then a
 * checkpoint, so that writing back the freshly ingested pages does not fall into the timed queries.
 * The figures are those of a knowledge base queried after its ingestion, as it is in use.
 */
async function settleAfterIngestion(handle: DatabaseHandle): Promise<void> {
  await vacuumKnowledgeIndex(handle.db);
  await handle.executeSql('checkpoint');
}

function parseFusions(text: string | undefined): FusionOptions[] {
  if (!text) return [];
  return text.split(',').map((item) => {
    const [method, k, lexicalWeight, vectorWeight] = item.split(':');
    if (method !== 'rrf' && method !== 'convex')
      throw new Error(`--fusions: '${item}' is not rrf:k:w:w or convex:0:w:w`);
    return { method, k: Number(k), lexicalWeight: Number(lexicalWeight), vectorWeight: Number(vectorWeight) };
  });
}

function commandLine(): string {
  const prefix = databaseUrl ? `DATABASE_URL=${redact(databaseUrl)} ` : '';
  return `${prefix}npm run bench:retrieval -- ${process.argv.slice(2).join(' ')}`;
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
