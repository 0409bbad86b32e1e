import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { ChatModelFactory, ChatModelOptions, EmbeddingModelFactory } from './chat-model-factory.js';
import {
  createOpenAICompatibleChatModels,
  createOpenAICompatibleEmbeddingModels,
} from './openai-compatible-provider.js';

export const ollamaDefaultBaseUrl = 'http://127.0.0.1:11434/v1';
/** Ollama has no model every install carries; this is the one its own docs start with. */
export const ollamaWellKnownModels: readonly string[] = ['llama3.1'];

export interface OllamaProviderSettings {
  readonly baseUrl?: string | undefined;
  /** The servers' pool (pooled-http.ts), which takes the gate's mark off: Ollama is sent none. */
  readonly fetch?: FetchFunction | undefined;
}

/** Ollama through its OpenAI-compatible endpoint, which also streams `reasoning` for thinking models. */
export function createOllamaChatModels(
  settings: OllamaProviderSettings,
  options: ChatModelOptions,
): Promise<ChatModelFactory> {
  return createOpenAICompatibleChatModels(
    { name: 'ollama', baseUrl: normalizeOllamaBaseUrl(settings.baseUrl), fetch: settings.fetch },
    options,
  );
}

export function createOllamaEmbeddingModels(settings: OllamaProviderSettings): Promise<EmbeddingModelFactory> {
  return createOpenAICompatibleEmbeddingModels({
    name: 'ollama',
    baseUrl: normalizeOllamaBaseUrl(settings.baseUrl),
    fetch: settings.fetch,
  });
}

/**
 * People copy Ollama's own address (`http://localhost:11434`), but the OpenAI-compatible API lives
 * under `/v1`; add it when the URL has no path, and leave any explicit path alone.
 */
export function normalizeOllamaBaseUrl(baseUrl: string | undefined): string {
  if (!baseUrl) return ollamaDefaultBaseUrl;
  const url = new URL(baseUrl);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1';
  return url.toString().replace(/\/+$/, '');
}
