import type { TenantProviderConfig } from '../model-types.js';
import type { EmbeddingCall } from '../usage-paths.js';

/** Turns texts into vectors of one fixed dimension; every call goes through the AI SDK's `embedMany`. */
export interface Embedder {
  /** `offline` or `provider:model`, as stored on a knowledge source. */
  readonly modelRef: string;
  readonly dimensions: number;
  /**
   * One vector per text, in order; batched (≤ 96 texts per call) and retried (maxRetries 2). `onCall`
   * hears of each request to the provider as it ends: its tokens and time, for the usage ledger.
   */
  embed(texts: readonly string[], signal?: AbortSignal, onCall?: (call: EmbeddingCall) => void): Promise<number[][]>;
}

export interface EmbedderRegistry {
  /**
   * Throws AppError('validation_failed', sentence) for an unknown provider/model or unsupported dimension.
   * `signal` ends the wait for a model's first measurement (shared with other callers, which go on waiting).
   * A model outside the known table is measured once with one embeddings request: `onProbe` hears of it
   * as it ends, like `embed`'s `onCall`, so that the probe has its ledger row too (the caller's path).
   */
  resolve(
    modelRef: string,
    tenantProviders: readonly TenantProviderConfig[],
    signal?: AbortSignal,
    onProbe?: (call: EmbeddingCall) => void,
  ): Promise<Embedder> | Embedder;
}
