import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { ChatModelFactory, EmbeddingModelFactory } from './chat-model-factory.js';

export interface OpenAICompatibleProviderSettings {
  /** Becomes the SDK provider id (`{name}.chat`) and the key of its provider options. */
  readonly name: string;
  readonly baseUrl: string;
  readonly apiKey?: string | undefined;
  readonly fetch?: FetchFunction | undefined;
}

/**
 * For servers that speak OpenAI Chat Completions but are not OpenAI (Ollama, vLLM, DeepSeek, LiteLLM…).
 * This adapter, unlike `@ai-sdk/openai`, reads `reasoning_content` (and `reasoning`) deltas into
 * reasoning parts, and `includeUsage` asks for the final usage chunk when streaming.
 */
export async function createOpenAICompatibleChatModels(
  settings: OpenAICompatibleProviderSettings,
): Promise<ChatModelFactory> {
  const provider = await createOpenAICompatibleProvider(settings);
  return (modelId) => provider.chatModel(modelId);
}

/** The server's `/embeddings` endpoint (Ollama, vLLM, LiteLLM and text-embeddings-inference all serve it). */
export async function createOpenAICompatibleEmbeddingModels(
  settings: OpenAICompatibleProviderSettings,
): Promise<EmbeddingModelFactory> {
  const provider = await createOpenAICompatibleProvider(settings);
  return (modelId) => provider.embeddingModel(modelId);
}

/** `includeUsage` is read by chat models only; embedding models ignore it. */
async function createOpenAICompatibleProvider(settings: OpenAICompatibleProviderSettings) {
  const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
  return createOpenAICompatible({
    name: settings.name,
    baseURL: settings.baseUrl,
    ...(settings.apiKey && { apiKey: settings.apiKey }),
    includeUsage: true,
    ...(settings.fetch && { fetch: settings.fetch }),
  });
}
