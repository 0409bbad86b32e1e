import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { generatePasswordProtectedPdf } from '../fixtures/generate-pdf.js';
import { eventually } from '../harness/chat-setup.js';
import {
  createSource,
  getDocument,
  multipartBody,
  query,
  uploadAccepted,
  uploadDocument,
  waitForDocument,
} from './knowledge-setup.js';

const storedFilesUnder = (filesDir: string) =>
  readdirSync(filesDir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;

/** POST …/documents/:documentId/file: a changed file for the same document, not a second document beside it. */
describe("replacing a document's file", () => {
  let t: TestApp;
  let admin: SignedInUser;
  let otherAdmin: SignedInUser;
  let sourceId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin);
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin);
    sourceId = (await createSource(t.app, admin)).id;
  });
  afterAll(() => t.close());

  const replace = (user: SignedInUser, documentId: string, content: string | Uint8Array, filename = 'policy.txt') => {
    const body = multipartBody(Buffer.from(content), { filename });
    return t.app.inject({
      method: 'POST',
      url: `/v1/knowledge-sources/${sourceId}/documents/${documentId}/file`,
      headers: { ...user.headers, ...body.headers },
      payload: body.payload,
    });
  };
  const documentsOfSource = async () =>
    (
      await t.app.inject({ method: 'GET', url: `/v1/knowledge-sources/${sourceId}/documents`, headers: admin.headers })
    ).json<{ items: Array<{ id: string; title: string }> }>().items;

  it('indexes the new text under the same document, and the old text leaves search', async () => {
    const original = await uploadAccepted(t.app, admin, sourceId, Buffer.from('The warranty lasts 18 months.'), {
      filename: 'policy.txt',
    });
    await waitForDocument(t.app, admin, sourceId, original.id);

    const replaced = await replace(admin, original.id, 'The warranty lasts 24 months from delivery.', 'policy-v2.txt');
    expect(replaced.statusCode, replaced.body).toBe(202);
    // Its title stays: until the new file is indexed, the old passages answer under it.
    expect(replaced.json()).toMatchObject({ id: original.id, title: 'policy.txt', status: 'pending' });
    expect((await waitForDocument(t.app, admin, sourceId, original.id)).status).toBe('ready');

    expect((await documentsOfSource()).map((document) => document.id)).toEqual([original.id]);
    const found = await query(t.app, admin, sourceId, { query: 'warranty months', mode: 'lexical' });
    expect(found.results.map((hit) => hit.content)).toEqual(['The warranty lasts 24 months from delivery.']);
  });

  it('leaves one stored file behind when replacements race', async () => {
    const storedFiles = () => storedFilesUnder(t.config.filesDir);
    const original = await uploadAccepted(t.app, admin, sourceId, Buffer.from('Version zero of the race.'), {
      filename: 'race.txt',
    });
    const before = storedFiles();
    const answers = await Promise.all(
      [1, 2, 3, 4].map((version) => replace(admin, original.id, `Version ${version} of the race.`, 'race.txt')),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual([202, 202, 202, 202]);
    // The replaced file is kept until the last replacement is indexed; the ones between are gone.
    expect(storedFiles()).toBe(before + 1);
    expect((await waitForDocument(t.app, admin, sourceId, original.id)).status).toBe('ready');
    expect(storedFiles()).toBe(before);
  });

  it('a replacement that fails gives the document its old file back, still searched and still held', async () => {
    const text = 'Parcels are insured up to 500 euros.';
    const original = await uploadAccepted(t.app, admin, sourceId, Buffer.from(text), { filename: 'insurance.txt' });
    const indexed = await waitForDocument(t.app, admin, sourceId, original.id);
    const before = storedFilesUnder(t.config.filesDir);

    const replaced = await replace(admin, original.id, generatePasswordProtectedPdf(), 'insurance.pdf');
    expect(replaced.statusCode, replaced.body).toBe(202);
    expect(replaced.json()).toMatchObject({ mediaType: 'application/pdf' });
    const failed = await waitForDocument(t.app, admin, sourceId, original.id);

    expect(failed).toMatchObject({
      status: 'failed',
      errorMessage: 'The PDF is password-protected; upload it without a password',
      mediaType: indexed.mediaType,
      byteSize: indexed.byteSize,
      chunkCount: indexed.chunkCount,
    });
    // The failed file goes right after the document is marked failed (its old file back first).
    await eventually(async () => (storedFilesUnder(t.config.filesDir) === before ? true : undefined));
    const found = await query(t.app, admin, sourceId, { query: 'parcels insured', mode: 'lexical' });
    expect(found.results.map((hit) => hit.content)).toEqual([text]);
    const again = await uploadDocument(t.app, admin, sourceId, Buffer.from(text), { filename: 'insurance copy.txt' });
    expect(again.statusCode).toBe(409);
    // Its file is there to be indexed again.
    const reindexed = await t.app.inject({
      method: 'POST',
      url: `/v1/knowledge-sources/${sourceId}/documents/${original.id}/reindex`,
      headers: admin.headers,
    });
    expect(reindexed.statusCode, reindexed.body).toBe(202);
    expect((await waitForDocument(t.app, admin, sourceId, original.id)).status).toBe('ready');
  });

  it('a replacement cancelled before it is indexed gives the document its old file back', async () => {
    // A node that queues but runs no jobs, so the replacement is certainly still pending when cancelled.
    const queueing = await buildTestApp({}, { runsJobs: false });
    try {
      const owner = await createTenantWithAdmin(queueing.app, await registerPlatformAdmin(queueing.app));
      const source = (await createSource(queueing.app, owner)).id;
      const original = await uploadAccepted(queueing.app, owner, source, Buffer.from('Gift cards never expire.'), {
        filename: 'gift-cards.txt',
      });
      const body = multipartBody(Buffer.from('Gift cards expire after one year.'), { filename: 'gift-cards-v2.txt' });
      const url = `/v1/knowledge-sources/${source}/documents/${original.id}`;
      const replaced = await queueing.app.inject({
        method: 'POST',
        url: `${url}/file`,
        headers: { ...owner.headers, ...body.headers },
        payload: body.payload,
      });
      expect(replaced.statusCode, replaced.body).toBe(202);
      expect(storedFilesUnder(queueing.config.filesDir)).toBe(2);
      const back = multipartBody(Buffer.from('Gift cards never expire.'), { filename: 'gift-cards.txt' });
      const revert = await queueing.app.inject({
        method: 'POST',
        url: `${url}/file`,
        headers: { ...owner.headers, ...back.headers },
        payload: back.payload,
      });
      expect(revert.statusCode).toBe(409);
      expect(revert.json().detail).toBe(
        "'gift-cards.txt' is being replaced, and this is its file from before; cancel the replacement to keep that file",
      );

      const cancelled = await queueing.app.inject({ method: 'POST', url: `${url}/cancel`, headers: owner.headers });

      expect(cancelled.statusCode, cancelled.body).toBe(200);
      expect(cancelled.json()).toMatchObject({ status: 'cancelled', byteSize: original.byteSize });
      expect(await getDocument(queueing.app, owner, source, original.id)).toMatchObject({
        byteSize: original.byteSize,
      });
      expect(storedFilesUnder(queueing.config.filesDir)).toBe(1);
      const deleted = await queueing.app.inject({ method: 'DELETE', url, headers: owner.headers });
      expect(deleted.statusCode).toBe(204);
      expect(storedFilesUnder(queueing.config.filesDir)).toBe(0);
    } finally {
      await queueing.close();
    }
  });

  it('deleting a document being replaced removes both its files', async () => {
    const original = await uploadAccepted(t.app, admin, sourceId, Buffer.from('Lockers open at six.'), {
      filename: 'lockers.txt',
    });
    await waitForDocument(t.app, admin, sourceId, original.id);
    const before = storedFilesUnder(t.config.filesDir);
    expect((await replace(admin, original.id, 'Lockers open at seven.', 'lockers.txt')).statusCode).toBe(202);

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/knowledge-sources/${sourceId}/documents/${original.id}`,
      headers: admin.headers,
    });

    expect(deleted.statusCode).toBe(204);
    expect(storedFilesUnder(t.config.filesDir)).toBe(before - 1);
  });

  it('refuses content the document or another one already holds, an unreadable file, and other tenants', async () => {
    const first = await uploadAccepted(t.app, admin, sourceId, Buffer.from('Shipping takes 3 to 5 days.'), {
      filename: 'shipping.txt',
    });
    const second = await uploadAccepted(t.app, admin, sourceId, Buffer.from('Returns are free for 30 days.'), {
      filename: 'returns.txt',
    });
    await waitForDocument(t.app, admin, sourceId, first.id);
    await waitForDocument(t.app, admin, sourceId, second.id);

    const same = await replace(admin, first.id, 'Shipping takes 3 to 5 days.');
    expect(same.statusCode).toBe(409);
    expect(same.json().detail).toBe("'shipping.txt' already holds this file; reindex it to index it again");
    const other = await replace(admin, first.id, 'Returns are free for 30 days.');
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ documentId: second.id });
    const binary = await replace(admin, first.id, '\u0000\u0001\u0002\u0003'.repeat(64));
    expect([400, 415]).toContain(binary.statusCode);
    expect((await replace(otherAdmin, first.id, 'Hijacked.')).statusCode).toBe(404);
    expect((await replace(await createUser(t.app, admin, 'member'), first.id, 'Mine now.')).statusCode).toBe(403);

    // Nothing of the refused files took the document's place.
    const found = await query(t.app, admin, sourceId, { query: 'shipping days', mode: 'lexical' });
    expect(found.results.map((hit) => hit.content)).toContain('Shipping takes 3 to 5 days.');
  });
});
