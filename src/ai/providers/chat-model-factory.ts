import type { EmbeddingModelV3, LanguageModelV3, RerankingModelV3, TranscriptionModelV3 } from '@ai-sdk/provider';
import { AppError } from '../../platform/errors.js';

/** One configured provider, ready to hand out chat models by id. Built once and cached by the registry. */
export type ChatModelFactory = (modelId: string) => LanguageModelV3;

/** How one registry builds every provider's chat models. */
export interface ChatModelOptions {
  /**
   * MODEL_LEAN_STREAM: a plain streamed call to an OpenAI-compatible server (Ollama's too) reads its stream
   * without the SDK's per-chunk parse (ADR 28); other providers ignore it.
   */
  readonly isLeanStreamOn: boolean;
}

/** The same provider's embedding models by id; absent for providers that have none (Anthropic). */
export type EmbeddingModelFactory = (modelId: string) => EmbeddingModelV3;

/** The same provider's reranking models by id; only Cohere and Cohere-style `/rerank` servers have them. */
export type RerankingModelFactory = (modelId: string) => RerankingModelV3;

/** The same provider's speech-to-text models by id (OpenAI, Azure deployments, compatible servers). */
export type TranscriptionModelFactory = (modelId: string) => TranscriptionModelV3;

/** A provider that cannot work without a setting is reported when a model is resolved, naming the setting. */
export function missingProviderSetting(providerName: string, setting: string): AppError {
  return new AppError(
    'validation_failed',
    `Provider '${providerName}' has no ${setting} configured, so its models cannot be used; add the ${setting} to the provider`,
  );
}
