import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { FetchFunction } from '@ai-sdk/provider-utils';

/** The kinds of provider a tenant can register; server-wide Ollama is served by the compatible adapter. */
export const tenantProviderKinds = ['openai', 'azure', 'anthropic', 'openai-compatible', 'cohere'] as const;
export type TenantProviderKind = (typeof tenantProviderKinds)[number];

/**
 * A tenant's own provider as the registry needs it: already decrypted by the caller, never persisted
 * from here. `settings` carries kind-specific values such as `resourceName` and `apiVersion` (Azure).
 */
export interface TenantProviderConfig {
  readonly name: string;
  readonly kind: TenantProviderKind;
  readonly baseUrl?: string | undefined;
  readonly apiKey?: string | undefined;
  /**
   * Why the stored key could not be read (the server's secret changed since it was stored): this
   * provider's models answer with it instead of being called, and the tenant's other models still work.
   */
  readonly apiKeyProblem?: string | undefined;
  readonly settings: Readonly<Record<string, string>>;
  /** Model ids the tenant wants offered in the model picker, e.g. its Azure deployment names. */
  readonly models?: readonly string[] | undefined;
  /**
   * How the provider's SDK reaches it: the outbound guard's fetch, set by the providers module, so a
   * tenant's base URL cannot reach the server's own network unless OUTBOUND_ALLOW opens it. Absent
   * only where a configuration is built by hand (tests); the SDK's own fetch is then used.
   */
  readonly fetch?: FetchFunction | undefined;
}

export interface ModelRegistry {
  /** Turns `provider:model` or `offline` into a model; throws AppError('validation_failed') when it cannot. */
  resolve(modelRef: string, tenantProviders: readonly TenantProviderConfig[]): Promise<LanguageModelV3>;
  /** Throws what `resolve` would for a ref no configured provider serves, without building the model. */
  requireKnown(modelRef: string, tenantProviders: readonly TenantProviderConfig[]): void;
  /** Model refs to offer in a picker: `offline`, well-known defaults of configured providers, tenant models. */
  listModels(tenantProviders: readonly TenantProviderConfig[]): string[];
  /** The configured default model, else the first configured provider's usual model, else `offline`. */
  defaultModelRef(tenantProviders: readonly TenantProviderConfig[]): string;
}
