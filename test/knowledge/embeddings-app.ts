import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { startFakeEmbeddingsServer, type FakeEmbeddingsServer } from './fake-embeddings-server.js';

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
