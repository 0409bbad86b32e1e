import type { Actor } from '../../access/actor.js';
import type { KnowledgeSearch } from './retrieval/knowledge-search.js';
import type { QueryInput, QueryResult } from './query.schemas.js';
import type { SourcesService } from './sources.service.js';

export interface QueryServiceDeps {
  readonly sources: Pick<SourcesService, 'findSource'>;
  /** The same search chat uses, so what this endpoint shows is what an agent would be given. */
  readonly search: KnowledgeSearch;
}

export function createQueryService(deps: QueryServiceDeps) {
  return {
    async query(actor: Actor, sourceId: string, input: QueryInput, signal?: AbortSignal): Promise<QueryResult> {
      await deps.sources.findSource(actor, sourceId);
      const startedAt = performance.now();
      const { hits, reranking, corrections } = await deps.search.searchExplained(
        {
          tenantId: actor.tenantId,
          sourceIds: [sourceId],
          query: input.query,
          topK: input.topK,
          mode: input.mode,
          rerank: input.rerank,
          correct: input.correct,
          ...(input.documentIds && { documentIds: input.documentIds }),
        },
        signal,
      );
      const tookMs = Math.round((performance.now() - startedAt) * 10) / 10;
      return {
        mode: input.mode,
        tookMs,
        reranking,
        corrections,
        results: hits.map((hit) => ({ ...hit, headingPath: [...hit.headingPath], highlights: [...hit.highlights] })),
      };
    },
  };
}

export type QueryService = ReturnType<typeof createQueryService>;
