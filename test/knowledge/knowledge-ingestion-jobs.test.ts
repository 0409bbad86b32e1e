import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { deriveServerKeys } from '../../src/platform/secrets.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTestDatabase } from '../harness/test-database.js';
import { createTenantWithAdmin, registerPlatformAdmin } from '../harness/tenant-setup.js';
import { startFakeEmbeddingsServer, type FakeEmbeddingsServer } from './fake-embeddings-server.js';
import { createSource, getDocument, query, uploadAccepted, waitForDocument } from './knowledge-setup.js';

describe('the knowledge.ingest job', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('retries after an embedding provider outage and ends ready, without duplicate chunks', async () => {
    const embeddings: FakeEmbeddingsServer = await startFakeEmbeddingsServer(384);
    cleanups.push(() => embeddings.close());
    const t: TestApp = await buildTestApp({ OPENAI_COMPATIBLE_BASE_URL: embeddings.baseUrl });
    cleanups.push(() => t.close());
    const platformAdmin = await registerPlatformAdmin(t.app);
    const admin = await createTenantWithAdmin(t.app, platformAdmin);
    const source = await createSource(t.app, admin, { embeddingModel: 'compatible:fake-embedder' });

    embeddings.failing = true;
    const text = Buffer.from(
      '# Outage\n\nThe narwhal report survives a provider outage.\n\n## Later\n\nMore narwhal text.\n',
    );
    const document = await uploadAccepted(t.app, admin, source.id, text, { filename: 'narwhal.md' });
    const waiting = await waitForDocument(
      t.app,
      admin,
      source.id,
      document.id,
      (current) => current.errorMessage !== null,
      60_000,
    );
    expect(waiting.status).toBe('pending');
    expect(waiting.errorMessage).toMatch(/provider 'compatible' had an internal error \(500\).*retrying/);
    embeddings.failing = false;

    const ready = await waitForDocument(t.app, admin, source.id, document.id, undefined, 60_000);
    expect(ready).toMatchObject({ status: 'ready', errorMessage: null, progress: 100 });
    const { rows } = await t.database.executeSql(
      'select count(*)::int as total, count(distinct position)::int as positions from knowledge_chunks where document_id = $1',
      [document.id],
    );
    expect(rows[0]).toEqual({ total: ready.chunkCount, positions: ready.chunkCount });
    const { results } = await query(t.app, admin, source.id, { query: 'narwhal report', mode: 'vector' });
    expect(results[0]?.documentId).toBe(document.id);
  }, 90_000);

  it('survives a restart: a document queued by one app is indexed by the next on the same database', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.dispose());
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'parley-test-')),
      RATE_LIMIT_PER_MINUTE: '100000',
      AUTH_RATE_LIMIT_PER_MINUTE: '100000',
    });
    const deps = {
      config,
      database,
      logger: createLogger({ level: config.logLevel }),
      keys: deriveServerKeys('test-secret-'.padEnd(40, 'x')),
    };

    // The first node queues but does not run jobs, so the job is certainly still waiting when it stops.
    const first = await buildApp({ ...deps, runsJobs: false });
    await first.ready();
    const platformAdmin = await registerPlatformAdmin(first);
    const admin = await createTenantWithAdmin(first, platformAdmin);
    const source = await createSource(first, admin);
    const document = await uploadAccepted(first, admin, source.id, Buffer.from('The okapi survives restarts.\n'), {
      filename: 'okapi.txt',
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await getDocument(first, admin, source.id, document.id)).status).toBe('pending');
    // As if a node had claimed it and crashed mid-way: the next run must take over a `processing` document.
    await database.executeSql(`update knowledge_documents set status = 'processing', progress = 40 where id = $1`, [
      document.id,
    ]);
    await first.close();

    const second = await buildApp(deps);
    cleanups.push(() => second.close());
    await second.ready();
    const ready = await waitForDocument(second, admin, source.id, document.id);
    expect(ready.status, ready.errorMessage ?? '').toBe('ready');
    expect((await query(second, admin, source.id, { query: 'okapi' })).results[0]?.documentId).toBe(document.id);
  }, 60_000);
});
