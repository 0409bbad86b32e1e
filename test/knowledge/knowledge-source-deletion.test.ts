import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sourceRemovalBatch } from '../../src/modules/knowledge/retrieval/knowledge-index.repository.js';
import { createDirectoryStorage } from '../../src/platform/storage/index.js';
import { createAgent } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { testStorage } from '../harness/test-database.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { sourceRows, waitForSourceRemoval, writeInFlight } from './index-state.js';
import { createSource, query, uploadAccepted, waitForDocument } from './knowledge-setup.js';

describe('deleting a knowledge source', () => {
  let t: TestApp;
  let admin: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp();
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  });
  afterAll(() => t.close());

  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: admin.headers, ...(payload && { payload }) });
  const storedFiles = async (sourceId: string) => {
    const { rows } = await t.database.executeSql(
      'select storage_key from knowledge_documents where source_id = $1 and storage_key is not null',
      [sourceId],
    );
    const storage = createDirectoryStorage(t.config.filesDir);
    return rows.map((row) => storage.localPath((row as { storage_key: string }).storage_key));
  };

  it('hides the source at once, then removes its rows and files in batches, and nothing of another source', async () => {
    const name = 'Harbour authority';
    const source = await createSource(t.app, admin, { name, chunkTokens: 64, chunkOverlapTokens: 0 });
    const kept = await createSource(t.app, admin, { name: 'Lighthouse keepers' });
    const clauses = Array.from(
      { length: 1000 },
      (_, index) => `Clause ${index + 1} of the harbour bylaws: berth ${index % 9} is kept clear on tide ${index % 4}.`,
    );
    const large = await uploadAccepted(t.app, admin, source.id, Buffer.from(clauses.join(' ')), {
      filename: 'bylaws.txt',
    });
    const small = await uploadAccepted(t.app, admin, source.id, Buffer.from('The pelican rule.\n'), {
      filename: 'pelican.txt',
    });
    const other = await uploadAccepted(t.app, admin, kept.id, Buffer.from('The puffin rule.\n'), {
      filename: 'puffin.txt',
    });
    // More chunks than one removal batch takes, so the removal runs several.
    expect((await waitForDocument(t.app, admin, source.id, large.id)).chunkCount).toBeGreaterThan(
      sourceRemovalBatch.chunks,
    );
    await waitForDocument(t.app, admin, source.id, small.id);
    await waitForDocument(t.app, admin, kept.id, other.id);
    const agent = await createAgent(t.app, admin, { model: 'offline', knowledgeSourceIds: [source.id, kept.id] });
    const files = await storedFiles(source.id);
    expect(files).toHaveLength(2);
    expect(files.every((file) => existsSync(file))).toBe(true);
    const keptBefore = await sourceRows(t.database, kept.id);

    expect((await call('DELETE', `/v1/knowledge-sources/${source.id}`)).statusCode).toBe(204);

    // Gone for every reader before any row is removed.
    const base = `/v1/knowledge-sources/${source.id}`;
    for (const [method, url, payload] of [
      ['GET', base],
      ['DELETE', base],
      ['GET', `${base}/documents`],
      ['GET', `${base}/documents/${small.id}`],
      ['POST', `${base}/query`, { query: 'harbour bylaws' }],
    ] as const) {
      const response = await call(method, url, payload);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
    }
    const listed = (await call('GET', '/v1/knowledge-sources?limit=100')).json();
    expect(listed.items.map((item: { id: string }) => item.id)).toEqual([kept.id]);
    expect((await call('GET', `/v1/agents/${agent.id}`)).json().knowledgeSourceIds).toEqual([kept.id]);
    const linked = await call('POST', '/v1/agents', {
      name: 'Late',
      instructions: 'x',
      knowledgeSourceIds: [source.id],
    });
    expect(linked.statusCode).toBe(404);
    // Its name is free again.
    expect((await call('POST', '/v1/knowledge-sources', { name })).statusCode).toBe(201);

    expect(await waitForSourceRemoval(t.database, source.id)).toBe('completed');
    expect(await sourceRows(t.database, source.id)).toEqual({
      sources: 0,
      documents: 0,
      chunks: 0,
      postings: 0,
      terms: 0,
      spellings: 0,
      writes: 0,
      agent_links: 0,
    });
    expect(files.some((file) => existsSync(file))).toBe(false);
    expect(await sourceRows(t.database, kept.id)).toEqual(keptBefore);
    expect((await query(t.app, admin, kept.id, { query: 'puffin', mode: 'lexical' })).results).toHaveLength(1);
  }, 60_000);

  it('answers 404, not a 500, to an upload whose source is removed while the file is received', async () => {
    const source = await createSource(t.app, admin);
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const boundary = 'parley-upload-boundary';
    const head = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="late.txt"\r\ncontent-type: text/plain\r\n\r\n`;
    const tail = `\r\n--${boundary}--\r\n`;
    let finishBody!: () => void;
    const bodyFinished = new Promise<void>((resolve) => (finishBody = resolve));
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new TextEncoder().encode(`${head}The late upload.\n`));
        await bodyFinished;
        controller.enqueue(new TextEncoder().encode(tail));
        controller.close();
      },
    });
    const uploaded = fetch(`${address}/v1/knowledge-sources/${source.id}/documents`, {
      method: 'POST',
      headers: { ...admin.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
      duplex: 'half',
    } as RequestInit);
    // The upload has passed the source check and is receiving its file: the source's row goes entirely.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await t.database.executeSql('delete from knowledge_sources where id = $1', [source.id]);
    finishBody();

    const response = await uploaded;
    expect(response.status).toBe(404);
    expect(((await response.json()) as { detail: string }).detail).toBe(
      `Knowledge source '${source.id}' was not found`,
    );
  });

  it('answers 404 to a second delete of the same source', async () => {
    const source = await createSource(t.app, admin);
    expect((await call('DELETE', `/v1/knowledge-sources/${source.id}`)).statusCode).toBe(204);
    const again = await call('DELETE', `/v1/knowledge-sources/${source.id}`);
    expect(again.statusCode).toBe(404);
    expect(again.json().detail).toBe(`Knowledge source '${source.id}' was not found`);
    expect(await waitForSourceRemoval(t.database, source.id)).toBe('completed');
  });

  // Two sessions at once: only PostgreSQL has them (PGlite's one session runs transactions in turn).
  it.runIf(testStorage === 'postgres')(
    'deletes a source while a batch of an index write is in flight, without a deadlock',
    async () => {
      const source = await createSource(t.app, admin, { name: 'Marten notes' });
      const document = await uploadAccepted(t.app, admin, source.id, Buffer.from('The marten note.\n'), {
        filename: 'marten.txt',
      });
      await waitForDocument(t.app, admin, source.id, document.id);
      const { embeddingDimensions: dimensions } = (await call('GET', `/v1/knowledge-sources/${source.id}`)).json();
      const location = { tenantId: admin.tenantId, sourceId: source.id, documentId: document.id };
      const write = await writeInFlight(t.database, location, dimensions);

      // The batch locks the source and references the document: the delete must not hold either first.
      const deleted = await write.batchDuring(() => call('DELETE', `/v1/knowledge-sources/${source.id}`));
      expect(deleted.statusCode).toBe(204);
      expect(await waitForSourceRemoval(t.database, source.id)).toBe('completed');
      expect(await sourceRows(t.database, source.id)).toMatchObject({ sources: 0, chunks: 0, postings: 0, writes: 0 });
    },
  );
});
