import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { createSource } from './knowledge-setup.js';

describe('knowledge sources', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let member: SignedInUser;
  let otherAdmin: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp();
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant A');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant B');
    member = await createUser(t.app, admin);
  });
  afterAll(() => t.close());

  const call = (user: SignedInUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });

  it('creates a source with the default embedding model and chunking, and shows its counts', async () => {
    const response = await call(admin, 'POST', '/v1/knowledge-sources', { name: 'Handbook', description: 'HR rules' });
    expect(response.statusCode, response.body).toBe(201);
    const source = response.json();
    expect(source).toMatchObject({
      name: 'Handbook',
      description: 'HR rules',
      embeddingModel: 'offline',
      embeddingDimensions: 384,
      chunkTokens: 512,
      chunkOverlapTokens: 64,
      documentCount: 0,
      chunkCount: 0,
    });
    const fetched = await call(member, 'GET', `/v1/knowledge-sources/${source.id}`);
    expect(fetched.statusCode).toBe(200);
    expect(fetched.json()).toEqual(source);
  });

  it('answers 409 for a second source with the same name in the tenant, but not in another tenant', async () => {
    await createSource(t.app, admin, { name: 'Unique name' });
    const duplicate = await call(admin, 'POST', '/v1/knowledge-sources', { name: 'Unique name' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().detail).toBe("A knowledge source named 'Unique name' already exists");
    await createSource(t.app, otherAdmin, { name: 'Unique name' });
    const other = await createSource(t.app, admin, { name: 'Other name' });
    const renamed = await call(admin, 'PATCH', `/v1/knowledge-sources/${other.id}`, { name: 'Unique name' });
    expect(renamed.statusCode).toBe(409);
  });

  it("answers 400 with the registry's sentence for an embedding model that cannot be resolved", async () => {
    const response = await call(admin, 'POST', '/v1/knowledge-sources', {
      name: 'Bad model',
      embeddingModel: 'nowhere:model-x',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toContain("provider 'nowhere'");
    const malformed = await call(admin, 'POST', '/v1/knowledge-sources', {
      name: 'Bad model',
      embeddingModel: 'no colon',
    });
    expect(malformed.statusCode).toBe(400);
  });

  it('bounds chunking: 64–2048 tokens, overlap under half a chunk, on create and on update', async () => {
    for (const body of [{ chunkTokens: 63 }, { chunkTokens: 4096 }, { chunkTokens: 256, chunkOverlapTokens: 128 }]) {
      const response = await call(admin, 'POST', '/v1/knowledge-sources', { name: 'Chunky', ...body });
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
    const source = await createSource(t.app, admin, { chunkTokens: 256, chunkOverlapTokens: 32 });
    const tooMuchOverlap = await call(admin, 'PATCH', `/v1/knowledge-sources/${source.id}`, {
      chunkOverlapTokens: 200,
    });
    expect(tooMuchOverlap.statusCode).toBe(400);
    expect(tooMuchOverlap.json().detail).toContain('less than half of chunkTokens (256)');
    const updated = await call(admin, 'PATCH', `/v1/knowledge-sources/${source.id}`, {
      chunkTokens: 1024,
      description: 'x',
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ chunkTokens: 1024, chunkOverlapTokens: 32, description: 'x' });
  });

  it('lists the tenant’s sources newest first, a page at a time', async () => {
    const created = [];
    for (let index = 0; index < 3; index += 1)
      created.push(await createSource(t.app, otherAdmin, { name: `Paged ${index}` }));
    const first = await call(otherAdmin, 'GET', '/v1/knowledge-sources?limit=2');
    expect(first.statusCode).toBe(200);
    const firstPage = first.json();
    expect(firstPage.items.map((item: { id: string }) => item.id)).toEqual([created[2]!.id, created[1]!.id]);
    const second = (
      await call(otherAdmin, 'GET', `/v1/knowledge-sources?limit=2&cursor=${firstPage.nextCursor}`)
    ).json();
    expect(second.items.map((item: { id: string }) => item.id)).toContain(created[0]!.id);
    const listedByA = (await call(admin, 'GET', '/v1/knowledge-sources?limit=100')).json();
    expect(listedByA.items.map((item: { id: string }) => item.id)).not.toContain(created[0]!.id);
    expect((await call(admin, 'GET', '/v1/knowledge-sources?cursor=forged')).statusCode).toBe(400);
  });

  it('lets a member read but not create, change or delete sources', async () => {
    const source = await createSource(t.app, admin);
    expect((await call(member, 'GET', '/v1/knowledge-sources')).statusCode).toBe(200);
    expect((await call(member, 'POST', '/v1/knowledge-sources', { name: 'Mine' })).statusCode).toBe(403);
    expect((await call(member, 'PATCH', `/v1/knowledge-sources/${source.id}`, { name: 'Mine' })).statusCode).toBe(403);
    expect((await call(member, 'DELETE', `/v1/knowledge-sources/${source.id}`)).statusCode).toBe(403);
  });

  it("answers 404 on every route for another tenant's source", async () => {
    const source = await createSource(t.app, otherAdmin);
    const base = `/v1/knowledge-sources/${source.id}`;
    const attempts: [string, string, object?][] = [
      ['GET', base],
      ['PATCH', base, { name: 'Taken over' }],
      ['DELETE', base],
      ['GET', `${base}/documents`],
      ['POST', `${base}/documents/from-url`, { url: 'https://example.com/' }],
      ['POST', `${base}/query`, { query: 'anything' }],
    ];
    for (const [method, url, payload] of attempts) {
      const response = await call(admin, method as 'GET', url, payload);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
      expect(response.json().detail).toBe(`Knowledge source '${source.id}' was not found`);
    }
    expect((await call(otherAdmin, 'GET', base)).statusCode).toBe(200);
  });

  it('deletes a source', async () => {
    const source = await createSource(t.app, admin);
    expect((await call(admin, 'DELETE', `/v1/knowledge-sources/${source.id}`)).statusCode).toBe(204);
    expect((await call(admin, 'GET', `/v1/knowledge-sources/${source.id}`)).statusCode).toBe(404);
  });
});
