import type { ServerProviderSettings } from '../config.js';
import { anthropicDefaultBaseUrl } from './providers/anthropic-provider.js';
import { normalizeOllamaBaseUrl } from './providers/ollama-provider.js';
import { openAIDefaultBaseUrl } from './providers/openai-provider.js';

/** Cohere's API when COHERE_BASE_URL is unset (the SDK's own default). */
const cohereDefaultBaseUrl = 'https://api.cohere.com/v2';

/**
 * Where each server-wide provider is reached: its configured base URL, else its SDK's default. The
 * outbound door and the global fetch send there only what the model gate marked
 * (platform/outbound/provider-hosts.ts).
 */
export function serverProviderBaseUrls(
  settings: ServerProviderSettings,
): readonly { readonly provider: string; readonly baseUrl: string }[] {
  const { openai, anthropic, azure, ollama, compatible, cohere } = settings;
  const azureBaseUrl =
    azure?.baseUrl ?? (azure?.resourceName ? `https://${azure.resourceName}.openai.azure.com/openai` : undefined);
  return [
    ...(openai ? [{ provider: 'openai', baseUrl: openai.baseUrl ?? openAIDefaultBaseUrl }] : []),
    ...(anthropic ? [{ provider: 'anthropic', baseUrl: anthropic.baseUrl ?? anthropicDefaultBaseUrl }] : []),
    ...(azureBaseUrl ? [{ provider: 'azure', baseUrl: azureBaseUrl }] : []),
    ...(ollama ? [{ provider: 'ollama', baseUrl: normalizeOllamaBaseUrl(ollama.baseUrl) }] : []),
    ...(compatible ? [{ provider: compatible.name, baseUrl: compatible.baseUrl }] : []),
    ...(cohere ? [{ provider: 'cohere', baseUrl: cohere.baseUrl ?? cohereDefaultBaseUrl }] : []),
  ];
}
