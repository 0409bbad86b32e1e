import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { EmbeddingModelV3, SharedV3ProviderOptions } from '@ai-sdk/provider';
import { embedMany } from 'ai';
import type { Config } from '../../config.js';
import { embeddingDimensions } from '../../platform/db/schema/knowledge.js';
import { AppError } from '../../platform/errors.js';
import { gatedCallHeaders } from '../../platform/outbound/gated-call-scope.js';
import { OutboundRefusedError } from '../../platform/outbound/index.js';
import { createLruCache } from '../../platform/lru-cache.js';
import { offlineModelRef, parseModelRef } from '../model-ref.js';
import { findProviderEntry, serverProviderEntries } from '../provider-entries.js';
import type { EmbeddingCall } from '../usage-paths.js';
import type { Embedder, EmbedderRegistry } from './embedder-types.js';
import { knownEmbeddingModel } from './known-embedding-models.js';
import { createOfflineEmbeddingModel, offlineEmbeddingDimensions } from './offline-embedding-model.js';

export type { Embedder, EmbedderRegistry } from './embedder-types.js';

/** Texts per provider call: below every provider's limit (OpenAI 2048, Azure 16…2048, Ollama unbounded). */
export const embeddingBatchSize = 96;
const maxRetries = 2;
const probeText = 'dimension probe';

export interface EmbedderRegistryDeps {
  readonly config: Pick<Config, 'providers'>;
  /** How the server-wide providers' SDKs reach them (platform/outbound/pooled-http.ts); absent, the SDK's own fetch. */
  readonly providerFetch?: FetchFunction | undefined;
  /** How long one embeddings request may take (60 s unless a test says otherwise). */
  readonly callTimeoutMs?: number;
}

const defaultCallTimeoutMs = 60_000;

export function createEmbedderRegistry(deps: EmbedderRegistryDeps): EmbedderRegistry {
  const serverEntries = serverProviderEntries(deps.config.providers, deps.providerFetch);
  const callTimeoutMs = deps.callTimeoutMs ?? defaultCallTimeoutMs;
  const offline = createEmbedder(offlineModelRef, createOfflineEmbeddingModel(), offlineEmbeddingDimensions);
  /** Measured widths of models not in the table, by provider configuration and model id. */
  const measuredDimensions = createLruCache<Promise<number>>(256);

  function measuredWidth(
    key: string,
    model: EmbeddingModelV3,
    modelRef: string,
    onProbe: ((call: EmbeddingCall) => void) | undefined,
  ): Promise<number> {
    const pending = measuredDimensions.getOrCreate(key, () => measureDimensions(model, modelRef, onProbe));
    pending.catch(() => measuredDimensions.delete(key));
    return pending;
  }

  return {
    async resolve(modelRef, tenantProviders, signal, onProbe) {
      const parsed = parseModelRef(modelRef);
      if (!parsed) {
        throw new AppError(
          'validation_failed',
          `Embedding model '${modelRef.slice(0, 120)}' is not a valid reference: use 'provider:model' (for example 'openai:text-embedding-3-small') or 'offline'`,
        );
      }
      if (parsed.kind === 'offline') return offline;
      const { providerName, modelId } = parsed;
      const entry = findProviderEntry(serverEntries, providerName, tenantProviders);
      if (!entry) {
        throw new AppError(
          'validation_failed',
          `Embedding model '${modelRef}' uses provider '${providerName}', which is not configured; configure it or use 'offline'`,
        );
      }
      if (!entry.createEmbeddings) {
        throw new AppError(
          'validation_failed',
          `Provider '${providerName}' offers no embedding models; choose an OpenAI, Azure OpenAI, Ollama or OpenAI-compatible model, or 'offline'`,
        );
      }
      const model = (await entry.createEmbeddings())(modelId);
      const known = knownEmbeddingModel(modelId);
      const providerOptions: SharedV3ProviderOptions | undefined = known?.requestDimensions
        ? { openai: { dimensions: known.dimensions }, [providerName]: { dimensions: known.dimensions } }
        : undefined;
      const measuredKey = `${entry.cacheKey}\n${modelId}`;
      const dimensions =
        known?.dimensions ?? (await untilAborted(measuredWidth(measuredKey, model, modelRef, onProbe), signal));
      if (!(embeddingDimensions as readonly number[]).includes(dimensions)) {
        throw new AppError(
          'validation_failed',
          `Embedding model '${modelRef}' returns ${dimensions}-dimensional vectors; supported sizes are ${embeddingDimensions.join(', ')}`,
        );
      }
      // A model swapped behind the same name (an Ollama tag pulled again) is measured again once its
      // vectors stop fitting: otherwise a source re-created for it would get the old width until a restart.
      const forgetWidth = known ? undefined : () => measuredDimensions.delete(measuredKey);
      return createEmbedder(modelRef, model, dimensions, { providerOptions, callTimeoutMs, onWrongWidth: forgetWidth });
    },
  };
}

export function createEmbedder(
  modelRef: string,
  model: EmbeddingModelV3,
  dimensions: number,
  options: {
    providerOptions?: SharedV3ProviderOptions | undefined;
    callTimeoutMs?: number;
    /** Told when the model returns vectors of another width than `dimensions`. */
    onWrongWidth?: (() => void) | undefined;
  } = {},
): Embedder {
  const { providerOptions, callTimeoutMs = defaultCallTimeoutMs, onWrongWidth } = options;
  /**
   * One batch, bounded in time: a provider that accepted the connection and never answered left a
   * document `processing` until the job queue's own expiry, 15 minutes later. Too few vectors is the
   * provider's fault, final; a timeout may pass, so it is a 504 the ingestion job retries.
   */
  async function embedBatch(
    values: string[],
    signal: AbortSignal | undefined,
    onCall: ((call: EmbeddingCall) => void) | undefined,
  ): Promise<number[][]> {
    const deadline = AbortSignal.timeout(callTimeoutMs);
    const started = performance.now();
    const ended = (inputTokens: number, outcome: EmbeddingCall['outcome']) =>
      onCall?.({ inputTokens, latencyMs: Math.round(performance.now() - started), outcome });
    let embeddings: number[][];
    try {
      let usage: { tokens: number | undefined } | undefined;
      // A gate of its own (recorded through `onCall`): the providers' pool sends only what carries its mark.
      ({ embeddings, usage } = await embedMany({
        model,
        headers: gatedCallHeaders(),
        values,
        maxRetries,
        abortSignal: signal ? AbortSignal.any([signal, deadline]) : deadline,
        ...(providerOptions && { providerOptions }),
      }));
      // A provider that reports no usage is charged nothing for it here: embeddings are cheap, and
      // counting every chunk with a tokenizer would cost indexing more than it tells.
      ended(usage?.tokens ?? 0, 'finished');
    } catch (error) {
      ended(0, signal?.aborted ? 'stopped' : 'failed');
      if (!deadline.aborted || signal?.aborted) throw error;
      throw new AppError(
        'model_timeout',
        `Embedding model '${modelRef}' did not answer within ${callTimeoutMs >= 1000 ? `${Math.round(callTimeoutMs / 1000)} s` : `${callTimeoutMs} ms`}; check that its provider is running`,
        {},
        { cause: error },
      );
    }
    if (embeddings.length !== values.length) {
      throw new AppError(
        'unprocessable',
        `Embedding model '${modelRef}' returned ${embeddings.length} vectors for ${values.length} texts; check that it is an embedding model and that its provider answers as OpenAI's API does`,
      );
    }
    return embeddings;
  }

  return {
    modelRef,
    dimensions,
    async embed(texts, signal, onCall) {
      const vectors: number[][] = [];
      for (let start = 0; start < texts.length; start += embeddingBatchSize) {
        const embeddings = await embedBatch(texts.slice(start, start + embeddingBatchSize), signal, onCall);
        for (const embedding of embeddings) {
          if (embedding.length !== dimensions) {
            onWrongWidth?.();
            throw new AppError(
              'validation_failed',
              `Embedding model '${modelRef}' returned a ${embedding.length}-dimensional vector where ${dimensions} were expected; the source must be re-created for this model`,
            );
          }
          vectors.push(embedding);
        }
      }
      return vectors;
    },
  };
}

/**
 * The measurement, or the signal's reason once it aborts: a stopped reply or a caller who hung up need
 * not wait for a slow provider's first answer, which goes on for the next caller that needs it.
 */
function untilAborted<T>(pending: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return pending;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * A model outside the table is asked once for one vector; a failure is not cached, so a fix is seen at
 * once. The request is a model call like any other: `onCall` hears of it for the usage ledger.
 */
async function measureDimensions(
  model: EmbeddingModelV3,
  modelRef: string,
  onCall: ((call: EmbeddingCall) => void) | undefined,
): Promise<number> {
  const started = performance.now();
  const ended = (inputTokens: number, outcome: EmbeddingCall['outcome']) =>
    onCall?.({ inputTokens, latencyMs: Math.round(performance.now() - started), outcome });
  try {
    const { embeddings, usage } = await embedMany({
      model,
      values: [probeText],
      maxRetries,
      headers: gatedCallHeaders(),
    });
    ended(usage?.tokens ?? 0, 'finished');
    return embeddings[0]?.length ?? 0;
  } catch (error) {
    ended(0, 'failed');
    // The outbound guard's refusal already says which address and which setting opens it.
    if (error instanceof OutboundRefusedError) throw error;
    throw new AppError(
      'validation_failed',
      `Embedding model '${modelRef}' could not be reached to measure its vector size; check the model name and the provider's settings`,
      {},
      { cause: error },
    );
  }
}
