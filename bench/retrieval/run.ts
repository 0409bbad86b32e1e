/**
 * `npm run bench:retrieval -- --collection ../shared/ir/scifact [--ingest upload|direct] [--synthetic 100000 [--vocabulary english-like|no-stop-words]] [--modes lexical,vector,hybrid] [--rerank-overhead] [--no-timing]`
 * Retrieval quality (nDCG@10, recall@100, MRR@10 with trec_eval's definitions, binary judgements, a
 * document scored by its best chunk) on the reporting half of the queries and all of them
 * (query-halves.ts), and speed (query p50/p95 at topK 10 and 100, clean and misspelled; ingestion
 * throughput) of the one search path (KnowledgeSearch.search), on embedded PGlite, or on PostgreSQL when
 * DATABASE_URL is set (collection-report.ts).
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
import { percentile } from './ranking-metrics.js';
import { benchSearches, printLatency, printQuality } from './collection-report.js';
import { timeRerankOverhead } from './rerank-overhead.js';
import { syntheticCorpus, syntheticVocabularies, type SyntheticVocabulary } from './synthetic-corpus.js';
import { openAppDatabase } from './bench-app.js';

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
    /** Quality only: no latency table (for a quick look; the figures to publish come from a quiet machine). */
    'no-timing': { type: 'boolean', default: false },
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
  const judged = collection.queries.slice(0, options.queries ? Number(options.queries) : undefined);
  console.log(
    `${judged.length} queries scored, each clean and with seeded typos (noisy); constants were fitted on the odd ` +
      'ids (bench/retrieval/fit-constants.ts), figures are reported on the even ids and on all',
  );
  const search = createKnowledgeSearch({ db: handle.db, ...searchWiring });
  const fixedFusions = parseFusions(options.fusions).map((fusion) => ({
    label: `hybrid ${fusion.method} k=${fusion.k} lexical=${fusion.lexicalWeight} vector=${fusion.vectorWeight}`,
    mode: 'hybrid' as const,
    correct: true,
    search: createKnowledgeSearch({ db: handle.db, ...searchWiring, fusion }),
  }));
  const searches = benchSearches(modes, search);
  await printQuality([...searches, ...fixedFusions], source, collection, corpusIds, judged);
  if (!options['no-timing']) await printLatency(searches, source, judged);
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
