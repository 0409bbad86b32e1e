import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbedderRegistry, embeddingBatchSize } from '../../src/ai/embeddings/embedder-registry.js';
import type { TenantProviderConfig } from '../../src/ai/model-types.js';
import { appErrorOf } from '../harness/app-errors.js';
import { startFakeEmbeddingsServer, type FakeEmbeddingsServer } from './fake-embeddings-server.js';

let server: FakeEmbeddingsServer;
let oddServer: FakeEmbeddingsServer;
const registry = createEmbedderRegistry({ config: { providers: {} } });

const compatible = (name: string, baseUrl: string): TenantProviderConfig => ({
  name,
  kind: 'openai-compatible',
  baseUrl,
  settings: {},
});

beforeAll(async () => {
  server = await startFakeEmbeddingsServer(384);
  oddServer = await startFakeEmbeddingsServer(100);
});

afterAll(async () => {
  await server.close();
  await oddServer.close();
});

describe('embedder registry', () => {
  it('embeds with a provider model in batches, measuring an unknown model once', async () => {
    const providers = [compatible('local', server.baseUrl)];
    const embedder = await registry.resolve('local:my-embedder', providers);
    expect(embedder.dimensions).toBe(384);
    const probes = server.callCount();
    expect(probes).toBe(1);
    await registry.resolve('local:my-embedder', providers);
    expect(server.callCount()).toBe(1);

    const texts = Array.from({ length: embeddingBatchSize * 2 + 8 }, (_, index) => `text ${index}`);
    const vectors = await embedder.embed(texts);
    expect(vectors).toHaveLength(texts.length);
    expect(vectors[0]).toHaveLength(384);
    expect(server.callCount() - probes).toBe(3);
  });

  it('stops waiting for the first measurement of a model when its caller stops, and measures it once all the same', async () => {
    const slow = await startFakeEmbeddingsServer(384);
    try {
      const held = slow.hold();
      const providers = [compatible('measured', slow.baseUrl)];
      const stopped = new AbortController();
      const first = registry.resolve('measured:late-model', providers, stopped.signal);
      const second = registry.resolve('measured:late-model', providers);
      await held.reached;
      stopped.abort(new DOMException('The reply was stopped', 'AbortError'));
      await expect(first).rejects.toThrow('The reply was stopped');
      held.release();
      expect((await second).dimensions).toBe(384);
      expect(slow.callCount()).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('measures a model again once its vectors stop fitting, as when another model is pulled under its name', async () => {
    const swapped = await startFakeEmbeddingsServer(384);
    try {
      const providers = [compatible('ollama', swapped.baseUrl)];
      const before = await registry.resolve('ollama:nomic', providers);
      expect(before.dimensions).toBe(384);
      swapped.dimensions = 768;
      const error = await appErrorOf(before.embed(['a passage']));
      expect(error.message).toBe(
        "Embedding model 'ollama:nomic' returned a 768-dimensional vector where 384 were expected; the source must be re-created for this model",
      );
      expect((await registry.resolve('ollama:nomic', providers)).dimensions).toBe(768);
    } finally {
      await swapped.close();
    }
  });

  it('stops a batch the provider does not answer in time, with a sentence the job retries', async () => {
    const hanging = await startFakeEmbeddingsServer(384);
    const patient = createEmbedderRegistry({ config: { providers: {} }, callTimeoutMs: 300 });
    try {
      const embedder = await patient.resolve('slow:my-embedder', [compatible('slow', hanging.baseUrl)]);
      // The width probe (one text) is answered; batches are held until the server closes.
      hanging.beforeAnswer = (inputs) => (inputs.length > 1 ? new Promise(() => undefined) : undefined);
      const error = await appErrorOf(embedder.embed(['first text', 'second text']));
      expect(error.code).toBe('model_timeout');
      expect(error.status).toBe(504);
      expect(error.message).toBe(
        "Embedding model 'slow:my-embedder' did not answer within 300 ms; check that its provider is running",
      );
    } finally {
      await hanging.close();
    }
  });

  it('refuses an answer with fewer vectors than texts, finally', async () => {
    const short = await startFakeEmbeddingsServer(384);
    try {
      const embedder = await registry.resolve('short:my-embedder', [compatible('short', short.baseUrl)]);
      short.beforeAnswer = () => 'short';
      const error = await appErrorOf(embedder.embed(Array.from({ length: 12 }, (_, index) => `text ${index}`)));
      expect(error.status).toBe(422);
      expect(error.message).toMatch(/^Embedding model 'short:my-embedder' returned 1 vectors for 12 texts;/);
    } finally {
      await short.close();
    }
  });

  it('knows the width of well-known models without asking', async () => {
    const before = server.callCount();
    const embedder = await registry.resolve('local:nomic-embed-text:latest', [compatible('local', server.baseUrl)]);
    expect(embedder.dimensions).toBe(768);
    expect(server.callCount()).toBe(before);
  });

  it('refuses Anthropic, unknown providers, malformed refs and unsupported widths with a sentence', async () => {
    const anthropic: TenantProviderConfig = { name: 'claude', kind: 'anthropic', apiKey: 'sk-test', settings: {} };
    const refused = [
      await appErrorOf(registry.resolve('claude:whatever', [anthropic])),
      await appErrorOf(registry.resolve('nowhere:model', [])),
      await appErrorOf(registry.resolve('not a ref', [])),
      await appErrorOf(registry.resolve('odd:model', [compatible('odd', oddServer.baseUrl)])),
    ];
    for (const error of refused) expect(error.code).toBe('validation_failed');
    expect(refused[0]!.message).toContain('offers no embedding models');
    expect(refused[1]!.message).toContain("'nowhere', which is not configured");
    expect(refused[3]!.message).toContain('100-dimensional');
    expect(refused.map((error) => error.message).join(' ')).not.toContain('sk-test');
  });

  it('resolves offline without any provider', async () => {
    const embedder = await registry.resolve('offline', []);
    expect(embedder).toMatchObject({ modelRef: 'offline', dimensions: 384 });
    const [vector] = await embedder.embed(['hello world']);
    expect(vector).toHaveLength(384);
  });
});
