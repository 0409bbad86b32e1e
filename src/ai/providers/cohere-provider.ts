import type { FetchFunction } from '@ai-sdk/provider-utils';
import { AppError } from '../../platform/errors.js';
import type { ChatModelFactory, RerankingModelFactory } from './chat-model-factory.js';

export interface RerankServerSettings {
  readonly apiKey?: string | undefined;
  /** Where `/rerank` lives: Cohere's `https://api.cohere.com/v2` by default, or a server's `…/v1`. */
  readonly baseUrl?: string | undefined;
  readonly fetch?: FetchFunction | undefined;
}

/**
 * Reranking models over Cohere's `POST {baseUrl}/rerank` (API v2). vLLM, Infinity and Jina serve the same
 * request and answer at `/v1/rerank`, so an OpenAI-compatible provider reranks through this adapter too.
 * The key is always passed, empty when there is none: left undefined, the SDK would read the process's
 * COHERE_API_KEY and send the server's key to whatever address a tenant configured.
 */
export async function createRerankingModels(settings: RerankServerSettings): Promise<RerankingModelFactory> {
  const { createCohere } = await import('@ai-sdk/cohere');
  const provider = createCohere({
    apiKey: settings.apiKey ?? '',
    ...(settings.baseUrl && { baseURL: settings.baseUrl }),
    ...(settings.fetch && { fetch: settings.fetch }),
  });
  return (modelId) => provider.rerankingModel(modelId);
}

/** A Cohere provider serves reranking only here; naming it as an agent's chat model gets this sentence. */
export function refuseCohereChatModels(providerName: string): Promise<ChatModelFactory> {
  return Promise.reject(
    new AppError(
      'validation_failed',
      `Provider '${providerName}' is a Cohere provider, which Parley uses for reranking knowledge search only; choose a chat model of another provider`,
    ),
  );
}
