import { createOpenAI } from '@ai-sdk/openai';
import type { ChatModelFactory, EmbeddingModelFactory } from './chat-model-factory.js';

export const openAIDefaultBaseUrl = 'https://api.openai.com/v1';
export const openAIWellKnownModels: readonly string[] = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini'];

export interface OpenAIProviderSettings {
  readonly apiKey: string;
  readonly baseUrl?: string | undefined;
  readonly organization?: string | undefined;
  readonly project?: string | undefined;
}

/**
 * Uses the Chat Completions API (`.chat`), not Responses: every OpenAI-compatible proxy speaks it.
 * The base URL is always passed so the SDK never falls back to reading OPENAI_BASE_URL itself.
 */
export function createOpenAIChatModels(settings: OpenAIProviderSettings): ChatModelFactory {
  const provider = createOpenAIProvider(settings);
  return (modelId) => provider.chat(modelId);
}

export function createOpenAIEmbeddingModels(settings: OpenAIProviderSettings): EmbeddingModelFactory {
  const provider = createOpenAIProvider(settings);
  return (modelId) => provider.embeddingModel(modelId);
}

function createOpenAIProvider(settings: OpenAIProviderSettings) {
  return createOpenAI({
    apiKey: settings.apiKey,
    baseURL: settings.baseUrl ?? openAIDefaultBaseUrl,
    organization: settings.organization,
    project: settings.project,
  });
}
