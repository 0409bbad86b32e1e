import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../harness/actors.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin } from '../harness/tenant-setup.js';
import { pngBytes } from './document-fixtures.js';
import { importFiles, type ImportFileView } from './import-requests.js';
import { createSource, waitForDocument, type DocumentView } from './knowledge-setup.js';

interface ImportView {
  id: string;
  status: string;
  fileCount: number;
  addedCount: number;
  duplicateCount: number;
  failedCount: number;
  errorMessage: string | null;
}

const zipOf = (entries: Record<string, string | Buffer>): Buffer => {
  const zip = zipSync(
    Object.fromEntries(Object.entries(entries).map(([name, content]) => [name, Buffer.from(content)])),
  );
  return Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
};

describe('importing many documents at once', () => {
  let t: TestApp;
  let admin: SignedIn;
  let other: SignedIn;
  let platformAdmin: SignedIn;
  const signInPlatformAdmin = async () => platformAdmin;
  beforeAll(async () => {
    t = await buildTestApp({ UPLOAD_MAX_BYTES: '65536', IMPORT_MAX_BYTES: '1048576' });
    platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Importers');
    other = await createTenantWithAdmin(t.app, platformAdmin, 'Others');
  });
  afterAll(() => t?.close());

  async function outcomes(sourceId: string, importId: string): Promise<ImportFileView[]> {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/knowledge-sources/${sourceId}/imports/${importId}/files`,
      headers: admin.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().items;
  }

  async function documentsOf(sourceId: string): Promise<DocumentView[]> {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/knowledge-sources/${sourceId}/documents?limit=100`,
      headers: admin.headers,
    });
    return response.json().items;
  }

  it('adds a zip of documents in one request, folders becoming their paths, and indexes them', async () => {
    const source = await createSource(t.app, admin);
    const zip = zipOf({
      'guides/': '',
      'guides/install.md': '# Installing\n\nRun the installer and press Next.',
      'guides/deep/upgrade.txt': 'Upgrading keeps your settings.',
      'notes.html': '<html><head><title>Notes</title></head><body><p>Meeting notes</p></body></html>',
      '__MACOSX/guides/._install.md': 'resource fork',
      '.DS_Store': 'finder',
    });
    const response = await importFiles(t.app, admin, source.id, [{ name: 'handbook.zip', content: zip }]);
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ status: 'finished', fileCount: 3, addedCount: 3, failedCount: 0 });
    const files = await outcomes(source.id, response.json().id);
    expect(files.map((file) => [file.path, file.outcome])).toEqual([
      ['guides/install.md', 'added'],
      ['guides/deep/upgrade.txt', 'added'],
      ['notes.html', 'added'],
    ]);
    const documents = await documentsOf(source.id);
    const install = documents.find((document) => document.title === 'install.md');
    expect(install).toMatchObject({ path: 'guides/install.md', mediaType: 'text/markdown' });
    expect(documents.find((document) => document.path === 'notes.html')?.mediaType).toBe('text/html');
    const indexed = await waitForDocument(t.app, admin, source.id, install!.id);
    expect(indexed.status).toBe('ready');
  });

  it('adds several files of one multipart request, saying why the bad one among them failed', async () => {
    const source = await createSource(t.app, admin);
    const response = await importFiles(t.app, admin, source.id, [
      { name: 'one.md', content: '# One\n\nThe first file.' },
      { name: 'picture.png', content: pngBytes },
      { name: 'empty.txt', content: '' },
      { name: 'two.txt', content: 'The second file.' },
    ]);
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json()).toMatchObject({ fileCount: 4, addedCount: 2, failedCount: 2, duplicateCount: 0 });
    const files = await outcomes(source.id, response.json().id);
    expect(files.map((file) => file.outcome)).toEqual(['added', 'failed', 'failed', 'added']);
    expect(files[1]?.message).toMatch(/cannot be indexed; upload a PDF, DOCX/);
    expect(files[2]?.message).toBe('The file is empty');
    expect((await documentsOf(source.id)).map((document) => document.title).sort()).toEqual(['one.md', 'two.txt']);
    const failedOnly = await t.app.inject({
      method: 'GET',
      url: `/v1/knowledge-sources/${source.id}/imports/${response.json().id}/files?outcome=failed`,
      headers: admin.headers,
    });
    expect(failedOnly.json().items.map((file: ImportFileView) => file.path)).toEqual(['picture.png', 'empty.txt']);
  });

  it('adds nothing twice when the same import is sent again: each file is a duplicate naming its document', async () => {
    const source = await createSource(t.app, admin);
    const files = [
      { name: 'a.txt', content: 'Alpha document.' },
      { name: 'b.txt', content: 'Beta document.' },
      { name: 'a-again.txt', content: 'Alpha document.' },
    ];
    const first = await importFiles(t.app, admin, source.id, files);
    expect(first.json()).toMatchObject({ addedCount: 2, duplicateCount: 1 });
    const retry = await importFiles(t.app, admin, source.id, files);
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toMatchObject({ addedCount: 0, duplicateCount: 3 });
    const documents = await documentsOf(source.id);
    expect(documents).toHaveLength(2);
    const retried = await outcomes(source.id, retry.json().id);
    expect(new Set(retried.map((file) => file.documentId))).toEqual(new Set(documents.map((document) => document.id)));
    const listed = await t.app.inject({
      method: 'GET',
      url: `/v1/knowledge-sources/${source.id}/imports`,
      headers: admin.headers,
    });
    expect(listed.json().items.map((item: ImportView) => item.id)).toEqual([retry.json().id, first.json().id]);
  });

  it('refuses a zip with an entry whose path leaves the archive, adding none of its files', async () => {
    const source = await createSource(t.app, admin);
    const zip = zipOf({ 'fine.txt': 'A fine file.', '../../escaped.txt': 'Written outside?' });
    const response = await importFiles(t.app, admin, source.id, [{ name: 'slip.zip', content: zip }]);
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toBe(
      "'slip.zip' holds an entry whose path leaves the archive ('../../escaped.txt'); nothing was imported from it",
    );
    expect(await documentsOf(source.id)).toEqual([]);
  });

  it('refuses a zip bomb by its declared sizes before inflating it', async () => {
    const source = await createSource(t.app, admin);
    // 4 MB of zeros squeezed into a few KB: more than IMPORT_MAX_BYTES (1 MB) expanded.
    const zip = zipOf({
      'zeros-1.txt': Buffer.alloc(2 * 1024 * 1024, 0x41),
      'zeros-2.txt': Buffer.alloc(2 * 1024 * 1024, 0x41),
    });
    expect(zip.byteLength).toBeLessThan(65_536);
    const response = await importFiles(t.app, admin, source.id, [{ name: 'bomb.zip', content: zip }]);
    expect(response.statusCode).toBe(413);
    expect(response.json().detail).toMatch(/^'bomb.zip' expands to more than 1 MB \(IMPORT_MAX_BYTES\)/);
    expect(await documentsOf(source.id)).toEqual([]);
  });

  it('refuses, within a zip, a file larger than one upload may be, and adds the rest', async () => {
    const source = await createSource(t.app, admin);
    const zip = zipOf({ 'big.txt': Buffer.alloc(100_000, 0x42), 'small.txt': 'Small enough.' });
    const response = await importFiles(t.app, admin, source.id, [{ name: 'mixed.zip', content: zip }]);
    expect(response.json()).toMatchObject({ addedCount: 1, failedCount: 1 });
    expect((await outcomes(source.id, response.json().id))[0]?.message).toMatch(/larger than the 64 KB/);
  });

  it('spends one request of the rate limit on an import of many files', async () => {
    // A budget of 4 requests a minute: the source, the import of 30 files, and a look at the source.
    const limited = await buildTestApp({ RATE_LIMIT_PER_MINUTE: '4' }, { sharedDatabase: t.database });
    // A fresh admin: with Redis, the budget of the other tests' admin is shared across the two apps.
    const admin = await createTenantWithAdmin(t.app, await signInPlatformAdmin(), 'Rate limited');
    const source = await createSource(limited.app, admin);
    const files = Array.from({ length: 30 }, (_, index) => ({
      name: `n${index}.txt`,
      content: `Note number ${index}.`,
    }));
    const response = await importFiles(limited.app, admin, source.id, files);
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().addedCount).toBe(30);
    const after = await limited.app.inject({
      method: 'GET',
      url: `/v1/knowledge-sources/${source.id}`,
      headers: admin.headers,
    });
    expect(after.statusCode).toBe(200);
    await limited.app.close();
  });

  it("answers 404 for another tenant's source and import, adding nothing", async () => {
    const source = await createSource(t.app, admin);
    const own = await importFiles(t.app, admin, source.id, [{ name: 'mine.txt', content: 'Mine.' }]);
    const refused = await importFiles(t.app, other, source.id, [{ name: 'theirs.txt', content: 'Theirs.' }]);
    expect(refused.statusCode).toBe(404);
    expect(refused.json().detail).toBe(`Knowledge source '${source.id}' was not found`);
    const peek = await t.app.inject({
      method: 'GET',
      url: `/v1/knowledge-sources/${source.id}/imports/${own.json().id}`,
      headers: other.headers,
    });
    expect(peek.statusCode).toBe(404);
    expect(await documentsOf(source.id)).toHaveLength(1);
  });

  it('refuses a request that is not multipart, or has a file in another field, with what to send', async () => {
    const source = await createSource(t.app, admin);
    const json = await t.app.inject({
      method: 'POST',
      url: `/v1/knowledge-sources/${source.id}/imports`,
      headers: admin.headers,
      payload: { files: [] },
    });
    expect(json.statusCode).toBe(415);
    expect(json.json().detail).toMatch(/multipart\/form-data, each in a field named 'file'/);
  });
});
