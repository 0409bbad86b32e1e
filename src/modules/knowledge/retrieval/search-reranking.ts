import { APICallError } from '@ai-sdk/provider';
import { RetryError } from 'ai';
import type { TenantProviderConfig } from '../../../ai/model-types.js';
import type { RerankerRegistry } from '../../../ai/reranking/reranker-registry.js';
import { AppError } from '../../../platform/errors.js';
import type { Logger } from '../../../platform/logger.js';
import type { SearchedSource } from './knowledge-search.repository.js';
import type { RerankingReport } from './knowledge-search.types.js';

export interface SearchRerankingDeps {
  readonly rerankers: RerankerRegistry;
  readonly loadTenantProviders: (tenantId: string) => Promise<readonly TenantProviderConfig[]>;
  readonly logger: Pick<Logger, 'warn'>;
}

export interface RerankInput<Candidate> {
  readonly tenantId: string;
  readonly query: string;
  readonly modelRef: string;
  readonly topK: number;
  /** Hybrid's fused list, best first, each with the text the reranking model reads. */
  readonly pool: readonly Candidate[];
  readonly contentOf: (candidate: Candidate) => string;
}

/** A reranking server gets this long; past it, the search answers in hybrid order rather than wait. */
export const rerankTimeoutMs = 10_000;

/**
 * The reranking model of the searched sources. Sources searched together that name different models
 * are reranked by the first in alphabetical order, so the choice does not depend on the order of ids.
 */
export function rerankModelOf(sources: readonly SearchedSource[]): string | null {
  const models = [...new Set(sources.flatMap((source) => (source.rerankModel ? [source.rerankModel] : [])))];
  return models.sort()[0] ?? null;
}

/**
 * The pool reordered by the reranking model, topK long: its relevance score becomes each hit's score.
 * A reranker that fails (unreachable, an error status, too slow, or since removed from the tenant's
 * providers) does not fail the search: the hybrid order stands, the log has the error, and the report
 * says why, so chat keeps answering while the query endpoint shows what went wrong.
 */
export async function rerankPool<Candidate extends { readonly score: number }>(
  deps: SearchRerankingDeps,
  input: RerankInput<Candidate>,
  signal?: AbortSignal,
): Promise<{ ranked: (Candidate & { rerankScore: number | null })[]; report: RerankingReport }> {
  const { modelRef, pool, topK } = input;
  const unreranked = (candidate: Candidate) => ({ ...candidate, rerankScore: null });
  try {
    const reranker = await deps.rerankers.resolve(modelRef, await deps.loadTenantProviders(input.tenantId));
    const bounded = signal
      ? AbortSignal.any([signal, AbortSignal.timeout(rerankTimeoutMs)])
      : AbortSignal.timeout(rerankTimeoutMs);
    const order = await reranker.rerank(input.query, pool.map(input.contentOf), topK, bounded);
    const ranked = order.map(({ index, score }) => ({ ...pool[index]!, score, rerankScore: score }));
    // A reranker may return fewer than asked; the rest follow in hybrid order, unscored by it.
    const chosen = new Set(order.map(({ index }) => index));
    const rest = pool.filter((_, index) => !chosen.has(index)).map(unreranked);
    return { ranked: [...ranked, ...rest].slice(0, topK), report: { model: modelRef, status: 'applied' } };
  } catch (error) {
    if (signal?.aborted) throw error;
    deps.logger.warn({ err: error, rerankModel: modelRef }, 'reranking failed; the search answers in hybrid order');
    const report: RerankingReport = { model: modelRef, status: 'failed', message: failureMessage(modelRef, error) };
    return { ranked: pool.slice(0, topK).map(unreranked), report };
  }
}

/** Names what went wrong without repeating the server's answer, which may echo a key or an address. */
function failureMessage(modelRef: string, error: unknown): string {
  if (error instanceof AppError) return `${error.message}; the results are in hybrid order`;
  const cause = RetryError.isInstance(error) ? error.lastError : error;
  const reason = APICallError.isInstance(cause)
    ? cause.statusCode !== undefined
      ? `its server answered HTTP ${cause.statusCode}`
      : 'its server could not be reached'
    : cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError')
      ? `it did not answer within ${rerankTimeoutMs / 1000} s`
      : 'its answer could not be used';
  return `Reranking with '${modelRef}' failed: ${reason}. The results are in hybrid order; check the provider's address, key and model name`;
}
