import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignedIn } from '../harness/actors.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin } from '../harness/tenant-setup.js';
import { importFiles } from '../knowledge/import-requests.js';
import { pngBytes } from '../knowledge/document-fixtures.js';
import { createSource, multipartBody, uploadDocument } from '../knowledge/knowledge-setup.js';
import { createInbox, startConversation, startVisitor } from '../widget/widget-setup.js';

/** 20,000 bytes a tenant: three files of 6,000 fit, a fourth does not. */
const quotaBytes = 20_000;
let fileNumber = 0;
/** 6,000 bytes of text no other file has (the same content twice would be a duplicate, 409). */
const distinctFile = () => Buffer.from(`File ${++fileNumber} `.padEnd(6_000, 'x'));

const refusalFor = (used: string, adding: string, quota: string) =>
  `This workspace stores ${used} of files; this file (${adding}) would take it past its storage quota of ${quota}. To add more, delete files or documents no longer needed, or ask a platform administrator to raise the quota`;

describe("a tenant's storage quota", () => {
  let t: TestApp;
  let platformAdmin: SignedIn;
  beforeAll(async () => {
    t = await buildTestApp({ TENANT_STORAGE_QUOTA_BYTES: String(quotaBytes) });
    platformAdmin = await registerPlatformAdmin(t.app);
  });
  afterAll(() => t?.close());

  const attach = (user: SignedIn, content: Buffer) => {
    const body = multipartBody(content, { filename: 'notes.txt' });
    return t.app.inject({
      method: 'POST',
      url: '/v1/files',
      headers: { ...user.headers, ...body.headers },
      payload: body.payload,
    });
  };
  const settingsOf = (user: SignedIn, tenantId: string) =>
    t.app.inject({ method: 'GET', url: `/v1/tenants/${tenantId}/settings`, headers: user.headers });
  const setQuota = (user: SignedIn, tenantId: string, storageQuotaBytes: number | null) =>
    t.app.inject({
      method: 'PATCH',
      url: `/v1/tenants/${tenantId}/settings`,
      headers: user.headers,
      payload: { storageQuotaBytes },
    });
  const documentCount = async (user: SignedIn, sourceId: string) =>
    (
      await t.app.inject({ method: 'GET', url: `/v1/knowledge-sources/${sourceId}/documents`, headers: user.headers })
    ).json().items.length;

  it('refuses a document that would pass it with a 413 naming the quota, the use and who raises it', async () => {
    const admin = await createTenantWithAdmin(t.app, platformAdmin, 'Documents');
    const source = await createSource(t.app, admin);
    for (let index = 0; index < 3; index += 1) {
      expect((await uploadDocument(t.app, admin, source.id, distinctFile())).statusCode).toBe(202);
    }
    const refused = await uploadDocument(t.app, admin, source.id, distinctFile());
    expect(refused.statusCode).toBe(413);
    expect(refused.json().detail).toBe(refusalFor('17.5 KB', '5.8 KB', '19.5 KB'));
    expect(refused.json()).toMatchObject({ code: 'payload_too_large', quotaBytes, usedBytes: 18_000 });
    expect(await documentCount(admin, source.id)).toBe(3);
  });

  it('counts chat attachments, and not another tenant’s files', async () => {
    const admin = await createTenantWithAdmin(t.app, platformAdmin, 'Attachments');
    const other = await createTenantWithAdmin(t.app, platformAdmin, 'Neighbours');
    const source = await createSource(t.app, admin);
    expect((await uploadDocument(t.app, admin, source.id, distinctFile())).statusCode).toBe(202);
    expect((await attach(admin, distinctFile())).statusCode).toBe(201);
    expect((await attach(admin, distinctFile())).statusCode).toBe(201);
    const refused = await attach(admin, distinctFile());
    expect(refused.statusCode).toBe(413);
    expect(refused.json().detail).toBe(refusalFor('17.5 KB', '5.8 KB', '19.5 KB'));
    expect((await attach(other, distinctFile())).statusCode).toBe(201);
  });

  it('stops an import at the quota with a 413, keeping the files added before it', async () => {
    const admin = await createTenantWithAdmin(t.app, platformAdmin, 'Importers');
    const source = await createSource(t.app, admin);
    const files = Array.from({ length: 5 }, (_, index) => ({ name: `part-${index}.txt`, content: distinctFile() }));
    const response = await importFiles(t.app, admin, source.id, files);
    expect(response.statusCode).toBe(413);
    expect(response.json().detail).toBe(refusalFor('17.5 KB', '5.8 KB', '19.5 KB'));
    const imports = await t.app.inject({
      method: 'GET',
      url: `/v1/knowledge-sources/${source.id}/imports`,
      headers: admin.headers,
    });
    expect(imports.json().items[0]).toMatchObject({
      status: 'failed',
      addedCount: 3,
      errorMessage: refusalFor('17.5 KB', '5.8 KB', '19.5 KB'),
    });
    expect(await documentCount(admin, source.id)).toBe(3);
    // The 2,000 bytes left still take a small file.
    const small = await importFiles(t.app, admin, source.id, [{ name: 'small.txt', content: 'A small note.' }]);
    expect(small.statusCode).toBe(201);
    expect(small.json()).toMatchObject({ status: 'finished', addedCount: 1 });
  });

  it("is shown to the tenant's admins with its use, and raised or lifted by a platform admin only", async () => {
    const admin = await createTenantWithAdmin(t.app, platformAdmin, 'Growing');
    const { tenantId } = admin;
    expect((await attach(admin, distinctFile())).statusCode).toBe(201);
    expect((await settingsOf(admin, tenantId)).json()).toMatchObject({
      storageQuotaBytes: null,
      storageUsage: { usedBytes: 6_000, quotaBytes },
    });
    const bySelf = await setQuota(admin, tenantId, 1_000_000);
    expect(bySelf.statusCode).toBe(403);
    expect(bySelf.json().detail).toBe("Only a platform administrator can change a tenant's storage quota");

    const raised = await setQuota(platformAdmin, tenantId, 100_000);
    expect(raised.statusCode, raised.body).toBe(200);
    expect(raised.json()).toMatchObject({
      storageQuotaBytes: 100_000,
      storageUsage: { usedBytes: 6_000, quotaBytes: 100_000 },
    });
    for (let index = 0; index < 4; index += 1) expect((await attach(admin, distinctFile())).statusCode).toBe(201);

    const lowered = await setQuota(platformAdmin, tenantId, 10_000);
    expect(lowered.statusCode).toBe(200);
    const full = await attach(admin, distinctFile());
    expect(full.statusCode).toBe(413);
    expect(full.json().detail).toMatch(
      /^This workspace stores 29\.2 KB of files; it has reached its storage quota of 9\.7 KB/,
    );

    const lifted = await setQuota(platformAdmin, tenantId, 0);
    expect(lifted.json().storageUsage).toEqual({ usedBytes: 30_000, quotaBytes: null });
    expect((await attach(admin, distinctFile())).statusCode).toBe(201);
    const reset = await setQuota(platformAdmin, tenantId, null);
    expect(reset.json()).toMatchObject({ storageQuotaBytes: null, storageUsage: { quotaBytes } });
  });

  it("counts a widget visitor's images, refused with a 413 that tells the visitor no figures", async () => {
    const admin = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
    expect((await setQuota(platformAdmin, admin.tenantId, 10)).statusCode).toBe(200);
    const inbox = await createInbox(t.app, admin, { name: 'People only' });
    const visitor = await startVisitor(t.app, inbox.id);
    const conversation = await startConversation(t.app, visitor);
    const body = multipartBody(pngBytes, { filename: 'photo.png', contentType: 'image/png' });
    const refused = await t.app.inject({
      method: 'POST',
      url: `/v1/widget/conversations/${conversation.id}/images`,
      headers: { ...visitor.headers, ...body.headers },
      payload: body.payload,
    });
    expect(refused.statusCode, refused.body).toBe(413);
    expect(refused.json().detail).toBe(
      'This support desk cannot take more images right now; describe it in a message instead',
    );
    expect(refused.json().quotaBytes).toBeUndefined();
  });

  it('admits uploads sent at once one after the other: their files never add up past the quota', async () => {
    const admin = await createTenantWithAdmin(t.app, platformAdmin, 'Racing');
    const source = await createSource(t.app, admin);
    for (let round = 0; round < 3; round += 1) {
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          index % 2 === 0 ? uploadDocument(t.app, admin, source.id, distinctFile()) : attach(admin, distinctFile()),
        ),
      );
      const statuses = answers.map((answer) => answer.statusCode);
      expect(
        statuses.every((status) => [201, 202, 413].includes(status)),
        statuses.join(),
      ).toBe(true);
      const { storageUsage } = (await settingsOf(admin, admin.tenantId)).json();
      expect(storageUsage.usedBytes).toBe(18_000);
    }
  });
});
