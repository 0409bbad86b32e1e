import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFlateBombPdf, generateSharedPageTreePdf } from '../fixtures/generate-pdf.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { createSource, query, uploadAccepted, waitForDocument } from './knowledge-setup.js';

/**
 * PDFs small on the wire that pdf.js would blow up in memory or time, outside the parse worker's heap
 * cap. With PARSE_MAX_MEMORY_MB=128 a compressed stream may inflate to 4 MB (an image's to 32 MB).
 */
describe('PDFs that expand past what the server parses', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let sourceId: string;

  beforeAll(async () => {
    t = await buildTestApp({ PARSE_MAX_MEMORY_MB: '128' });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    sourceId = (await createSource(t.app, admin)).id;
  });
  afterAll(() => t.close());

  async function indexed(pdf: Uint8Array, filename: string) {
    const document = await uploadAccepted(t.app, admin, sourceId, Buffer.from(pdf), { filename });
    return waitForDocument(t.app, admin, sourceId, document.id);
  }

  it('indexes a page whose content inflates within the bound', async () => {
    const done = await indexed(generateFlateBombPdf('withinboundmarker', 3 * 1024 * 1024), 'padded.pdf');
    expect(done.status).toBe('ready');
    const found = await query(t.app, admin, sourceId, { query: 'withinboundmarker', mode: 'lexical' });
    expect(found.results).toHaveLength(1);
  });

  it.each([
    [
      'page content',
      generateFlateBombPdf('bombmarker', 24 * 1024 * 1024),
      'A part of the PDF expands to more than 4 MB',
    ],
    [
      'page content that claims to be an image',
      generateFlateBombPdf('imagebombmarker', 48 * 1024 * 1024, { asImage: true }),
      'A part of the PDF expands to more than 32 MB',
    ],
  ])('refuses %s that inflates past it, before pdf.js inflates it', async (_kind, pdf, message) => {
    expect(pdf.length).toBeLessThan(256 * 1024);
    const done = await indexed(pdf, 'bomb.pdf');
    expect(done).toMatchObject({ status: 'failed', chunkCount: 0 });
    expect(done.errorMessage).toBe(
      `${message}, more than this server parses; split it into smaller files (or it is a decompression bomb)`,
    );
  });

  it('refuses a page tree of more pages than a document may have, however small the file', async () => {
    const pdf = generateSharedPageTreePdf(200, 'sharedpagemarker');
    expect(pdf.length).toBeLessThan(16 * 1024);
    const done = await indexed(pdf, 'shared-pages.pdf');
    expect(done).toMatchObject({ status: 'failed', chunkCount: 0 });
    expect(done.errorMessage).toBe(
      'The PDF has 40,000 pages, more than the 10,000 a document may have; split it into smaller files',
    );
  });
});
