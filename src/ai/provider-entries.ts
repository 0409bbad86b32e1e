import { createHash } from 'node:crypto';
import type { ServerProviderSettings } from '../config.js';
import type { TenantProviderConfig } from './model-types.js';
import { anthropicWellKnownModels, createAnthropicChatModels } from './providers/anthropic-provider.js';
import { createAzureChatModels, createAzureEmbeddingModels } from './providers/azure-provider.js';
import {
  missingProviderSetting,
  type ChatModelFactory,
  type EmbeddingModelFactory,
} from './providers/chat-model-factory.js';
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
  openAIWellKnownModels,
} from './providers/openai-provider.js';

/** A provider the registry can resolve a model against, whether configured server-wide or by a tenant. */
export interface ProviderEntry {
  readonly name: string;
  /** Identifies the exact configuration (secrets only as a hash) for the provider cache. */
  readonly cacheKey: string;
  /** Models worth offering when nothing more specific is known; empty where names are user-chosen. */
  readonly suggestedModels: readonly string[];
  /**
   * Builds the provider, loading its SDK package on first use (an idle server holds none it does not
   * use); throws AppError when a setting it cannot work without is missing.
   */
  readonly create: () => Promise<ChatModelFactory>;
  /** Builds the provider's embedding models; absent when the provider has none (Anthropic). */
  readonly createEmbeddings?: () => Promise<EmbeddingModelFactory>;
}

/** In precedence order: when two server-wide providers share a name, the earlier one is used. */
export function serverProviderEntries(settings: ServerProviderSettings): ProviderEntry[] {
  const entries: ProviderEntry[] = [];
  const { openai, anthropic, azure, ollama, compatible } = settings;
  if (openai) {
    entries.push(
      entry(
        'server',
        'openai',
        'openai',
        openai,
        openAIWellKnownModels,
        () => createOpenAIChatModels(openai),
        () => createOpenAIEmbeddingModels(openai),
      ),
    );
  }
  if (anthropic) {
    entries.push(
      entry('server', 'anthropic', 'anthropic', anthropic, anthropicWellKnownModels, () =>
        createAnthropicChatModels(anthropic),
      ),
    );
  }
  if (azure) {
    entries.push(
      entry(
        'server',
        'azure',
        'azure',
        azure,
        [],
        () => createAzureChatModels(requireAzureAddress('azure', azure)),
        () => createAzureEmbeddingModels(requireAzureAddress('azure', azure)),
      ),
    );
  }
  if (ollama) {
    entries.push(
      entry(
        'server',
        'ollama',
        'ollama',
        ollama,
        ollamaWellKnownModels,
        () => createOllamaChatModels(ollama),
        () => createOllamaEmbeddingModels(ollama),
      ),
    );
  }
  if (compatible) {
    entries.push(
      entry(
        'server',
        compatible.name,
        'openai-compatible',
        compatible,
        [],
        () => createOpenAICompatibleChatModels(compatible),
        () => createOpenAICompatibleEmbeddingModels(compatible),
      ),
    );
  }
  return entries;
}

export function tenantProviderEntry(provider: TenantProviderConfig): ProviderEntry {
  const { name, kind, baseUrl, apiKey, settings } = provider;
  const configured = provider.models ?? [];
  const requireApiKey = (): string => {
    if (!apiKey) throw missingProviderSetting(name, 'API key');
    return apiKey;
  };
  switch (kind) {
    case 'openai': {
      const openAISettings = () => ({
        apiKey: requireApiKey(),
        baseUrl,
        organization: settings['organization'],
        project: settings['project'],
      });
      return entry(
        'tenant',
        name,
        kind,
        provider,
        configured.length ? configured : openAIWellKnownModels,
        () => createOpenAIChatModels(openAISettings()),
        () => createOpenAIEmbeddingModels(openAISettings()),
      );
    }
    case 'anthropic':
      return entry('tenant', name, kind, provider, configured.length ? configured : anthropicWellKnownModels, () =>
        createAnthropicChatModels({ apiKey: requireApiKey(), baseUrl }),
      );
    case 'azure': {
      const azureSettings = () =>
        requireAzureAddress(name, {
          apiKey: requireApiKey(),
          baseUrl,
          resourceName: settings['resourceName'],
          apiVersion: settings['apiVersion'],
        });
      return entry(
        'tenant',
        name,
        kind,
        provider,
        configured,
        () => createAzureChatModels(azureSettings()),
        () => createAzureEmbeddingModels(azureSettings()),
      );
    }
    case 'openai-compatible': {
      const compatibleSettings = () => {
        if (!baseUrl) throw missingProviderSetting(name, 'base URL');
        return { name, baseUrl, apiKey };
      };
      return entry(
        'tenant',
        name,
        kind,
        provider,
        configured,
        () => createOpenAICompatibleChatModels(compatibleSettings()),
        () => createOpenAICompatibleEmbeddingModels(compatibleSettings()),
      );
    }
  }
}

function entry(
  origin: 'server' | 'tenant',
  name: string,
  kind: string,
  configuration: object,
  suggestedModels: readonly string[],
  create: () => Promise<ChatModelFactory>,
  createEmbeddings?: () => Promise<EmbeddingModelFactory>,
): ProviderEntry {
  // The model list does not change how the provider is built, so it stays out of the cache key.
  const { models: _models, ...buildSettings } = configuration as { models?: unknown };
  const cacheKey = hashConfiguration(origin, name, kind, buildSettings);
  return { name, cacheKey, suggestedModels, create, ...(createEmbeddings && { createEmbeddings }) };
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
