import { generateText } from 'ai';
import { describe, expect, it } from 'vitest';
import type { ServerProviderSettings } from '../config.js';
import { AppError } from '../platform/errors.js';
import { createModelRegistry } from './model-registry.js';
import type { TenantProviderConfig } from './model-types.js';

const allServerProviders: ServerProviderSettings = {
  openai: { apiKey: 'sk-server' },
  anthropic: { apiKey: 'sk-ant-server' },
  azure: { apiKey: 'azure-server', resourceName: 'parley-test' },
  ollama: { baseUrl: 'http://127.0.0.1:11434' },
  compatible: { name: 'deepseek', baseUrl: 'https://api.deepseek.example/v1', apiKey: 'sk-deepseek' },
};

function registryWith(providers: ServerProviderSettings, defaultModel?: string) {
  return createModelRegistry({ config: { providers, defaultModel } });
}

function tenantProvider(overrides: Partial<TenantProviderConfig> & Pick<TenantProviderConfig, 'name' | 'kind'>) {
  return { settings: {}, apiKey: 'tenant-key', baseUrl: 'https://llm.tenant.example/v1', ...overrides };
}

async function thrownBy(run: () => Promise<unknown>): Promise<AppError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError, but nothing was thrown');
}

describe('model registry: resolve', () => {
  const registry = registryWith(allServerProviders);

  it.each([
    ['openai:gpt-4o-mini', 'openai.chat', 'gpt-4o-mini'],
    ['anthropic:claude-sonnet-4-5', 'anthropic.messages', 'claude-sonnet-4-5'],
    ['azure:my-deployment', 'azure.chat', 'my-deployment'],
    ['ollama:llama3.1:8b', 'ollama.chat', 'llama3.1:8b'],
    ['deepseek:deepseek-reasoner', 'deepseek.chat', 'deepseek-reasoner'],
  ])('resolves %s with the matching server-wide adapter', async (ref, provider, modelId) => {
    const model = await registry.resolve(ref, []);
    expect(model.provider).toBe(provider);
    expect(model.modelId).toBe(modelId);
  });

  it('resolves offline to the built-in model even with no provider configured', async () => {
    const model = await registryWith({}).resolve('offline', []);
    expect(model.provider).toBe('parley');
    expect(model.modelId).toBe('offline');
  });

  it('has the offline model name a configured model rather than say none is configured, where there is one', async () => {
    const replyOf = async (registry: ReturnType<typeof registryWith>, tenant: TenantProviderConfig[] = []) => {
      const { text } = await generateText({ model: await registry.resolve('offline', tenant), prompt: 'Hi?' });
      return text;
    };
    expect(await replyOf(registryWith({}))).toContain('no language model is configured');
    const withOpenAI = await replyOf(registryWith({ openai: { apiKey: 'sk-server' } }));
    expect(withOpenAI).toContain('this agent uses the built-in offline model');
    expect(withOpenAI).toContain('for example openai:gpt-4o-mini');
    expect(withOpenAI).not.toContain('no language model is configured');
    // A tenant's own provider counts, and one without model names gives the form.
    const tenantAzure = await replyOf(registryWith({}), [
      tenantProvider({ name: 'house', kind: 'azure', settings: { resourceName: 'acme' } }),
    ]);
    expect(tenantAzure).toContain('for example house:<model>');
  });

  it.each([
    ['openai', 'openai.chat'],
    ['anthropic', 'anthropic.messages'],
    ['azure', 'azure.chat'],
    ['openai-compatible', 'acme.chat'],
  ] as const)("resolves a tenant provider of kind %s by the tenant's name", async (kind, provider) => {
    const model = await registryWith({}).resolve('acme:some-model', [
      tenantProvider({ name: 'acme', kind, settings: { resourceName: 'acme-azure' } }),
    ]);
    expect(model.provider).toBe(provider);
    expect(model.modelId).toBe('some-model');
  });

  it('lets a tenant provider replace a server-wide provider of the same name', async () => {
    const model = await registry.resolve('openai:gpt-4o-mini', [tenantProvider({ name: 'openai', kind: 'anthropic' })]);
    expect(model.provider).toBe('anthropic.messages');
  });

  it('names the ref and the configured providers when the provider is unknown', async () => {
    const error = await thrownBy(() =>
      registry.resolve('mistral:large', [tenantProvider({ name: 'acme', kind: 'openai-compatible' })]),
    );
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain("'mistral:large'");
    expect(error.message).toContain("provider 'mistral'");
    for (const name of ['acme', 'openai', 'anthropic', 'azure', 'ollama', 'deepseek', 'offline']) {
      expect(error.message).toContain(`'${name}'`);
    }
  });

  it.each(['gpt-4o', 'openai:', ':gpt-4o', 'Open AI:gpt-4o', ''])(
    'rejects the unparsable ref %j with the expected format',
    async (ref) => {
      const error = await thrownBy(() => registry.resolve(ref, []));
      expect(error.code).toBe('validation_failed');
      expect(error.message).toContain("'provider:model'");
    },
  );

  it('says only offline is available when nothing is configured', async () => {
    const error = await thrownBy(() => registryWith({}).resolve('openai:gpt-4o-mini', []));
    expect(error.message).toContain("only 'offline' is available");
  });

  it('bounds a very long ref before echoing it', async () => {
    const error = await thrownBy(() => registry.resolve(`x${'y'.repeat(5000)}`, []));
    expect(error.message.length).toBeLessThan(400);
  });

  it('refuses a tenant provider without the API key its kind needs, naming it', async () => {
    const error = await thrownBy(() =>
      registry.resolve('acme:gpt-4o', [tenantProvider({ name: 'acme', kind: 'openai', apiKey: undefined })]),
    );
    expect(error.code).toBe('validation_failed');
    expect(error.message).toContain("Provider 'acme' has no API key");
  });

  it('refuses a tenant Azure provider with neither resource name nor base URL', async () => {
    const error = await thrownBy(() =>
      registry.resolve('acme:dep', [tenantProvider({ name: 'acme', kind: 'azure', baseUrl: undefined })]),
    );
    expect(error.message).toContain('resource name or base URL');
  });

  it('refuses a tenant OpenAI-compatible provider without a base URL', async () => {
    const error = await thrownBy(() =>
      registry.resolve('acme:m', [tenantProvider({ name: 'acme', kind: 'openai-compatible', baseUrl: undefined })]),
    );
    expect(error.message).toContain('base URL');
  });
});

describe('model registry: listModels', () => {
  it('offers only offline when nothing is configured', () => {
    expect(registryWith({}).listModels([])).toEqual(['offline']);
  });

  it("offers well-known models of server providers and a tenant's own models, offline last", () => {
    const models = registryWith({ openai: { apiKey: 'k' }, azure: { apiKey: 'k', resourceName: 'r' } }).listModels([
      tenantProvider({ name: 'acme', kind: 'azure', models: ['gpt-4o-eu', 'gpt-4o-mini-eu'] }),
    ]);
    expect(models).toEqual([
      'acme:gpt-4o-eu',
      'acme:gpt-4o-mini-eu',
      'openai:gpt-4o-mini',
      'openai:gpt-4o',
      'openai:gpt-4.1-mini',
      'offline',
    ]);
  });

  it('does not offer models of a server provider that a tenant provider replaces', () => {
    const models = registryWith({ openai: { apiKey: 'k' } }).listModels([
      tenantProvider({ name: 'openai', kind: 'openai-compatible', models: ['local-model'] }),
    ]);
    expect(models).toEqual(['openai:local-model', 'offline']);
  });

  it('puts the configured default model first', () => {
    const models = registryWith({ openai: { apiKey: 'k' } }, 'openai:gpt-4.1-mini').listModels([]);
    expect(models[0]).toBe('openai:gpt-4.1-mini');
    expect(models.filter((ref) => ref === 'openai:gpt-4.1-mini')).toHaveLength(1);
  });
});

describe('model registry: defaultModelRef', () => {
  it('uses the configured default model when set', () => {
    expect(registryWith(allServerProviders, 'anthropic:claude-haiku-4-5').defaultModelRef([])).toBe(
      'anthropic:claude-haiku-4-5',
    );
  });

  it("uses the first configured provider's usual model", () => {
    expect(
      registryWith({ anthropic: { apiKey: 'k' }, ollama: { baseUrl: 'http://x:11434' } }).defaultModelRef([]),
    ).toBe('anthropic:claude-sonnet-4-5');
  });

  it("prefers a tenant provider's first model over server-wide providers", () => {
    const ref = registryWith({ openai: { apiKey: 'k' } }).defaultModelRef([
      tenantProvider({ name: 'acme', kind: 'openai-compatible', models: ['qwen3'] }),
    ]);
    expect(ref).toBe('acme:qwen3');
  });

  it('falls back to offline when no configured provider has a model it can name', () => {
    expect(registryWith({}).defaultModelRef([])).toBe('offline');
    expect(registryWith({ azure: { apiKey: 'k', resourceName: 'r' } }).defaultModelRef([])).toBe('offline');
  });
});
