import type { FetchFunction } from '@ai-sdk/provider-utils';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { Config } from '../config.js';
import { AppError } from '../platform/errors.js';
import { formatModelRef, offlineModelRef, parseModelRef } from './model-ref.js';
import type { ModelRegistry, TenantProviderConfig } from './model-types.js';
import { createLruCache } from '../platform/lru-cache.js';
import { createOfflineModel } from './offline-model.js';
import { serverProviderEntries, tenantProviderEntry, type ProviderEntry } from './provider-entries.js';
import type { ChatModelFactory } from './providers/chat-model-factory.js';

export interface ModelRegistryDeps {
  readonly config: Pick<Config, 'providers' | 'defaultModel'>;
  /** How the server-wide providers' SDKs reach them (platform/outbound/pooled-http.ts); absent, the SDK's own fetch. */
  readonly providerFetch?: FetchFunction | undefined;
  /** MODEL_LEAN_STREAM (ADR 28); on when not given, as it is by default. */
  readonly isLeanStreamOn?: boolean;
  /** Pause between the offline model's words; 0 (the default) streams as fast as it is read. */
  readonly offlineWordDelayMs?: number;
  readonly maxCachedProviders?: number;
  readonly maxCachedModels?: number;
}

const maxRefLengthInMessages = 120;

export function createModelRegistry(deps: ModelRegistryDeps): ModelRegistry {
  const serverEntries = serverProviderEntries(deps.config.providers, deps.providerFetch);
  const chatModelOptions = { isLeanStreamOn: deps.isLeanStreamOn ?? true };
  const offlineModel = createOfflineModel({ wordDelayMs: deps.offlineWordDelayMs ?? 0 });
  /** Where providers are configured, the offline model names one of their models instead of the setup. */
  const offlineModelFor = (entries: readonly ProviderEntry[]): LanguageModelV3 => {
    const [first] = entries;
    if (!first) return offlineModel;
    // A provider whose model names are the tenant's own (Azure deployments) suggests none.
    const configuredModel = firstSuggestedModel(entries) ?? formatModelRef(first.name, '<model>');
    return models.getOrCreate(`offline\n${configuredModel}`, () =>
      createOfflineModel({ wordDelayMs: deps.offlineWordDelayMs ?? 0, configuredModel }),
    );
  };
  // Providers and models are cached by a hash of their whole configuration (ADR 4), so a key change
  // builds new ones at once. Models are cached too: building one per turn costs ~1 ms of CPU (each
  // OpenAI-compatible model compiles its own Zod chunk schema, which then parses cold every turn).
  // A provider is cached as its promise, so turns arriving while its SDK package loads share one load.
  const providers = createLruCache<Promise<ChatModelFactory>>(deps.maxCachedProviders ?? 256);
  const models = createLruCache<LanguageModelV3>(deps.maxCachedModels ?? 1024);
  const serverOnlyEntries = providerEntries([]);
  /** Keyed by the list itself: the providers module hands out the same list until the tenant's changes. */
  const entriesByTenantList = new WeakMap<readonly TenantProviderConfig[], ProviderEntry[]>();

  /** Tenant providers first, so a tenant's `openai` replaces the server-wide one for that tenant only. */
  function providerEntries(tenantProviders: readonly TenantProviderConfig[]): ProviderEntry[] {
    const byName = new Map<string, ProviderEntry>();
    for (const entry of [...tenantProviders.map(tenantProviderEntry), ...serverEntries]) {
      if (!byName.has(entry.name)) byName.set(entry.name, entry);
    }
    return [...byName.values()];
  }

  function entriesFor(tenantProviders: readonly TenantProviderConfig[]): ProviderEntry[] {
    if (tenantProviders.length === 0) return serverOnlyEntries;
    let entries = entriesByTenantList.get(tenantProviders);
    if (!entries) {
      entries = providerEntries(tenantProviders);
      entriesByTenantList.set(tenantProviders, entries);
    }
    return entries;
  }

  async function modelOf(entry: ProviderEntry, modelId: string): Promise<LanguageModelV3> {
    const key = `${entry.cacheKey}\n${modelId}`;
    const cached = models.get(key);
    if (cached) return cached;
    const building = providers.getOrCreate(entry.cacheKey, () => entry.create(chatModelOptions));
    // A failed build (a missing setting) is not kept: the next turn tries again.
    building.catch(() => providers.delete(entry.cacheKey));
    const factory = await building;
    return models.getOrCreate(key, () => factory(modelId));
  }

  return {
    async resolve(modelRef, tenantProviders): Promise<LanguageModelV3> {
      const entries = entriesFor(tenantProviders);
      const known = knownModel(modelRef, entries);
      if (known === 'offline') return offlineModelFor(entries);
      return modelOf(known.entry, known.modelId);
    },

    requireKnown(modelRef, tenantProviders): void {
      knownModel(modelRef, entriesFor(tenantProviders));
    },

    listModels(tenantProviders): string[] {
      const refs = entriesFor(tenantProviders).flatMap((entry) =>
        entry.suggestedModels.map((modelId) => formatModelRef(entry.name, modelId)),
      );
      if (deps.config.defaultModel) refs.unshift(deps.config.defaultModel);
      return [...new Set([...refs, offlineModelRef])];
    },

    defaultModelRef(tenantProviders): string {
      if (deps.config.defaultModel) return deps.config.defaultModel;
      return firstSuggestedModel(entriesFor(tenantProviders)) ?? offlineModelRef;
    },
  };
}

/**
 * What a new tenant's default agent answers with (it has no providers of its own yet): DEFAULT_MODEL,
 * else the usual model of the first server-wide provider, else `offline`. The registry's
 * `defaultModelRef([])` answers the same; this needs only the configuration.
 */
export function serverDefaultModelRef(config: Pick<Config, 'providers' | 'defaultModel'>): string {
  return config.defaultModel ?? firstSuggestedModel(serverProviderEntries(config.providers)) ?? offlineModelRef;
}

/** The usual model of the first provider that has one, as `provider:model`. */
function firstSuggestedModel(entries: readonly ProviderEntry[]): string | undefined {
  for (const entry of entries) {
    const first = entry.suggestedModels[0];
    if (first) return formatModelRef(entry.name, first);
  }
  return undefined;
}

/** The provider entry a ref names, or 'offline'; an AppError saying what is configured when there is none. */
function knownModel(
  modelRef: string,
  entries: readonly ProviderEntry[],
): 'offline' | { entry: ProviderEntry; modelId: string } {
  const parsed = parseModelRef(modelRef);
  if (!parsed) {
    throw new AppError(
      'validation_failed',
      `Model '${quoteRef(modelRef)}' is not a valid model reference: use 'provider:model' (for example 'openai:gpt-4o-mini') or 'offline'. ${describeAvailable(entries)}`,
    );
  }
  if (parsed.kind === 'offline') return 'offline';
  const entry = entries.find((candidate) => candidate.name === parsed.providerName);
  if (!entry) {
    throw new AppError(
      'validation_failed',
      `Model '${quoteRef(modelRef)}' uses provider '${parsed.providerName}', which is not configured. ${describeAvailable(entries)}`,
    );
  }
  return { entry, modelId: parsed.modelId };
}

function describeAvailable(entries: readonly ProviderEntry[]): string {
  if (entries.length === 0) {
    return "No model provider is configured, so only 'offline' is available.";
  }
  const names = entries.map((entry) => `'${entry.name}'`).join(', ');
  return `Configured providers: ${names}; 'offline' is always available.`;
}

/** The ref comes from a request, so it is bounded before it is echoed back. */
function quoteRef(modelRef: string): string {
  return modelRef.length <= maxRefLengthInMessages ? modelRef : `${modelRef.slice(0, maxRefLengthInMessages)}…`;
}
