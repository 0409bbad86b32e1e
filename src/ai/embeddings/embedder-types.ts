import type { TenantProviderConfig } from '../model-types.js';

/** Turns texts into vectors of one fixed dimension; every call goes through the AI SDK's `embedMany`. */
export interface Embedder {
  /** `offline` or `provider:model`, as stored on a knowledge source. */
  readonly modelRef: string;
  readonly dimensions: number;
  /** One vector per text, in order; batched (≤ 96 texts per call) and retried (maxRetries 2). */
  embed(texts: readonly string[], signal?: AbortSignal): Promise<number[][]>;
}

export interface EmbedderRegistry {
  /** Throws AppError('validation_failed', sentence) for an unknown provider/model or unsupported dimension. */
  /** `signal` ends the wait for a model's first measurement (shared with other callers, which go on waiting). */
  resolve(
    modelRef: string,
    tenantProviders: readonly TenantProviderConfig[],
    signal?: AbortSignal,
  ): Promise<Embedder> | Embedder;
}
