import type { Embedder, EmbedderRegistry } from '../../../ai/embeddings/embedder-types.js';
import { inSpan, isCapturingContent } from '../../../platform/tracing/spans.js';
import type { TenantProviderConfig } from '../../../ai/model-types.js';
import type { Database } from '../../../platform/db/client.js';
import { isUuid } from '../../../platform/ids.js';
import { offlineModelRef } from '../../../ai/model-ref.js';
import type { QueryTermCoverage } from './bm25.repository.js';
import {
  findSearchedSources,
  loadHitDetails,
  vectorCandidates,
  type Candidate,
  type CandidateFilter,
  type SearchedSource,
} from './knowledge-search.repository.js';
import { bm25Search, type Bm25Search } from './bm25-search.js';
import type { CorrectionLimits } from './query-correction.js';
import type { KnowledgeSearch, SearchHit, SearchOutcome, SearchRequest } from './knowledge-search.types.js';
import { passageHighlighter } from './passage-highlights.js';
import {
  adaptiveFusion,
  canVectorsChangeOrder,
  fuseCandidates,
  mayWeighVectors,
  type FusionEvidence,
  type FusionOptions,
  type ListTrust,
} from './rank-fusion.js';
import { createSearchReranking, rerankModelOf, type SearchRerankingDeps } from './search-reranking.js';

export type {
  KnowledgeSearch,
  RerankingReport,
  SearchHit,
  SearchMode,
  SearchOutcome,
  SearchRequest,
} from './knowledge-search.types.js';

export interface KnowledgeSearchDeps extends SearchRerankingDeps {
  readonly db: Database;
  readonly embedders: EmbedderRegistry;
  readonly loadTenantProviders: (tenantId: string) => Promise<readonly TenantProviderConfig[]>;
  /** A fixed fusion of the two lists, for the bench's comparisons; by default it adapts per query (rank-fusion.ts). */
  readonly fusion?: FusionOptions;
  /** How many of each list hybrid search fuses; by default it follows topK (hybridDepth). */
  readonly hybridCandidates?: number;
  /** Other constants, for the bench's fitting (bench/retrieval/fit-constants.ts); the fitted ones by default. */
  readonly correctionLimits?: CorrectionLimits;
  readonly listTrust?: ListTrust;
}

/**
 * How many of each list hybrid search fuses: three times what is asked, at least 30 and at most 100 (or
 * topK itself when more is asked). On SciFact, fusing 30 instead of 100 for the top 10 moved nDCG@10 by
 * +0.001, and a shorter BM25 list lets MaxScore skip more postings (bm25-search.ts).
 */
function hybridDepth(topK: number): number {
  return Math.max(topK, Math.min(100, Math.max(30, 3 * topK)));
}
/** Callers validate topK; this bounds the work of one search whatever they pass. */
const maxTopK = 200;

/**
 * The one search path for the query endpoint, chat and the benchmark. Sources of another tenant (or
 * unknown ids) contribute nothing. Across several sources, BM25 scores (each from its own source's
 * statistics) are merged as they are, and so are cosine similarities of sources sharing an
 * embedding model; sources with different models are each searched with their own query vector.
 */
export function createKnowledgeSearch(deps: KnowledgeSearchDeps): KnowledgeSearch {
  // A source's reranking model reorders hybrid results (search-reranking.ts).
  const reranking = createSearchReranking(deps);

  async function embeddersFor(tenantId: string, sources: readonly SearchedSource[], signal?: AbortSignal) {
    const models = [...new Set(sources.map((source) => source.embeddingModel))];
    const needsProviders = models.some((model) => model !== 'offline');
    const providers = needsProviders ? await deps.loadTenantProviders(tenantId) : [];
    return Promise.all(
      models.map(async (model) => ({
        embedder: await deps.embedders.resolve(model, providers, signal, (call) => {
          void deps.recordModelCall?.(tenantId, { path: 'query_embedding', modelRef: model, ...call });
        }),
        sourceIds: sources.filter((source) => source.embeddingModel === model).map((source) => source.id),
      })),
    );
  }

  const vectorSearch = (
    query: string,
    filter: CandidateFilter,
    sources: readonly SearchedSource[],
    signal?: AbortSignal,
  ): Promise<Candidate[]> =>
    inSpan('vectors', { attributes: { 'parley.retrieval.limit': filter.limit } }, () =>
      nearestVectors(query, filter, sources, signal),
    );

  async function nearestVectors(
    query: string,
    filter: CandidateFilter,
    sources: readonly SearchedSource[],
    signal?: AbortSignal,
  ): Promise<Candidate[]> {
    const groups = await embeddersFor(filter.tenantId, sources, signal);
    const lists = await Promise.all(
      groups.map(async ({ embedder, sourceIds }: { embedder: Embedder; sourceIds: string[] }) => {
        const [vector] = await embedder.embed([query], signal, (call) => {
          void deps.recordModelCall?.(filter.tenantId, {
            path: 'query_embedding',
            modelRef: embedder.modelRef,
            ...call,
          });
        });
        return vectorCandidates(deps.db, vector!, embedder.dimensions, { ...filter, sourceIds });
      }),
    );
    return lists
      .flat()
      .sort((a, b) => b.score - a.score)
      .slice(0, filter.limit);
  }

  /** One search, as the GenAI conventions' `retrieval` span when tracing is on (the query only if content is). */
  const searchExplained = (request: SearchRequest, signal?: AbortSignal): Promise<SearchOutcome> =>
    inSpan(
      'retrieval knowledge',
      {
        attributes: {
          'gen_ai.operation.name': 'retrieval',
          'gen_ai.data_source.id': request.sourceIds.join(','),
          'parley.retrieval.mode': request.mode,
          'parley.retrieval.top_k': request.topK,
          ...(isCapturingContent() && { 'gen_ai.retrieval.query.text': request.query }),
        },
      },
      async (span) => {
        const outcome = await searchOnce(request, signal);
        span.set({ 'parley.retrieval.hits': outcome.hits.length });
        return outcome;
      },
    );

  async function searchOnce(request: SearchRequest, signal?: AbortSignal): Promise<SearchOutcome> {
    const query = request.query.trim();
    const sourceIds = request.sourceIds.filter(isUuid);
    const documentIds = request.documentIds?.filter(isUuid);
    const topK = Math.min(Math.floor(request.topK), maxTopK);
    const nothing: SearchOutcome = { hits: [], reranking: null, corrections: [] };
    if (query.length === 0 || sourceIds.length === 0 || documentIds?.length === 0 || !(topK > 0)) return nothing;
    const { tenantId } = request;
    const filter = (limit: number, searched: readonly string[] = sourceIds): CandidateFilter => ({
      tenantId,
      sourceIds: searched,
      documentIds,
      limit,
    });
    // The vector side needs the sources' embedding models first; another tenant's source is not found.
    const nearestIn = async (lookup: Promise<SearchedSource[]>, limit: number) => {
      const sources = await lookup;
      signal?.throwIfAborted();
      const searched = sources.map((source) => source.id);
      return sources.length === 0 ? [] : vectorSearch(query, filter(limit, searched), sources, signal);
    };
    const lookUpSources = () => findSearchedSources(deps.db, tenantId, sourceIds);

    // BM25 needs no look-up first: its first statement reads the sources, within the tenant, itself.
    const lexicalSearch = (limit: number) =>
      inSpan('bm25', { attributes: { 'parley.retrieval.limit': limit } }, () =>
        bm25Search(deps.db, query, {
          ...filter(limit),
          correct: request.correct !== false,
          ...(deps.correctionLimits && { correctionLimits: deps.correctionLimits }),
        }),
      );
    let ranked: RankedCandidate[];
    let lexicalRead: Pick<Bm25Search, 'corrections' | 'correctedTerms'> = { corrections: [], correctedTerms: [] };
    if (request.mode === 'lexical') {
      const lexical = await lexicalSearch(topK);
      lexicalRead = lexical;
      ranked = lexical.hits.map(lexicalOnly);
    } else if (request.mode === 'vector') {
      ranked = (await nearestIn(lookUpSources(), topK)).map(vectorOnly);
    } else {
      const candidates = Math.max(deps.hybridCandidates ?? hybridDepth(topK), topK);
      const sourcesLookup = lookUpSources();
      // The vectors are read beside BM25 when their weight can be more than 0; otherwise (the offline
      // embedder's fitted trust) only if BM25 finds too few to fill what is kept (below).
      const readVectors = sourcesLookup.then((sources) =>
        deps.fusion || mayWeighVectors(embedderKindOf(sources), deps.listTrust)
          ? nearestIn(sourcesLookup, candidates)
          : undefined,
      );
      const [lexical, vectorRead, sources] = await Promise.all([lexicalSearch(candidates), readVectors, sourcesLookup]);
      lexicalRead = lexical;
      const fusion = deps.fusion ?? adaptiveFusion(fusionEvidence(sources, lexical.coverage), deps.listTrust);
      const rerankModel = request.rerank === false ? null : rerankModelOf(sources);
      const kept = rerankModel ? candidates : topK;
      const vector =
        vectorRead ??
        (canVectorsChangeOrder(fusion, lexical.hits.length, kept) ? await nearestIn(sourcesLookup, candidates) : []);
      const fused = fuseLists(lexical.hits, vector, fusion);
      if (rerankModel) {
        const pool = fused.slice(0, candidates);
        return reranked({ query, tenantId, modelRef: rerankModel, pool, topK, read: lexicalRead }, signal);
      }
      ranked = fused.slice(0, topK);
    }
    const loaded = await detailsOf(tenantId, ranked, query, lexicalRead.correctedTerms, signal);
    return { hits: toHits(ranked, loaded), reranking: null, corrections: lexicalRead.corrections };
  }

  /** The chunks' documents and text, once the search is known to be still wanted. */
  function detailsOf(
    tenantId: string,
    ranked: readonly RankedCandidate[],
    query: string,
    correctedTerms: readonly string[],
    signal?: AbortSignal,
  ) {
    signal?.throwIfAborted();
    const chunkIds = ranked.map((hit) => hit.chunkId);
    return loadHitDetails(deps.db, tenantId, chunkIds, query, correctedTerms);
  }

  /** The fused pool's passages, reordered by the sources' reranking model (search-reranking.ts). */
  async function reranked(
    pass: {
      query: string;
      tenantId: string;
      modelRef: string;
      pool: readonly RankedCandidate[];
      topK: number;
      read: Pick<Bm25Search, 'corrections' | 'correctedTerms'>;
    },
    signal?: AbortSignal,
  ): Promise<SearchOutcome> {
    const { query, tenantId, modelRef, pool, topK, read } = pass;
    const loaded = await detailsOf(tenantId, pool, query, read.correctedTerms, signal);
    const contents = new Map(loaded.details.map((detail) => [detail.chunkId, detail.content]));
    const { ranked, report } = await inSpan(
      'rerank',
      { attributes: { 'gen_ai.request.model': modelRef, 'parley.rerank.pool': pool.length } },
      () =>
        reranking.rerankPool(
          {
            tenantId,
            query,
            modelRef,
            topK,
            // A chunk removed since it was ranked has no text left to rerank.
            pool: pool.filter((candidate) => contents.has(candidate.chunkId)),
            contentOf: (candidate) => contents.get(candidate.chunkId)!,
          },
          signal,
        ),
    );
    return { hits: toHits(ranked, loaded), reranking: report, corrections: read.corrections };
  }

  return {
    searchExplained,
    async search(request, signal) {
      return (await searchExplained(request, signal)).hits;
    },
  };
}

interface RankedCandidate {
  readonly chunkId: string;
  readonly score: number;
  readonly lexicalScore: number | null;
  readonly vectorScore: number | null;
  readonly lexicalRank: number | null;
  readonly vectorRank: number | null;
  readonly rerankScore?: number | null;
}

function lexicalOnly(candidate: Candidate, index: number): RankedCandidate {
  return { ...candidate, lexicalScore: candidate.score, vectorScore: null, lexicalRank: index + 1, vectorRank: null };
}

function vectorOnly(candidate: Candidate, index: number): RankedCandidate {
  return { ...candidate, lexicalScore: null, vectorScore: candidate.score, lexicalRank: null, vectorRank: index + 1 };
}

/**
 * Across sources of several embedders, the vectors are trusted as far as the least trusted of them:
 * hybrid then never leans on hashed vectors as it would on a model's.
 */
function embedderKindOf(sources: readonly SearchedSource[]): FusionEvidence['embedder'] {
  const allModels = sources.length > 0 && sources.every((source) => source.embeddingModel !== offlineModelRef);
  return allModels ? 'model' : 'offline';
}

function fusionEvidence(sources: readonly SearchedSource[], coverage: QueryTermCoverage): FusionEvidence {
  return { embedder: embedderKindOf(sources), ...coverage };
}

function fuseLists(
  lexical: readonly Candidate[],
  vector: readonly Candidate[],
  fusion: FusionOptions,
): RankedCandidate[] {
  const lexicalScores = new Map(lexical.map((candidate) => [candidate.chunkId, candidate.score]));
  const vectorScores = new Map(vector.map((candidate) => [candidate.chunkId, candidate.score]));
  return fuseCandidates(lexical, vector, fusion).map((fused) => ({
    ...fused,
    lexicalScore: lexicalScores.get(fused.chunkId) ?? null,
    vectorScore: vectorScores.get(fused.chunkId) ?? null,
  }));
}

function toHits(ranked: readonly RankedCandidate[], loaded: Awaited<ReturnType<typeof loadHitDetails>>): SearchHit[] {
  const byId = new Map(loaded.details.map((detail) => [detail.chunkId, detail]));
  const highlight = passageHighlighter(loaded.queryLexemes);
  return ranked.flatMap((candidate) => {
    const detail = byId.get(candidate.chunkId);
    if (!detail) return [];
    return [
      { ...detail, ...candidate, rerankScore: candidate.rerankScore ?? null, highlights: highlight(detail.content) },
    ];
  });
}
