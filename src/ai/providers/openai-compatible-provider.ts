import type { ChatModelFactory, EmbeddingModelFactory } from './chat-model-factory.js';

export interface OpenAICompatibleProviderSettings {
  /** Becomes the SDK provider id (`{name}.chat`) and the key of its provider options. */
  readonly name: string;
  readonly baseUrl: string;
  readonly apiKey?: string | undefined;
}

/**
 * For servers that speak OpenAI Chat Completions but are not OpenAI (Ollama, vLLM, DeepSeek, LiteLLM…).
 * This adapter, unlike `@ai-sdk/openai`, reads `reasoning_content` (and `reasoning`) deltas into
 * reasoning parts, and `includeUsage` asks for the final usage chunk when streaming.
 */
export async function createOpenAICompatibleChatModels(
  settings: OpenAICompatibleProviderSettings,
): Promise<ChatModelFactory> {
  const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
  const provider = createOpenAICompatible({
    name: settings.name,
    baseURL: settings.baseUrl,
    ...(settings.apiKey && { apiKey: settings.apiKey }),
    includeUsage: true,
  });
  return (modelId) => provider.chatModel(modelId);
}

/** The server's `/embeddings` endpoint (Ollama, vLLM, LiteLLM and text-embeddings-inference all serve it). */
export async function createOpenAICompatibleEmbeddingModels(
  settings: OpenAICompatibleProviderSettings,
): Promise<EmbeddingModelFactory> {
  const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
  const provider = createOpenAICompatible({
    name: settings.name,
    baseURL: settings.baseUrl,
    ...(settings.apiKey && { apiKey: settings.apiKey }),
  });
  return (modelId) => provider.embeddingModel(modelId);
}
