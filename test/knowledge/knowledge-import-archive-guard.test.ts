import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../harness/actors.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin } from '../harness/tenant-setup.js';
import { importFiles, importOutcomes } from './import-requests.js';
import { createSource } from './knowledge-setup.js';
import { lyingSizeZip, symlinkMode, zipBytes } from './zip-bytes.js';

const text = (value: string) => Buffer.from(value, 'utf8');

describe('a zip whose entries lie or are not plain files: each fails alone, with why', () => {
  let t: TestApp;
  let admin: SignedIn;
  beforeAll(async () => {
    t = await buildTestApp({ UPLOAD_MAX_BYTES: '65536', IMPORT_MAX_BYTES: '1048576' });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app), 'Archive guard');
  });
  afterAll(() => t?.close());

  async function importZip(zip: Buffer) {
    const source = await createSource(t.app, admin);
    const response = await importFiles(t.app, admin, source.id, [{ name: 'crafted.zip', content: zip }]);
    expect(response.statusCode, response.body).toBe(201);
    const files = await importOutcomes(t.app, admin, source.id, response.json().id);
    return { body: response.json(), files: files.map((file) => [file.path, file.outcome, file.message]) };
  }

  it('fails an entry that inflates to more than its zip declares (a few hundred bytes), and adds the rest', async () => {
    const lying = lyingSizeZip('zeros.txt', 4 * 1024 * 1024, 10);
    expect(lying.byteLength).toBeLessThan(8_000);
    const zip = zipBytes([
      { name: 'zeros.txt', content: Buffer.alloc(4 * 1024 * 1024), declaredSize: 10, crc: 0 },
      { name: 'fine.txt', content: text('A fine file.') },
    ]);
    const { body, files } = await importZip(zip);
    expect(body).toMatchObject({ status: 'finished', addedCount: 1, failedCount: 1 });
    expect(files).toEqual([
      [
        'zeros.txt',
        'failed',
        'The file inflates to more than the 10 bytes its zip declares (the zip is damaged or crafted); nothing of it was added',
      ],
      ['fine.txt', 'added', null],
    ]);
  });

  it('answers every tenant after the lying zip alone in its import', async () => {
    await importZip(lyingSizeZip('zeros.txt', 8 * 1024 * 1024, 0));
    const health = await t.app.inject({ method: 'GET', url: '/v1/knowledge-sources', headers: admin.headers });
    expect(health.statusCode).toBe(200);
  });

  it('fails an entry that inflates to less than its zip declares', async () => {
    const zip = zipBytes([{ name: 'short.txt', content: text('Only a few words.'), declaredSize: 5_000 }]);
    const { files } = await importZip(zip);
    expect(files).toEqual([
      [
        'short.txt',
        'failed',
        'The file inflates to 17 bytes, not the 4.8 KB its zip declares (the zip is damaged or crafted); nothing of it was added',
      ],
    ]);
  });

  it('fails an entry whose checksum does not match its bytes', async () => {
    const zip = zipBytes([{ name: 'bent.txt', content: text('Bytes changed after zipping.'), crc: 0x1234 }]);
    const { files } = await importZip(zip);
    expect(files).toEqual([
      [
        'bent.txt',
        'failed',
        "The file's bytes do not match the checksum its zip declares (the zip is damaged); nothing of it was added",
      ],
    ]);
  });

  it('refuses a symbolic link, whose bytes are only the path it points to', async () => {
    const zip = zipBytes([
      { name: 'passwd.txt', content: text('/etc/passwd'), externalAttributes: symlinkMode },
      { name: 'real.txt', content: text('A real file.') },
    ]);
    const { body, files } = await importZip(zip);
    expect(body).toMatchObject({ addedCount: 1, failedCount: 1 });
    expect(files[0]).toEqual([
      'passwd.txt',
      'failed',
      'The entry is a symbolic link, not a file; zip the file it points to instead',
    ]);
  });

  it('refuses other entries that are not regular files (a named pipe, a folder without its slash)', async () => {
    const zip = zipBytes([
      { name: 'pipe', content: text(''), method: 0, externalAttributes: 0o010644 << 16 },
      { name: 'folder', content: text(''), method: 0, externalAttributes: 0o040755 << 16 },
    ]);
    const { files } = await importZip(zip);
    expect(files).toEqual([
      ['pipe', 'failed', 'The entry is a named pipe, not a regular file; only files are imported'],
      ['folder', 'failed', 'The entry is a folder, not a regular file; only files are imported'],
    ]);
  });

  it('refuses an encrypted entry and one compressed in a way this server does not read', async () => {
    const zip = zipBytes([
      { name: 'secret.txt', content: text('Hidden.'), flags: 1 },
      { name: 'bzip.txt', content: text('Squeezed.'), method: 12, data: text('BZh91AY&SY') },
    ]);
    const { files } = await importZip(zip);
    expect(files).toEqual([
      ['secret.txt', 'failed', 'The file is encrypted in its zip; zip it again without a password'],
      [
        'bzip.txt',
        'failed',
        'The file is compressed in a way this server does not read (method 12); zip it again with the usual compression (deflate)',
      ],
    ]);
  });
});
