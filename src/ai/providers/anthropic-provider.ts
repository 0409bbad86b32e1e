import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { ChatModelFactory } from './chat-model-factory.js';

export const anthropicDefaultBaseUrl = 'https://api.anthropic.com/v1';
export const anthropicWellKnownModels: readonly string[] = ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1'];

export interface AnthropicProviderSettings {
  readonly apiKey: string;
  readonly baseUrl?: string | undefined;
  readonly fetch?: FetchFunction | undefined;
}

/** The base URL is always passed so the SDK never falls back to reading ANTHROPIC_BASE_URL itself. */
export async function createAnthropicChatModels(settings: AnthropicProviderSettings): Promise<ChatModelFactory> {
  const { createAnthropic } = await import('@ai-sdk/anthropic');
  const provider = createAnthropic({
    apiKey: settings.apiKey,
    baseURL: settings.baseUrl ?? anthropicDefaultBaseUrl,
    ...(settings.fetch && { fetch: settings.fetch }),
  });
  return (modelId) => provider.messages(modelId);
}
