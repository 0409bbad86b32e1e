import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { ChatModelFactory, EmbeddingModelFactory, TranscriptionModelFactory } from './chat-model-factory.js';

export interface AzureProviderSettings {
  readonly apiKey: string;
  /** `https://{resourceName}.openai.azure.com/openai` is used when no base URL is given. */
  readonly resourceName?: string | undefined;
  /** e.g. `https://my-resource.openai.azure.com/openai`, or a gateway in front of it. */
  readonly baseUrl?: string | undefined;
  readonly apiVersion?: string | undefined;
  readonly fetch?: FetchFunction | undefined;
}

const datedApiVersion = /^\d{4}-\d{2}-\d{2}(-preview)?$/;

/**
 * Model ids are deployment names. Azure serves two URL styles: the v1 API (`/openai/v1/chat/completions`)
 * and the older per-deployment one (`/openai/deployments/{name}/chat/completions?api-version=2024-10-21`),
 * which only accepts dated versions. A dated `apiVersion` therefore selects the per-deployment style,
 * so existing Azure setups configured with a dated version keep working.
 */
export async function createAzureChatModels(settings: AzureProviderSettings): Promise<ChatModelFactory> {
  const provider = await createAzureProvider(settings);
  return (deployment) => provider.chat(deployment);
}

/** Model ids are embedding deployment names, e.g. the deployment of text-embedding-3-small. */
export async function createAzureEmbeddingModels(settings: AzureProviderSettings): Promise<EmbeddingModelFactory> {
  const provider = await createAzureProvider(settings);
  return (deployment) => provider.embeddingModel(deployment);
}

/** Model ids are transcription deployment names, e.g. a deployment of whisper. */
export async function createAzureTranscriptionModels(
  settings: AzureProviderSettings,
): Promise<TranscriptionModelFactory> {
  const provider = await createAzureProvider(settings);
  return (deployment) => provider.transcription(deployment);
}

async function createAzureProvider(settings: AzureProviderSettings) {
  const { createAzure } = await import('@ai-sdk/azure');
  const isDatedVersion = settings.apiVersion !== undefined && datedApiVersion.test(settings.apiVersion);
  return createAzure({
    apiKey: settings.apiKey,
    ...(settings.baseUrl ? { baseURL: settings.baseUrl } : { resourceName: settings.resourceName }),
    ...(settings.apiVersion && { apiVersion: settings.apiVersion }),
    useDeploymentBasedUrls: isDatedVersion,
    ...(settings.fetch && { fetch: settings.fetch }),
  });
}
