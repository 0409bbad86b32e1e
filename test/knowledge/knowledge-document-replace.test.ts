import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { createSource, multipartBody, query, uploadAccepted, waitForDocument } from './knowledge-setup.js';

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

  const replace = (user: SignedInUser, documentId: string, content: string, filename = 'policy.txt') => {
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
    const storedFiles = () =>
      readdirSync(t.config.filesDir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
    const original = await uploadAccepted(t.app, admin, sourceId, Buffer.from('Version zero of the race.'), {
      filename: 'race.txt',
    });
    const before = storedFiles();
    const answers = await Promise.all(
      [1, 2, 3, 4].map((version) => replace(admin, original.id, `Version ${version} of the race.`, 'race.txt')),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual([202, 202, 202, 202]);
    expect(storedFiles()).toBe(before);
    expect((await waitForDocument(t.app, admin, sourceId, original.id)).status).toBe('ready');
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
    expect(same.json().detail).toMatch(/already has this content as 'shipping.txt'/);
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
