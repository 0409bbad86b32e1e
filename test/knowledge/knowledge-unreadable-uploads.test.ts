import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePasswordProtectedPdf } from '../fixtures/generate-pdf.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { documentIndexRows } from './index-state.js';
import { createSource, uploadDocument, waitForDocument, type DocumentView } from './knowledge-setup.js';

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
