import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeHttpServer, type RunningFakeServer } from '../fakes/fake-http-server.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { pngBytes } from './document-fixtures.js';
import { generatePasswordProtectedPdf } from '../fixtures/generate-pdf.js';
import { createSource, multipartBody, query, waitForDocument, type DocumentView } from './knowledge-setup.js';

const uploadMaxBytes = 64 * 1024;

const faqPage =
  '<!doctype html><html><head><title>Opening hours &amp; FAQ</title></head><body>' +
  '<h1>Opening hours</h1><p>The quokka library opens at nine and closes at five on weekdays.</p></body></html>';

describe('knowledge documents from a URL', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let sourceId: string;
  let pages: RunningFakeServer;

  beforeAll(async () => {
    // A fake site on 127.0.0.1, which the guard lets through only because the allow-list names it.
    pages = await startFakeHttpServer(async ({ request, response }) => {
      const send = (status: number, headers: Record<string, string>, body: Buffer | string = '') => {
        response.writeHead(status, headers);
        response.end(body);
      };
      switch (request.path) {
        case '/faq.html':
          return send(200, { 'content-type': 'text/html; charset=utf-8' }, faqPage);
        case '/hours.html':
          return send(200, { 'content-type': 'text/html' }, faqPage.replace('nine', 'ten').replace('FAQ', 'hours'));
        case '/image':
          return send(200, { 'content-type': 'text/html' }, pngBytes); // the body decides, not the header
        case '/big.txt':
          return send(200, { 'content-type': 'text/plain' }, 'a'.repeat(uploadMaxBytes + 1));
        case '/to-metadata':
          return send(302, { location: 'http://169.254.169.254/latest/meta-data/' });
        case '/to-loopback':
          return send(302, { location: `http://127.0.0.2:${pages.port}/faq.html` });
        default:
          return send(404, { 'content-type': 'text/plain' }, 'not here');
      }
    });
    t = await buildTestApp({ OUTBOUND_ALLOW: '127.0.0.1', UPLOAD_MAX_BYTES: String(uploadMaxBytes) });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant A');
    sourceId = (await createSource(t.app, admin)).id;
  });
  afterAll(async () => {
    await t.close();
    await pages.close();
  });

  const addFromUrl = (url: string) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/knowledge-sources/${sourceId}/documents/from-url`,
      headers: admin.headers,
      payload: { url },
    });
  const documentCount = async () =>
    (
      await t.app.inject({ method: 'GET', url: `/v1/knowledge-sources/${sourceId}/documents`, headers: admin.headers })
    ).json().items.length as number;

  it("fetches an allowed page, indexes it and labels it with the page's title", async () => {
    const response = await addFromUrl(`${pages.url}/faq.html`);
    expect(response.statusCode, response.body).toBe(202);
    const document = response.json<DocumentView & { origin: string; url: string }>();
    expect(document).toMatchObject({
      origin: 'url',
      url: `${pages.url}/faq.html`,
      title: 'faq.html',
      mediaType: 'text/html',
    });
    const ready = await waitForDocument(t.app, admin, sourceId, document.id);
    expect(ready.status, ready.errorMessage ?? '').toBe('ready');
    expect(ready.title).toBe('Opening hours & FAQ');
    const { results } = await query(t.app, admin, sourceId, { query: 'when does the quokka library open?' });
    expect(results[0]?.documentId).toBe(document.id);
  });

  it("keeps a page's URL through a replacement that fails, and is the uploaded file's once one is indexed", async () => {
    const added = await addFromUrl(`${pages.url}/hours.html`);
    expect(added.statusCode, added.body).toBe(202);
    const documentId = added.json<DocumentView>().id;
    expect((await waitForDocument(t.app, admin, sourceId, documentId)).title).toBe('Opening hours & hours');
    const replace = (content: Uint8Array, filename: string) => {
      const body = multipartBody(Buffer.from(content), { filename });
      return t.app.inject({
        method: 'POST',
        url: `/v1/knowledge-sources/${sourceId}/documents/${documentId}/file`,
        headers: { ...admin.headers, ...body.headers },
        payload: body.payload,
      });
    };
    const page = { origin: 'url', url: `${pages.url}/hours.html`, title: 'Opening hours & hours' };

    expect((await replace(generatePasswordProtectedPdf(), 'hours.pdf')).statusCode).toBe(202);
    expect(await waitForDocument(t.app, admin, sourceId, documentId)).toMatchObject({ status: 'failed', ...page });
    const reindexed = await t.app.inject({
      method: 'POST',
      url: `/v1/knowledge-sources/${sourceId}/documents/${documentId}/reindex`,
      headers: admin.headers,
    });
    expect(reindexed.statusCode, reindexed.body).toBe(202);
    expect(await waitForDocument(t.app, admin, sourceId, documentId)).toMatchObject({ status: 'ready', ...page });

    const html = '<html><head><title>Not the title</title></head><body><p>Open at eleven now.</p></body></html>';
    expect((await replace(Buffer.from(html), 'hours-v2.html')).statusCode).toBe(202);
    expect(await waitForDocument(t.app, admin, sourceId, documentId)).toMatchObject({
      status: 'ready',
      origin: 'upload',
      url: null,
      title: 'Opening hours & hours',
    });
  });

  it("refuses addresses inside the network with the guard's sentence, before anything is stored", async () => {
    const before = await documentCount();
    const refusals: [string, RegExp][] = [
      [`http://127.0.0.2:${pages.port}/faq.html`, /127\.0\.0\.2 .*loopback.*OUTBOUND_ALLOW/],
      ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254/],
      [`${pages.url}/to-metadata`, /169\.254\.169\.254/],
      [`${pages.url}/to-loopback`, /127\.0\.0\.2/],
    ];
    for (const [url, reason] of refusals) {
      const response = await addFromUrl(url);
      expect(response.statusCode, url).toBe(400);
      expect(response.json().detail, url).toMatch(reason);
    }
    expect(await documentCount()).toBe(before);
  });

  it('answers with a sentence for a missing page, an unsupported body, an oversized body, a non-HTTP URL and an unreadable one', async () => {
    const missing = await addFromUrl(`${pages.url}/missing`);
    expect(missing.statusCode).toBe(422);
    expect(missing.json().detail).toContain('answered HTTP 404');
    const image = await addFromUrl(`${pages.url}/image`);
    expect(image.statusCode).toBe(415);
    const big = await addFromUrl(`${pages.url}/big.txt`);
    expect(big.statusCode).toBe(413);
    const ftp = await addFromUrl('ftp://example.com/file.txt');
    expect(ftp.statusCode).toBe(400);
    expect(ftp.json().detail).toBe('The request is invalid — url: must be an http:// or https:// URL');
    // An http URL that cannot be read is called that, not the wrong scheme.
    const badPort = await addFromUrl('http://example.com:99999/file.txt');
    expect(badPort.statusCode).toBe(400);
    expect(badPort.json().detail).toBe('The request is invalid — url: is not a valid URL');
  });
});
