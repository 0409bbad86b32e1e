import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { ChatModelFactory, EmbeddingModelFactory, TranscriptionModelFactory } from './chat-model-factory.js';

export const openAIDefaultBaseUrl = 'https://api.openai.com/v1';
export const openAIWellKnownModels: readonly string[] = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini'];

export interface OpenAIProviderSettings {
  readonly apiKey: string;
  readonly baseUrl?: string | undefined;
  readonly organization?: string | undefined;
  readonly project?: string | undefined;
  /** The outbound guard's fetch for a tenant's provider (provider-entries.ts); absent, the SDK's own. */
  readonly fetch?: FetchFunction | undefined;
}

/**
 * Uses the Chat Completions API (`.chat`), not Responses: every OpenAI-compatible proxy speaks it.
 * The base URL is always passed so the SDK never falls back to reading OPENAI_BASE_URL itself.
 */
export async function createOpenAIChatModels(settings: OpenAIProviderSettings): Promise<ChatModelFactory> {
  const provider = await createOpenAIProvider(settings);
  return (modelId) => provider.chat(modelId);
}

export async function createOpenAIEmbeddingModels(settings: OpenAIProviderSettings): Promise<EmbeddingModelFactory> {
  const provider = await createOpenAIProvider(settings);
  return (modelId) => provider.embeddingModel(modelId);
}

/**
 * `POST {baseUrl}/audio/transcriptions`: OpenAI's, or an OpenAI-compatible server's (speaches, LocalAI,
 * vLLM), hence the optional key: an empty one is sent rather than the SDK reading OPENAI_API_KEY.
 */
export async function createOpenAITranscriptionModels(
  settings: Omit<OpenAIProviderSettings, 'apiKey'> & { readonly apiKey?: string | undefined },
): Promise<TranscriptionModelFactory> {
  const provider = await createOpenAIProvider({ ...settings, apiKey: settings.apiKey ?? '' });
  return (modelId) => provider.transcription(modelId);
}

async function createOpenAIProvider(settings: OpenAIProviderSettings) {
  const { createOpenAI } = await import('@ai-sdk/openai');
  return createOpenAI({
    apiKey: settings.apiKey,
    baseURL: settings.baseUrl ?? openAIDefaultBaseUrl,
    organization: settings.organization,
    project: settings.project,
    ...(settings.fetch && { fetch: settings.fetch }),
  });
}
