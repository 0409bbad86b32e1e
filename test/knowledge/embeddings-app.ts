import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { startFakeEmbeddingsServer, type FakeEmbeddingsServer } from './fake-embeddings-server.js';
import { createSource } from './knowledge-setup.js';

export interface EmbeddingsApp {
  /** The server-wide OpenAI-compatible provider (`compatible:…` embedding models) answers from here. */
  readonly embeddings: FakeEmbeddingsServer;
  readonly t: TestApp;
  readonly admin: SignedInUser;
  close(): Promise<void>;
}

/** An app whose embedding provider is the fake (384 dimensions), with a tenant admin to act as. */
export async function startEmbeddingsApp(): Promise<EmbeddingsApp> {
  const embeddings = await startFakeEmbeddingsServer(384);
  const t = await buildTestApp({ OPENAI_COMPATIBLE_BASE_URL: embeddings.baseUrl });
  const admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  return {
    embeddings,
    t,
    admin,
    close: async () => {
      embeddings.beforeAnswer = undefined;
      await t.close();
      await embeddings.close();
    },
  };
}

/**
 * A source embedded by the fake in 64-chunk batches, and a text of `sentences` short rota rules to
 * upload into it: enough sentences make several batches, whose answers a test can hold.
 */
export async function rotaSource(setup: EmbeddingsApp, sentences: number): Promise<{ sourceId: string; text: string }> {
  const source = await createSource(setup.t.app, setup.admin, {
    embeddingModel: 'compatible:fake-embedder',
    chunkTokens: 64,
    chunkOverlapTokens: 0,
  });
  const rules = Array.from(
    { length: sentences },
    (_, index) => `Rule ${index + 1} of the rota: desk ${index % 7} is staffed on shift ${index % 3}.`,
  );
  return { sourceId: source.id, text: rules.join(' ') };
}
