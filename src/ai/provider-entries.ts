import { createHash } from 'node:crypto';
import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { ServerProviderSettings } from '../config.js';
import { providerKinds, type ProviderKind } from '../platform/db/schema/index.js';
import { AppError } from '../platform/errors.js';
import type { TenantProviderConfig } from './model-types.js';
import { anthropicWellKnownModels, createAnthropicChatModels } from './providers/anthropic-provider.js';
import {
  createAzureChatModels,
  createAzureEmbeddingModels,
  createAzureTranscriptionModels,
} from './providers/azure-provider.js';
import {
  missingProviderSetting,
  type ChatModelFactory,
  type ChatModelOptions,
  type EmbeddingModelFactory,
  type RerankingModelFactory,
  type TranscriptionModelFactory,
} from './providers/chat-model-factory.js';
import { createRerankingModels, refuseCohereChatModels } from './providers/cohere-provider.js';
import {
  createOllamaChatModels,
  createOllamaEmbeddingModels,
  ollamaWellKnownModels,
} from './providers/ollama-provider.js';
import {
  createOpenAICompatibleChatModels,
  createOpenAICompatibleEmbeddingModels,
} from './providers/openai-compatible-provider.js';
import {
  createOpenAIChatModels,
  createOpenAIEmbeddingModels,
  createOpenAITranscriptionModels,
  openAIWellKnownModels,
} from './providers/openai-provider.js';

/** A provider the registry can resolve a model against, whether configured server-wide or by a tenant. */
export interface ProviderEntry {
  readonly name: string;
  /** What it speaks (`openai`, `ollama`, …): how the price table prices its models. */
  readonly kind: string;
  /** Identifies the exact configuration (secrets only as a hash) for the provider cache. */
  readonly cacheKey: string;
  /** Models worth offering when nothing more specific is known; empty where names are user-chosen. */
  readonly suggestedModels: readonly string[];
  /**
   * Builds the provider, loading its SDK package on first use (an idle server holds none it does not
   * use); throws AppError when a setting it cannot work without is missing.
   */
  readonly create: (options: ChatModelOptions) => Promise<ChatModelFactory>;
  /** Builds the provider's embedding models; absent when the provider has none (Anthropic). */
  readonly createEmbeddings?: (() => Promise<EmbeddingModelFactory>) | undefined;
  /** Builds the provider's reranking models; only Cohere and OpenAI-compatible servers have them. */
  readonly createReranking?: (() => Promise<RerankingModelFactory>) | undefined;
  /** Builds its speech-to-text models: OpenAI, Azure and OpenAI-compatible servers (`/audio/transcriptions`). */
  readonly createTranscriptions?: (() => Promise<TranscriptionModelFactory>) | undefined;
}

/**
 * In precedence order: when two server-wide providers share a name, the earlier one is used. Their SDKs
 * make every request through `fetch` when one is given (pooled-http.ts).
 */
export function serverProviderEntries(settings: ServerProviderSettings, fetch?: FetchFunction): ProviderEntry[] {
  const entries: ProviderEntry[] = [];
  const withFetch = <T extends object>(configured: T | undefined) => configured && { ...configured, fetch };
  const openai = withFetch(settings.openai);
  const anthropic = withFetch(settings.anthropic);
  const azure = withFetch(settings.azure);
  const ollama = withFetch(settings.ollama);
  const compatible = withFetch(settings.compatible);
  const cohere = withFetch(settings.cohere);
  if (openai) {
    entries.push(
      entry('server', 'openai', 'openai', openai, {
        suggestedModels: openAIWellKnownModels,
        create: () => createOpenAIChatModels(openai),
        createEmbeddings: () => createOpenAIEmbeddingModels(openai),
        createTranscriptions: () => createOpenAITranscriptionModels(openai),
      }),
    );
  }
  if (anthropic) {
    entries.push(
      entry('server', 'anthropic', 'anthropic', anthropic, {
        suggestedModels: anthropicWellKnownModels,
        create: () => createAnthropicChatModels(anthropic),
      }),
    );
  }
  if (azure) {
    entries.push(
      entry('server', 'azure', 'azure', azure, {
        suggestedModels: [],
        create: () => createAzureChatModels(requireAzureAddress('azure', azure)),
        createEmbeddings: () => createAzureEmbeddingModels(requireAzureAddress('azure', azure)),
        createTranscriptions: () => createAzureTranscriptionModels(requireAzureAddress('azure', azure)),
      }),
    );
  }
  if (ollama) {
    entries.push(
      entry('server', 'ollama', 'ollama', ollama, {
        suggestedModels: ollamaWellKnownModels,
        create: (options) => createOllamaChatModels(ollama, options),
        createEmbeddings: () => createOllamaEmbeddingModels(ollama),
      }),
    );
  }
  if (compatible) {
    entries.push(
      entry('server', compatible.name, 'openai-compatible', compatible, {
        suggestedModels: [],
        create: (options) => createOpenAICompatibleChatModels(compatible, options),
        createEmbeddings: () => createOpenAICompatibleEmbeddingModels(compatible),
        createReranking: () => createRerankingModels(compatible),
        createTranscriptions: () => createOpenAITranscriptionModels(compatible),
      }),
    );
  }
  if (cohere) {
    entries.push(
      entry('server', 'cohere', 'cohere', cohere, {
        suggestedModels: [],
        create: () => refuseCohereChatModels('cohere'),
        createReranking: () => createRerankingModels(cohere),
      }),
    );
  }
  return entries;
}

/**
 * The price table's kind of each server-wide provider, by name, the first of a name winning as above.
 * Ollama has no kind in the table (its models run on the operator's own machine), so it is left out.
 */
export function serverProviderKinds(settings: ServerProviderSettings): ReadonlyMap<string, ProviderKind> {
  const kinds = new Map<string, ProviderKind>();
  const seen = new Set<string>();
  for (const { name, kind } of serverProviderEntries(settings)) {
    if (seen.has(name)) continue;
    seen.add(name);
    const priced = providerKinds.find((known) => known === kind);
    if (priced) kinds.set(name, priced);
  }
  return kinds;
}

/** A tenant's provider; every request its SDK makes goes through the configuration's `fetch` (the guard). */
export function tenantProviderEntry(provider: TenantProviderConfig): ProviderEntry {
  const { name, kind, baseUrl, apiKey, settings, fetch } = provider;
  const configured = provider.models ?? [];
  const requireReadableKey = (): void => {
    if (provider.apiKeyProblem) throw new AppError('unprocessable', provider.apiKeyProblem);
  };
  const requireApiKey = (): string => {
    requireReadableKey();
    if (!apiKey) throw missingProviderSetting(name, 'API key');
    return apiKey;
  };
  const tenantEntry = (builders: EntryBuilders) => entry('tenant', name, kind, provider, builders);
  switch (kind) {
    case 'openai': {
      const openAISettings = () => ({
        apiKey: requireApiKey(),
        baseUrl,
        organization: settings['organization'],
        project: settings['project'],
        fetch,
      });
      return tenantEntry({
        suggestedModels: configured.length ? configured : openAIWellKnownModels,
        create: () => createOpenAIChatModels(openAISettings()),
        createEmbeddings: () => createOpenAIEmbeddingModels(openAISettings()),
        createTranscriptions: () => createOpenAITranscriptionModels(openAISettings()),
      });
    }
    case 'anthropic':
      return tenantEntry({
        suggestedModels: configured.length ? configured : anthropicWellKnownModels,
        create: () => createAnthropicChatModels({ apiKey: requireApiKey(), baseUrl, fetch }),
      });
    case 'azure': {
      const azureSettings = () =>
        requireAzureAddress(name, {
          apiKey: requireApiKey(),
          baseUrl,
          resourceName: settings['resourceName'],
          apiVersion: settings['apiVersion'],
          fetch,
        });
      return tenantEntry({
        suggestedModels: configured,
        create: () => createAzureChatModels(azureSettings()),
        createEmbeddings: () => createAzureEmbeddingModels(azureSettings()),
        createTranscriptions: () => createAzureTranscriptionModels(azureSettings()),
      });
    }
    case 'openai-compatible': {
      const compatibleSettings = () => {
        requireReadableKey();
        if (!baseUrl) throw missingProviderSetting(name, 'base URL');
        return { name, baseUrl, apiKey, fetch };
      };
      return tenantEntry({
        suggestedModels: configured,
        create: (options) => createOpenAICompatibleChatModels(compatibleSettings(), options),
        createEmbeddings: () => createOpenAICompatibleEmbeddingModels(compatibleSettings()),
        createReranking: () => createRerankingModels(compatibleSettings()),
        createTranscriptions: () => createOpenAITranscriptionModels(compatibleSettings()),
      });
    }
    case 'cohere':
      // Its models are reranking models, offered where a knowledge source names one, not in chat pickers.
      return tenantEntry({
        suggestedModels: [],
        create: () => refuseCohereChatModels(name),
        createReranking: () => createRerankingModels({ apiKey: requireApiKey(), baseUrl, fetch }),
      });
  }
}

/** Finds a provider by name: the tenant's own first, then the server-wide one. */
export function findProviderEntry(
  serverEntries: readonly ProviderEntry[],
  providerName: string,
  tenantProviders: readonly TenantProviderConfig[],
): ProviderEntry | undefined {
  const tenant = tenantProviders.find((provider) => provider.name === providerName);
  if (tenant) return tenantProviderEntry(tenant);
  return serverEntries.find((entry) => entry.name === providerName);
}

type EntryBuilders = Pick<
  ProviderEntry,
  'suggestedModels' | 'create' | 'createEmbeddings' | 'createReranking' | 'createTranscriptions'
>;

function entry(
  origin: 'server' | 'tenant',
  name: string,
  kind: string,
  configuration: object,
  builders: EntryBuilders,
): ProviderEntry {
  // The model list does not change how the provider is built, and every tenant provider has the same
  // fetch (the outbound guard's), so both stay out of the cache key.
  const { models: _models, fetch: _fetch, ...buildSettings } = configuration as { models?: unknown; fetch?: unknown };
  const cacheKey = hashConfiguration(origin, name, kind, buildSettings);
  return { name, kind, cacheKey, ...builders };
}

function requireAzureAddress<Settings extends { baseUrl?: string | undefined; resourceName?: string | undefined }>(
  providerName: string,
  settings: Settings,
): Settings {
  if (!settings.baseUrl && !settings.resourceName)
    throw missingProviderSetting(providerName, 'resource name or base URL');
  return settings;
}

/** Hashed so API keys are not held a second time, in readable form, as cache keys. */
function hashConfiguration(origin: string, name: string, kind: string, configuration: object): string {
  const canonical = JSON.stringify([origin, name, kind, sortKeysDeep(configuration)]);
  return createHash('sha256').update(canonical).digest('base64url');
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, inner]) => [key, sortKeysDeep(inner)]),
  );
}
