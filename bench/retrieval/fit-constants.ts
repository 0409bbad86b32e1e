/**
 * `[DATABASE_URL=…] npx tsx bench/retrieval/fit-constants.ts ../shared/ir/scifact`
 * How retrieval's constants were chosen: on the fitting half of a collection's judged queries only (odd
 * ids, query-halves.ts), each setting scored clean and with seeded typos, the one with the best mean of
 * the two nDCG@10 kept. Then the chosen ones are scored on the reporting half (even ids) and all queries:
 * the figures to report. Ingests directly (`--ingest direct` of run.ts); nothing is timed.
 * 1. Query correction (query-correction.ts), in lexical search: the weight of a corrected term, and the
 *    shortest word spelling-corrected.
 * 2. Hybrid fusion with the offline embedder (rank-fusion.ts `listTrust.offline`), correction as chosen.
 * A provider model's trust is not fitted: no such model can be reached from the bench.
 */
import { createEmbedderRegistry } from '../../src/ai/embeddings/embedder-registry.js';
import { createRerankerRegistry } from '../../src/ai/reranking/reranker-registry.js';
import {
  createKnowledgeSearch,
  type KnowledgeSearchDeps,
} from '../../src/modules/knowledge/retrieval/knowledge-search.js';
import { queryCorrection, type CorrectionLimits } from '../../src/modules/knowledge/retrieval/query-correction.js';
import { listTrust, type ListTrust } from '../../src/modules/knowledge/retrieval/rank-fusion.js';
import { createLogger } from '../../src/platform/logger.js';
import { vacuumKnowledgeIndex } from '../../src/modules/knowledge/ingestion/index-upkeep.js';
import { readBeirCollection } from './beir-collection.js';
import { createBenchSource, deleteBenchTenant, openBenchStorage } from './bench-storage.js';
import { meansByHalf, queryVariants, scoreQueries, type ScoredSearch } from './collection-scoring.js';
import { directIngester } from './corpus-ingestion.js';
import { inHalf } from './query-halves.js';

const directory = process.argv[2] ?? '../shared/ir/scifact';
const embedders = createEmbedderRegistry({ config: { providers: {} } });
const embedder = await embedders.resolve('offline', []);
const wiring = {
  embedders,
  rerankers: createRerankerRegistry({ config: { providers: {} } }),
  logger: createLogger({ level: 'warn' }),
  loadTenantProviders: async () => [],
};

const collection = await readBeirCollection(directory);
const storage = await openBenchStorage(process.env.DATABASE_URL);
console.log(`# fit-constants on ${storage.label}, ${new Date().toISOString()}: ${directory}`);
const source = await createBenchSource(storage.handle, 'fit', embedder.dimensions);
try {
  const corpusIds = await directIngester(storage.handle, embedder)(source, collection.documents);
  await vacuumKnowledgeIndex(storage.handle.db);
  const fitting = queryVariants(inHalf(collection.queries, 'fitting'));
  console.log(`${collection.documents.length} documents; fitting on ${fitting[0].queries.length} queries (odd ids)`);

  /** Mean nDCG@10 of the fitting half, clean and noisy, and the mean of the two (what is maximised). */
  async function fit(deps: Partial<KnowledgeSearchDeps>, how: ScoredSearch) {
    const search = createKnowledgeSearch({ db: storage.handle.db, ...wiring, ...deps });
    const [clean, noisy] = await Promise.all(
      fitting.map(async (variant) => {
        const scores = await scoreQueries(search, source, collection, corpusIds, variant.queries, how);
        return meansByHalf(scores).all.ndcgAt10;
      }),
    );
    return { clean: clean!, noisy: noisy!, mean: (clean! + noisy!) / 2 };
  }
  const row = (label: string, fitted: { clean: number; noisy: number; mean: number }) =>
    console.log(`| ${label} | ${fitted.clean.toFixed(4)} | ${fitted.noisy.toFixed(4)} | ${fitted.mean.toFixed(4)} |`);

  console.log('\n| lexical, correction | clean nDCG@10 | noisy nDCG@10 | mean |\n|---|---|---|---|');
  row('none', await fit({}, { mode: 'lexical', correct: false }));
  let bestCorrection: { limits: CorrectionLimits; mean: number } = { limits: queryCorrection, mean: -1 };
  for (const minLength of [4, 5, 6]) {
    for (const weight of [0.5, 0.6, 0.7, 0.8, 0.9, 1]) {
      const limits = { ...queryCorrection, minLength, weight };
      const fitted = await fit({ correctionLimits: limits }, { mode: 'lexical', correct: true });
      row(`minLength ${minLength}, weight ${weight}`, fitted);
      // A corrected term weighs less than an exact one by design: 1 is scored to show what that costs.
      if (weight < 1 && fitted.mean > bestCorrection.mean) bestCorrection = { limits, mean: fitted.mean };
    }
  }
  console.log(`chosen: minLength ${bestCorrection.limits.minLength}, weight ${bestCorrection.limits.weight}`);

  console.log('\n| hybrid, offline trust | clean nDCG@10 | noisy nDCG@10 | mean |\n|---|---|---|---|');
  let bestTrust: { trust: ListTrust; mean: number } = { trust: listTrust, mean: -1 };
  for (const base of [0, 0.1]) {
    for (const unmatched of [0, 0.25, 0.5, 1]) {
      for (const lexicalDiscount of [0, 0.5]) {
        const trust = { ...listTrust, offline: { base, unmatched, lexicalDiscount } };
        const deps = { correctionLimits: bestCorrection.limits, listTrust: trust };
        const fitted = await fit(deps, { mode: 'hybrid', correct: true });
        row(`base ${base}, unmatched ${unmatched}, lexicalDiscount ${lexicalDiscount}`, fitted);
        if (fitted.mean > bestTrust.mean) bestTrust = { trust, mean: fitted.mean };
      }
    }
  }
  console.log(`chosen: ${JSON.stringify(bestTrust.trust.offline)}`);

  // The chosen constants on the queries no choice was made on, and on all of them.
  const search = createKnowledgeSearch({
    db: storage.handle.db,
    ...wiring,
    correctionLimits: bestCorrection.limits,
    listTrust: bestTrust.trust,
  });
  console.log('\n| queries | search | reporting nDCG@10 / R@100 | all nDCG@10 / R@100 |\n|---|---|---|---|');
  for (const variant of queryVariants(collection.queries)) {
    for (const how of [
      { mode: 'lexical', correct: false },
      { mode: 'lexical', correct: true },
      { mode: 'vector', correct: false },
      { mode: 'hybrid', correct: true },
    ] as const) {
      const means = meansByHalf(await scoreQueries(search, source, collection, corpusIds, variant.queries, how));
      const cell = (half: 'reporting' | 'all') =>
        `${means[half].ndcgAt10.toFixed(4)} / ${means[half].recallAt100.toFixed(4)}`;
      const label = `${how.mode}${how.mode === 'vector' ? '' : how.correct ? ', corrected' : ', as typed'}`;
      console.log(`| ${variant.name} | ${label} | ${cell('reporting')} | ${cell('all')} |`);
    }
  }
} finally {
  await deleteBenchTenant(storage.handle, source.tenantId);
  await storage.dispose();
}
