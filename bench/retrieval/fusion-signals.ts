/**
 * `[DATABASE_URL=…] npx tsx bench/retrieval/fusion-signals.ts ../shared/ir/scifact`
 * Per-query fusion signals for hybrid search with the offline embedder (issue 51), each fitted on the
 * fitting half only (odd ids, query-halves.ts) and then scored on the reporting half and all:
 * - gap: the vectors weigh c · max(0, vector margin − BM25 margin), a list's margin being how far its
 *   first result stands above its tenth, in that list's own normalisation (rank-fusion.ts);
 * - terms: each candidate's vector weight is c · (1 − the share of the query's terms it holds), and
 *   (coordination) each candidate gains c · that share;
 * - agreement: the vectors weigh c · the overlap of the two lists' first 10;
 * - reserve: the last r of the 100 go to the vectors' best that BM25's first 100 − r lack (recall@100).
 * Both lists are read once per query, 100 deep (what hybrid search fuses for topK 100), and fused here
 * for every setting; at c = 0 the fusion is hybrid search's own (its first row shows the same figures
 * as bench:retrieval). Ingests directly; nothing is timed.
 */
import { sql } from 'drizzle-orm';
import { createEmbedderRegistry } from '../../src/ai/embeddings/embedder-registry.js';
import { vacuumKnowledgeIndex } from '../../src/modules/knowledge/ingestion/index-upkeep.js';
import { bm25Search } from '../../src/modules/knowledge/retrieval/bm25-search.js';
import { vectorCandidates } from '../../src/modules/knowledge/retrieval/knowledge-search.repository.js';
import { adaptiveFusion } from '../../src/modules/knowledge/retrieval/rank-fusion.js';
import { queryLexemes } from '../../src/modules/knowledge/retrieval/text-analysis.js';
import { rowsOf } from '../../src/platform/db/raw-sql.js';
import { readBeirCollection } from './beir-collection.js';
import { createBenchSource, deleteBenchTenant, openBenchStorage } from './bench-storage.js';
import { queryVariants } from './collection-scoring.js';
import { directIngester } from './corpus-ingestion.js';
import { halfOf, type QueryHalf } from './query-halves.js';
import { meanMetrics, scoreRanking, type QueryMetrics } from './ranking-metrics.js';

const directory = process.argv[2] ?? '../shared/ir/scifact';
const depth = 100;
const embedder = await createEmbedderRegistry({ config: { providers: {} } }).resolve('offline', []);
const collection = await readBeirCollection(directory);
const storage = await openBenchStorage(process.env.DATABASE_URL);
const db = storage.handle.db;
console.log(`# fusion-signals on ${storage.label}, ${new Date().toISOString()}: ${directory}`);
const source = await createBenchSource(storage.handle, 'signals', embedder.dimensions);

interface Scored {
  readonly chunkId: string;
  readonly score: number;
}
/** One query's two lists and what the signals read of them. */
interface Lists {
  readonly id: string;
  readonly half: QueryHalf;
  readonly lexical: Scored[];
  readonly vector: Scored[];
  readonly fusion: { lexicalWeight: number; vectorWeight: number };
  /** Share of the query's terms (own and corrected) each candidate of either list holds. */
  readonly matched: Map<string, number>;
}

try {
  const corpusIds = await directIngester(storage.handle, embedder)(source, collection.documents);
  await vacuumKnowledgeIndex(db);
  const chunkRows = rowsOf<{ id: string; document_id: string }>(
    await db.execute(sql`select id, document_id from knowledge_chunks where source_id = ${source.sourceId}`),
  );
  const corpusIdOfChunk = new Map(chunkRows.map((row) => [row.id, corpusIds.get(row.document_id)!]));
  const filter = { tenantId: source.tenantId, sourceIds: [source.sourceId], limit: depth };

  async function listsOf(query: { id: string; text: string }): Promise<Lists> {
    const lexical = await bm25Search(db, query.text, { ...filter, correct: true });
    const [vectorOfQuery] = await embedder.embed([query.text]);
    const vector = await vectorCandidates(db, vectorOfQuery!, embedder.dimensions, filter);
    const chunkIds = [...new Set([...lexical.hits, ...vector].map((hit) => hit.chunkId))];
    const own = rowsOf<{ lexeme: string }>(await db.execute(sql`select lexeme from ${queryLexemes(query.text)} q`));
    const terms = [...new Set([...own.map((row) => row.lexeme), ...lexical.correctedTerms])];
    const counts = rowsOf<{ chunk_id: string; matched: number }>(
      await db.execute(sql`select chunk_id, count(distinct term)::int as matched from knowledge_postings
        where source_id = ${source.sourceId} and term = any(${`{${terms.map((term) => JSON.stringify(term)).join(',')}}`}::text[])
          and chunk_id = any(${`{${chunkIds.join(',')}}`}::uuid[])
        group by chunk_id`),
    );
    const queryTerms = Math.max(1, lexical.coverage.queryTerms);
    const matched = new Map(counts.map((row) => [row.chunk_id, Math.min(1, row.matched / queryTerms)]));
    const fusion = adaptiveFusion({ embedder: 'offline', ...lexical.coverage });
    return { id: query.id, half: halfOf(query.id), lexical: lexical.hits, vector, fusion, matched };
  }

  const variants: { name: string; lists: Lists[] }[] = [];
  for (const variant of queryVariants(collection.queries)) {
    const lists: Lists[] = [];
    for (const query of variant.queries) lists.push(await listsOf(query));
    variants.push({ name: variant.name, lists });
  }
  console.log(`${collection.documents.length} documents, ${collection.queries.length} queries, lists read 100 deep`);

  /** A setting: how one query's lists are fused into a ranking of chunk ids. */
  type Fuse = (lists: Lists) => string[];
  const scoresOf = (fuse: Fuse, lists: readonly Lists[]) =>
    new Map(
      lists.map((query) => {
        const ranked = [...new Set(fuse(query).map((chunkId) => corpusIdOfChunk.get(chunkId)!))];
        return [query.id, scoreRanking(ranked, collection.relevant.get(query.id)!)] as const;
      }),
    );
  const mean = (scores: ReadonlyMap<string, QueryMetrics>, half: QueryHalf | 'all') =>
    meanMetrics([...scores].filter(([id]) => half === 'all' || halfOf(id) === half).map(([, metrics]) => metrics));

  const baseline: Fuse = (query) => fused(query, () => query.fusion.vectorWeight, () => 0);
  const baselineScores = variants.map((variant) => scoresOf(baseline, variant.lists));

  /** The fitting criterion: mean of clean and noisy nDCG@10 (or recall@100) on the fitting half. */
  function fit(name: string, metric: 'ndcgAt10' | 'recallAt100', settings: { label: string; fuse: Fuse }[]) {
    console.log(`\n| ${name} | fitting clean ${metric} | fitting noisy | mean |\n|---|---|---|---|`);
    let best = { label: 'none', fuse: baseline, mean: -1 };
    for (const setting of [{ label: 'off (hybrid as it is)', fuse: baseline }, ...settings]) {
      const [clean, noisy] = variants.map((variant) => mean(scoresOf(setting.fuse, variant.lists), 'fitting')[metric]);
      const both = (clean! + noisy!) / 2;
      console.log(`| ${setting.label} | ${clean!.toFixed(4)} | ${noisy!.toFixed(4)} | ${both.toFixed(4)} |`);
      if (both > best.mean + 1e-9) best = { ...setting, mean: both };
    }
    console.log(`chosen: ${best.label}`);
    report(best);
  }

  /** The chosen setting on the reporting half and all, against hybrid as it is, with the noise of a paired difference. */
  function report(chosen: { label: string; fuse: Fuse }) {
    console.log(
      `\n| queries | ${chosen.label} | Δ fitting nDCG@10 / R@100 ± 2 SE | reporting nDCG@10 / R@100 | Δ reporting nDCG@10 / R@100 ± 2 SE | all nDCG@10 / R@100 | Δ all nDCG@10 / R@100 |\n|---|---|---|---|---|---|---|`,
    );
    const delta = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(4)}`;
    variants.forEach((variant, index) => {
      const scores = scoresOf(chosen.fuse, variant.lists);
      const base = baselineScores[index]!;
      /** The mean paired difference against hybrid as it is, and twice its standard error (the noise). */
      const paired = (half: QueryHalf, metric: 'ndcgAt10' | 'recallAt100') => {
        const differences = [...scores]
          .filter(([id]) => halfOf(id) === half)
          .map(([id, metrics]) => metrics[metric] - base.get(id)![metric]);
        const average = differences.reduce((sum, value) => sum + value, 0) / differences.length;
        const variance = differences.reduce((sum, value) => sum + (value - average) ** 2, 0) / (differences.length - 1);
        return `${delta(average)} ± ${(2 * Math.sqrt(variance / differences.length)).toFixed(4)}`;
      };
      const both = (half: QueryHalf) => `${paired(half, 'ndcgAt10')} / ${paired(half, 'recallAt100')}`;
      const [reporting, all, baseAll] = [mean(scores, 'reporting'), mean(scores, 'all'), mean(base, 'all')];
      console.log(
        `| ${variant.name} | | ${both('fitting')} | ${reporting.ndcgAt10.toFixed(4)} / ${reporting.recallAt100.toFixed(4)} | ${both('reporting')} | ` +
          `${all.ndcgAt10.toFixed(4)} / ${all.recallAt100.toFixed(4)} | ${delta(all.ndcgAt10 - baseAll.ndcgAt10)} / ${delta(all.recallAt100 - baseAll.recallAt100)} |`,
      );
    });
  }

  const constants = [0.01, 0.02, 0.05, 0.1, 0.2, 0.4, 0.8];
  fit(
    'gap',
    'ndcgAt10',
    constants.map((c) => ({
      label: `gap c=${c}`,
      fuse: (query) => {
        const weight = query.fusion.vectorWeight + c * Math.max(0, margin(query.vector, 'lowest') - margin(query.lexical, 'zero'));
        return fused(query, () => weight, () => 0);
      },
    })),
  );
  fit(
    'terms, vector weight',
    'ndcgAt10',
    constants.map((c) => ({
      label: `terms c=${c}`,
      fuse: (query) => fused(query, (chunkId) => query.fusion.vectorWeight + c * (1 - (query.matched.get(chunkId) ?? 0)), () => 0),
    })),
  );
  fit(
    'terms, coordination',
    'ndcgAt10',
    constants.map((c) => ({
      label: `coordination c=${c}`,
      fuse: (query) => fused(query, () => query.fusion.vectorWeight, (chunkId) => c * (query.matched.get(chunkId) ?? 0)),
    })),
  );
  fit(
    'agreement',
    'ndcgAt10',
    constants.map((c) => ({
      label: `agreement c=${c}`,
      fuse: (query) => {
        const top = new Set(query.lexical.slice(0, 10).map((hit) => hit.chunkId));
        const overlap = query.vector.slice(0, 10).filter((hit) => top.has(hit.chunkId)).length / 10;
        return fused(query, () => query.fusion.vectorWeight + c * overlap, () => 0);
      },
    })),
  );
  fit(
    'reserve',
    'recallAt100',
    [5, 10, 15, 20, 30].map((reserved) => ({
      label: `reserve ${reserved}`,
      fuse: (query) => {
        const kept = baseline(query).slice(0, depth - reserved);
        const taken = new Set(kept);
        const added = query.vector.map((hit) => hit.chunkId).filter((chunkId) => !taken.has(chunkId));
        return [...kept, ...added].slice(0, depth);
      },
    })),
  );
} finally {
  await deleteBenchTenant(storage.handle, source.tenantId);
  await storage.dispose();
}

/** How far a list's first stands above its tenth, 0 to 1, in the list's normalisation (rank-fusion.ts). */
function margin(list: readonly Scored[], floor: 'zero' | 'lowest'): number {
  if (list.length < 2) return 0;
  const first = list[0]!.score;
  const tenth = list[Math.min(9, list.length - 1)]!.score;
  const lowest = floor === 'zero' ? 0 : list.at(-1)!.score;
  return first > lowest ? (first - tenth) / (first - lowest) : 0;
}

/**
 * Convex fusion as rank-fusion.ts does it (BM25 over its best, cosine min-max), with a vector weight and
 * an added share per candidate; ties go to the BM25 rank, then the vector rank. The first `depth`.
 */
function fused(query: Lists, vectorWeightOf: (chunkId: string) => number, extraOf: (chunkId: string) => number) {
  const entries = new Map<string, { score: number; lexicalRank: number; vectorRank: number }>();
  const entry = (chunkId: string) => {
    let found = entries.get(chunkId);
    if (!found) {
      found = { score: extraOf(chunkId), lexicalRank: Infinity, vectorRank: Infinity };
      entries.set(chunkId, found);
    }
    return found;
  };
  const lexicalBest = Math.max(...query.lexical.map((hit) => hit.score));
  query.lexical.forEach((hit, index) => {
    const found = entry(hit.chunkId);
    found.lexicalRank = index + 1;
    found.score += query.fusion.lexicalWeight * (lexicalBest > 0 ? hit.score / lexicalBest : 1);
  });
  const scores = query.vector.map((hit) => hit.score);
  const [highest, lowest] = [Math.max(...scores), Math.min(...scores)];
  query.vector.forEach((hit, index) => {
    const found = entry(hit.chunkId);
    found.vectorRank = index + 1;
    found.score += vectorWeightOf(hit.chunkId) * (highest > lowest ? (hit.score - lowest) / (highest - lowest) : 1);
  });
  return [...entries]
    .sort(([, a], [, b]) => b.score - a.score || a.lexicalRank - b.lexicalRank || a.vectorRank - b.vectorRank)
    .slice(0, depth)
    .map(([chunkId]) => chunkId);
}
