import type { CallOutcome, RecordModelCall } from '../../../ai/usage-paths.js';
import { APICallError } from '@ai-sdk/provider';
import { RetryError } from 'ai';
import type { TenantProviderConfig } from '../../../ai/model-types.js';
import type { RerankerRegistry } from '../../../ai/reranking/reranker-registry.js';
import { AppError } from '../../../platform/errors.js';
import type { Logger } from '../../../platform/logger.js';
import { createLruCache } from '../../../platform/lru-cache.js';
import type { Metrics } from '../../../platform/metrics.js';
import type { SearchedSource } from './knowledge-search.repository.js';
import type { RerankingReport } from './knowledge-search.types.js';

export interface SearchRerankingDeps {
  readonly rerankers: RerankerRegistry;
  readonly loadTenantProviders: (tenantId: string) => Promise<readonly TenantProviderConfig[]>;
  readonly logger: Pick<Logger, 'warn'>;
  readonly metrics?: Pick<Metrics, 'knowledgeReranks'> | undefined;
  /** How long a reranking server gets; past it, the search answers in hybrid order. */
  readonly rerankTimeoutMs?: number | undefined;
  /** After a failure, the model is left out for this long (per tenant and model, on this node). */
  readonly rerankPauseMs?: number | undefined;
  /** The usage ledger (budgets): every reranking and query-embedding call, however it ended. */
  readonly recordModelCall?: RecordModelCall | undefined;
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

export type Reranked<Candidate> = Candidate & { readonly rerankScore: number | null };

interface Failure {
  readonly at: number;
  readonly reason: string;
}

/**
 * The reranking model of the searched sources. Sources searched together that name different models
 * are reranked by the first in alphabetical order, so the choice does not depend on the order of ids.
 */
export function rerankModelOf(sources: readonly SearchedSource[]): string | null {
  const models = [...new Set(sources.flatMap((source) => (source.rerankModel ? [source.rerankModel] : [])))];
  return models.sort()[0] ?? null;
}

/**
 * Reorders hybrid's pool with the sources' reranking model. A reranker that fails (unreachable, an
 * error status, too slow, or since removed from the tenant's providers) does not fail the search: the
 * hybrid order stands, the log and `parley_knowledge_reranks_total` have it, and the report says why,
 * so chat keeps answering while the query endpoint shows what went wrong. After a failure the model is
 * left out for a pause, so a server that hangs slows one search per pause, not every chat turn.
 */
export function createSearchReranking(deps: SearchRerankingDeps) {
  const timeoutMs = deps.rerankTimeoutMs ?? 5_000;
  const pauseMs = deps.rerankPauseMs ?? 15_000;
  const failures = createLruCache<Failure>(1_000);

  function unreranked<Candidate>(pool: readonly Candidate[], topK: number): Reranked<Candidate>[] {
    return pool.slice(0, topK).map((candidate) => ({ ...candidate, rerankScore: null }));
  }

  async function callReranker<Candidate extends { readonly score: number }>(
    input: RerankInput<Candidate>,
    signal: AbortSignal | undefined,
  ): Promise<Reranked<Candidate>[]> {
    const { modelRef, pool, topK } = input;
    const reranker = await deps.rerankers.resolve(modelRef, await deps.loadTenantProviders(input.tenantId));
    const bounded = signal ? AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) : AbortSignal.timeout(timeoutMs);
    const started = performance.now();
    // Reranking is billed per search, not per token: the ledger counts the call and its time.
    const recorded = (outcome: CallOutcome) =>
      void deps.recordModelCall?.(input.tenantId, {
        path: 'rerank',
        modelRef,
        inputTokens: 0,
        latencyMs: Math.round(performance.now() - started),
        outcome,
      });
    let order: Awaited<ReturnType<typeof reranker.rerank>>;
    try {
      order = await reranker.rerank(input.query, pool.map(input.contentOf), topK, bounded);
    } catch (error) {
      recorded(signal?.aborted ? 'stopped' : 'failed');
      throw error;
    }
    recorded('finished');
    const ranked = order.map(({ index, score }) => ({ ...pool[index]!, score, rerankScore: score }));
    // A reranker may return fewer than asked; the rest follow in hybrid order, unscored by it.
    const chosen = new Set(order.map(({ index }) => index));
    const rest = unreranked(
      pool.filter((_, index) => !chosen.has(index)),
      topK,
    );
    return [...ranked, ...rest].slice(0, topK);
  }

  return {
    /** The pool reordered by the model, topK long: its relevance score becomes each hit's score. */
    async rerankPool<Candidate extends { readonly score: number }>(
      input: RerankInput<Candidate>,
      signal?: AbortSignal,
    ): Promise<{ ranked: Reranked<Candidate>[]; report: RerankingReport }> {
      const { modelRef, pool, topK } = input;
      const key = `${input.tenantId}\n${modelRef}`;
      const failed = failures.get(key);
      if (failed && Date.now() - failed.at < pauseMs) {
        deps.metrics?.knowledgeReranks.inc({ outcome: 'paused' });
        const message = `${failed.reason} It is tried again ${Math.ceil(pauseMs / 1000)} s after a failure; until then the results are in hybrid order`;
        return { ranked: unreranked(pool, topK), report: { model: modelRef, status: 'failed', message } };
      }
      try {
        const ranked = await callReranker(input, signal);
        failures.delete(key);
        deps.metrics?.knowledgeReranks.inc({ outcome: 'applied' });
        return { ranked, report: { model: modelRef, status: 'applied' } };
      } catch (error) {
        if (signal?.aborted) throw error;
        const reason = failureReason(modelRef, error, timeoutMs);
        failures.set(key, { at: Date.now(), reason });
        deps.metrics?.knowledgeReranks.inc({ outcome: 'failed' });
        deps.logger.warn({ err: error, rerankModel: modelRef }, 'reranking failed; the search answers in hybrid order');
        const message = `${reason} The results are in hybrid order; check the provider's address, key and model name`;
        return { ranked: unreranked(pool, topK), report: { model: modelRef, status: 'failed', message } };
      }
    },
  };
}

/** Names what went wrong without repeating the server's answer, which may echo a key or an address. */
function failureReason(modelRef: string, error: unknown, timeoutMs: number): string {
  if (error instanceof AppError) return `${error.message}.`;
  const cause = RetryError.isInstance(error) ? error.lastError : error;
  const reason = APICallError.isInstance(cause)
    ? cause.statusCode !== undefined
      ? `its server answered HTTP ${cause.statusCode}`
      : 'its server could not be reached'
    : cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError')
      ? `it did not answer within ${timeoutMs / 1000} s`
      : 'its answer could not be used';
  return `Reranking with '${modelRef}' failed: ${reason}.`;
}
