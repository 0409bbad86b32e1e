import { randomBytes } from 'node:crypto';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePasswordProtectedPdf } from '../fixtures/generate-pdf.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { documentIndexRows } from './index-state.js';
import { createSource, query, uploadDocument, waitForDocument, type DocumentView } from './knowledge-setup.js';

/**
 * With 1 MB uploads the ingestion job lets a DOCX expand to 16 MB (16 times the upload limit, and the
 * 16 MB a 512 MB parse worker takes); the bombs below are ~30 KB on the wire.
 */
const uploadMaxBytes = 1024 * 1024;
const expandedMaxMb = 16;

/** A Word package whose document part is `megabytes` of zeros, deflated to about a thousandth of that. */
function zipBomb(megabytes: number): Uint8Array {
  return zipSync({
    '[Content_Types].xml': strToU8('<Types/>'),
    'word/document.xml': [new Uint8Array(megabytes * 1024 * 1024), { level: 9 }],
  });
}

/**
 * A Word package with one paragraph of `text`, and `photos` of the given bytes under word/media/. With
 * `mainDocumentPath`, its package relationships name that part as the main document instead.
 */
function docxWithPhotos(text: string, photos: Record<string, Uint8Array>, mainDocumentPath?: string): Uint8Array {
  const documentXml = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>${text}</w:t></w:r></w:p></w:body></w:document>`;
  const packageRelationships = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="${mainDocumentPath ?? 'word/document.xml'}"/></Relationships>`;
  const media = Object.fromEntries(
    Object.entries(photos).map(([name, bytes]) => [`word/media/${name}`, [bytes, { level: 9 }] as const]),
  );
  return zipSync({
    '[Content_Types].xml': strToU8('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'),
    '_rels/.rels': strToU8(packageRelationships),
    'word/document.xml': strToU8(documentXml),
    ...media,
  });
}

/** Rewrites an entry's uncompressed size in its local header and central directory record. */
function declareUncompressedSize(zip: Uint8Array, fileName: string, size: number): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const name = strToU8(fileName);
  const hasNameAt = (offset: number) => name.every((byte, i) => zip[offset + i] === byte);
  for (let offset = 0; offset + 46 < zip.length; offset += 1) {
    const signature = view.getUint32(offset, true);
    if (signature === 0x04034b50 && hasNameAt(offset + 30)) view.setUint32(offset + 22, size, true);
    if (signature === 0x02014b50 && hasNameAt(offset + 46)) view.setUint32(offset + 24, size, true);
  }
  return zip;
}

describe('uploads that cannot be read end failed, with a reason a person can act on', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let sourceId: string;

  beforeAll(async () => {
    t = await buildTestApp({ UPLOAD_MAX_BYTES: String(uploadMaxBytes) });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin);
    sourceId = (await createSource(t.app, admin)).id;
  });
  afterAll(() => t.close());

  /** Accepted by the endpoint (the type is right), then refused by the job, once and for all. */
  async function uploadThenFail(content: Uint8Array, filename: string): Promise<DocumentView> {
    const response = await uploadDocument(t.app, admin, sourceId, Buffer.from(content), { filename });
    expect(response.statusCode, response.body).toBe(202);
    const document = response.json<DocumentView>();
    const done = await waitForDocument(t.app, admin, sourceId, document.id);
    expect(done).toMatchObject({ status: 'failed', progress: 0, chunkCount: 0 });
    expect(done.errorMessage).not.toMatch(/retrying/);
    expect((await documentIndexRows(t.database, document.id)).chunks).toBe(0);
    return done;
  }

  it('a password-protected PDF: asks for the file without its password', async () => {
    const failed = await uploadThenFail(generatePasswordProtectedPdf(), 'locked.pdf');
    expect(failed.mediaType).toBe('application/pdf');
    expect(failed.errorMessage).toBe('The PDF is password-protected; upload it without a password');
  });

  it('a DOCX zip bomb: refused as a possible zip bomb, naming the size limit', async () => {
    const bomb = zipBomb(expandedMaxMb + 10);
    expect(bomb.length).toBeLessThan(uploadMaxBytes);
    const failed = await uploadThenFail(bomb, 'report.docx');
    expect(failed.mediaType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(failed.errorMessage).toBe(
      `The DOCX expands to more than ${expandedMaxMb} MB, more than this server parses; split it into smaller files (or it is a zip bomb)`,
    );
  });

  it('a DOCX zip bomb that declares a small size: refused while inflating, as crafted', async () => {
    const bomb = declareUncompressedSize(zipBomb(expandedMaxMb + 10), 'word/document.xml', 1000);
    const failed = await uploadThenFail(bomb, 'small-report.docx');
    expect(failed.errorMessage).toBe(
      'The file is not a valid DOCX (its zip entries do not match their declared sizes; it may be damaged or crafted)',
    );
  });

  it('leaves the source usable: a good document uploaded after the bombs is indexed', async () => {
    const response = await uploadDocument(t.app, admin, sourceId, Buffer.from('The pangolin memo is fine.\n'), {
      filename: 'pangolin.txt',
    });
    expect(response.statusCode, response.body).toBe(202);
    const done = await waitForDocument(t.app, admin, sourceId, response.json<DocumentView>().id);
    expect(done.status, done.errorMessage ?? '').toBe('ready');
  });
});

describe('a DOCX of large photos is parsed, however far its photos would expand', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let sourceId: string;
  // A 64 MB parse worker lets a DOCX's text expand to 2 MB (a 32nd of it); 4 MB uploads let in more photos.
  const photosUploadMaxBytes = 4 * 1024 * 1024;
  const photosExpandedMaxBytes = 2 * 1024 * 1024;

  beforeAll(async () => {
    t = await buildTestApp({ UPLOAD_MAX_BYTES: String(photosUploadMaxBytes), PARSE_MAX_MEMORY_MB: '64' });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin);
    sourceId = (await createSource(t.app, admin)).id;
  });
  afterAll(() => t.close());

  /** Uploads a DOCX and waits until it is indexed, which it must be. */
  async function expectIndexed(docx: Uint8Array, filename: string): Promise<void> {
    const response = await uploadDocument(t.app, admin, sourceId, Buffer.from(docx), { filename });
    expect(response.statusCode, response.body).toBe(202);
    const done = await waitForDocument(t.app, admin, sourceId, response.json<DocumentView>().id);
    expect(done.status, done.errorMessage ?? '').toBe('ready');
  }

  it('indexes the text of a DOCX whose photos exceed the expansion limit: photos are never inflated', async () => {
    const photos = Object.fromEntries([1, 2, 3].map((n) => [`image${n}.jpeg`, randomBytes(1024 * 1024)]));
    const docx = docxWithPhotos('The okapi field guide, with photographs.', photos);
    expect(docx.length).toBeGreaterThan(photosExpandedMaxBytes);
    expect(docx.length).toBeLessThan(photosUploadMaxBytes);
    await expectIndexed(docx, 'okapi.docx');
    const found = await query(t.app, admin, sourceId, { query: 'okapi', mode: 'lexical' });
    expect(found.results.map((hit) => hit.content)).toEqual([
      expect.stringContaining('The okapi field guide, with photographs.'),
    ]);
  });

  it('leaves out custom XML and document properties, which the parser never reads', async () => {
    const parts = unzipSync(docxWithPhotos('The quokka field guide.', {}));
    const docx = zipSync({
      ...parts,
      'customXml/item1.xml': [new Uint8Array(8 * 1024 * 1024), { level: 9 }],
      'docProps/custom.xml': [new Uint8Array(8 * 1024 * 1024), { level: 9 }],
    });
    await expectIndexed(docx, 'quokka.docx');
  });

  it('never lets a relationship steer the parser to an uncounted photo: a bomb named as one stays compressed', async () => {
    const bomb = new Uint8Array(26 * 1024 * 1024);
    const docx = docxWithPhotos('The tapir field guide.', { 'image1.jpeg': bomb }, 'word/media/image1.jpeg');
    expect(docx.length).toBeLessThan(photosUploadMaxBytes);
    // The parser never sees the photo, so it falls back to word/document.xml, the part that was counted.
    await expectIndexed(docx, 'tapir.docx');
    const found = await query(t.app, admin, sourceId, { query: 'tapir', mode: 'lexical' });
    expect(found.results.map((hit) => hit.content)).toEqual([expect.stringContaining('The tapir field guide.')]);
  });
});
