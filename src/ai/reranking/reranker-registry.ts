import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { RerankingModelV3 } from '@ai-sdk/provider';
import { rerank } from 'ai';
import type { Config } from '../../config.js';
import { AppError } from '../../platform/errors.js';
import { gatedCallHeaders } from '../../platform/outbound/gated-call-scope.js';
import { parseModelRef } from '../model-ref.js';
import type { TenantProviderConfig } from '../model-types.js';
import { findProviderEntry, serverProviderEntries } from '../provider-entries.js';

/** One of the documents a reranker was given: its position in that list and the model's relevance score. */
export interface RerankedDocument {
  readonly index: number;
  readonly score: number;
}

export interface Reranker {
  readonly modelRef: string;
  /** The best `topN` of `documents` for the query, best first. */
  rerank(query: string, documents: readonly string[], topN: number, signal?: AbortSignal): Promise<RerankedDocument[]>;
}

export interface RerankerRegistry {
  /** Turns `provider:model` into a reranker; throws AppError('validation_failed') with a sentence when it cannot. */
  resolve(modelRef: string, tenantProviders: readonly TenantProviderConfig[]): Promise<Reranker>;
}

export interface RerankerRegistryDeps {
  readonly config: Pick<Config, 'providers'>;
  /** How the server-wide providers' SDKs reach them (platform/outbound/pooled-http.ts); absent, the SDK's own fetch. */
  readonly providerFetch?: FetchFunction | undefined;
}

/**
 * No retries: the SDK waits 2 s before its first, on every chat turn that searches, while a failed
 * reranking costs little (the search answers in hybrid order; search-reranking.ts).
 */
const maxRetries = 0;

export function createRerankerRegistry(deps: RerankerRegistryDeps): RerankerRegistry {
  const serverEntries = serverProviderEntries(deps.config.providers, deps.providerFetch);

  return {
    async resolve(modelRef, tenantProviders) {
      const parsed = parseModelRef(modelRef);
      if (!parsed || parsed.kind === 'offline') {
        throw new AppError(
          'validation_failed',
          `Reranking model '${modelRef.slice(0, 120)}' is not a provider's model: use 'provider:model' (for example 'cohere:rerank-v3.5'); there is no built-in reranker`,
        );
      }
      const { providerName, modelId } = parsed;
      const entry = findProviderEntry(serverEntries, providerName, tenantProviders);
      if (!entry) {
        throw new AppError(
          'validation_failed',
          `Reranking model '${modelRef}' uses provider '${providerName}', which is not configured; configure it first`,
        );
      }
      if (!entry.createReranking) {
        throw new AppError(
          'validation_failed',
          `Provider '${providerName}' offers no reranking models; use a Cohere provider or an OpenAI-compatible server with a /rerank endpoint (vLLM, Infinity)`,
        );
      }
      return createReranker(modelRef, (await entry.createReranking())(modelId));
    },
  };
}

function createReranker(modelRef: string, model: RerankingModelV3): Reranker {
  return {
    modelRef,
    async rerank(query, documents, topN, signal) {
      if (documents.length === 0) return [];
      // With the gate's mark: the server-wide providers' pool sends nothing else (gated-call-scope.ts).
      const { ranking } = await rerank({
        headers: gatedCallHeaders(),
        model,
        query,
        documents: [...documents],
        topN: Math.min(topN, documents.length),
        maxRetries,
        ...(signal && { abortSignal: signal }),
      });
      // The SDK checks the indices are in range; a server may still repeat one or send them unsorted.
      const seen = new Set<number>();
      const ranked = ranking.flatMap(({ originalIndex, score }) => {
        if (seen.has(originalIndex) || !Number.isFinite(score)) return [];
        seen.add(originalIndex);
        return [{ index: originalIndex, score }];
      });
      return ranked.sort((a, b) => b.score - a.score);
    },
  };
}
