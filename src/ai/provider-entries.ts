import { createHash } from 'node:crypto';
import type { ServerProviderSettings } from '../config.js';
import type { TenantProviderConfig } from './model-types.js';
import { anthropicWellKnownModels, createAnthropicChatModels } from './providers/anthropic-provider.js';
import { createAzureChatModels } from './providers/azure-provider.js';
import { missingProviderSetting, type ChatModelFactory } from './providers/chat-model-factory.js';
import { createOllamaChatModels, ollamaWellKnownModels } from './providers/ollama-provider.js';
import { createOpenAICompatibleChatModels } from './providers/openai-compatible-provider.js';
import { createOpenAIChatModels, openAIWellKnownModels } from './providers/openai-provider.js';

/** A provider the registry can resolve a model against, whether configured server-wide or by a tenant. */
export interface ProviderEntry {
  readonly name: string;
  /** Identifies the exact configuration (secrets only as a hash) for the provider cache. */
  readonly cacheKey: string;
  /** Models worth offering when nothing more specific is known; empty where names are user-chosen. */
  readonly suggestedModels: readonly string[];
  /** Builds the provider; throws AppError when a setting it cannot work without is missing. */
  readonly create: () => ChatModelFactory;
}

/** In precedence order: when two server-wide providers share a name, the earlier one is used. */
export function serverProviderEntries(settings: ServerProviderSettings): ProviderEntry[] {
  const entries: ProviderEntry[] = [];
  const { openai, anthropic, azure, ollama, compatible } = settings;
  if (openai) {
    entries.push(
      entry('server', 'openai', 'openai', openai, openAIWellKnownModels, () => createOpenAIChatModels(openai)),
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
      entry('server', 'azure', 'azure', azure, [], () => {
        if (!azure.baseUrl && !azure.resourceName) throw missingProviderSetting('azure', 'resource name or base URL');
        return createAzureChatModels(azure);
      }),
    );
  }
  if (ollama) {
    entries.push(
      entry('server', 'ollama', 'ollama', ollama, ollamaWellKnownModels, () => createOllamaChatModels(ollama)),
    );
  }
  if (compatible) {
    entries.push(
      entry('server', compatible.name, 'openai-compatible', compatible, [], () =>
        createOpenAICompatibleChatModels(compatible),
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
    case 'openai':
      return entry('tenant', name, kind, provider, configured.length ? configured : openAIWellKnownModels, () =>
        createOpenAIChatModels({
          apiKey: requireApiKey(),
          baseUrl,
          organization: settings['organization'],
          project: settings['project'],
        }),
      );
    case 'anthropic':
      return entry('tenant', name, kind, provider, configured.length ? configured : anthropicWellKnownModels, () =>
        createAnthropicChatModels({ apiKey: requireApiKey(), baseUrl }),
      );
    case 'azure':
      return entry('tenant', name, kind, provider, configured, () => {
        const resourceName = settings['resourceName'];
        if (!baseUrl && !resourceName) throw missingProviderSetting(name, 'resource name or base URL');
        return createAzureChatModels({
          apiKey: requireApiKey(),
          baseUrl,
          resourceName,
          apiVersion: settings['apiVersion'],
        });
      });
    case 'openai-compatible':
      return entry('tenant', name, kind, provider, configured, () => {
        if (!baseUrl) throw missingProviderSetting(name, 'base URL');
        return createOpenAICompatibleChatModels({ name, baseUrl, apiKey });
      });
  }
}

function entry(
  origin: 'server' | 'tenant',
  name: string,
  kind: string,
  configuration: object,
  suggestedModels: readonly string[],
  create: () => ChatModelFactory,
): ProviderEntry {
  // The model list does not change how the provider is built, so it stays out of the cache key.
  const { models: _models, ...buildSettings } = configuration as { models?: unknown };
  return { name, cacheKey: hashConfiguration(origin, name, kind, buildSettings), suggestedModels, create };
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
