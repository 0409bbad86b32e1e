import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { ChatModelFactory, ChatModelOptions, EmbeddingModelFactory } from './chat-model-factory.js';

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
 * reasoning parts, and `includeUsage` asks for the final usage chunk when streaming. With the lean
 * stream on (MODEL_LEAN_STREAM, ADR 28), a plain streamed call skips the SDK's per-chunk parse.
 */
export async function createOpenAICompatibleChatModels(
  settings: OpenAICompatibleProviderSettings,
  options: ChatModelOptions,
): Promise<ChatModelFactory> {
  const provider = await createOpenAICompatibleProvider(settings);
  if (!options.isLeanStreamOn) return (modelId) => provider.chatModel(modelId);
  const [{ VERSION }, { leanChatCompletionsModel }] = await Promise.all([
    import('@ai-sdk/openai-compatible'),
    import('./lean-chat-completions-model.js'),
  ]);
  return (modelId) =>
    leanChatCompletionsModel(provider.chatModel(modelId), {
      baseUrl: settings.baseUrl,
      apiKey: settings.apiKey,
      userAgent: `ai-sdk/openai-compatible/${VERSION}`,
      fetch: settings.fetch,
      includeUsage,
    });
}

/** The server's `/embeddings` endpoint (Ollama, vLLM, LiteLLM and text-embeddings-inference all serve it). */
export async function createOpenAICompatibleEmbeddingModels(
  settings: OpenAICompatibleProviderSettings,
): Promise<EmbeddingModelFactory> {
  const provider = await createOpenAICompatibleProvider(settings);
  return (modelId) => provider.embeddingModel(modelId);
}

const includeUsage = true;

/** `includeUsage` is read by chat models only; embedding models ignore it. */
async function createOpenAICompatibleProvider(settings: OpenAICompatibleProviderSettings) {
  const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
  return createOpenAICompatible({
    name: settings.name,
    baseURL: settings.baseUrl,
    ...(settings.apiKey && { apiKey: settings.apiKey }),
    includeUsage,
    ...(settings.fetch && { fetch: settings.fetch }),
  });
}
