import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

describe('projects', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let otherAdmin: SignedInUser;
  let alice: SignedInUser;
  let bob: SignedInUser;
  let operator: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp();
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant A');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant B');
    alice = await createUser(t.app, admin);
    bob = await createUser(t.app, admin);
    operator = await createUser(t.app, admin, 'operator');
  });
  afterAll(() => t.close());

  const call = (user: SignedInUser, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });
  const createProject = async (user: SignedInUser, name: string) => {
    const response = await call(user, 'POST', '/v1/projects', { name });
    expect(response.statusCode).toBe(201);
    return response.json<{ id: string; name: string; ownerId: string }>();
  };
  const listIds = async (user: SignedInUser, query = '') =>
    ((await call(user, 'GET', `/v1/projects?limit=100${query}`)).json().items as { id: string }[]).map((p) => p.id);

  it('creates, renames and deletes a project of its owner', async () => {
    const project = await createProject(alice, 'Thesis');
    expect(project).toMatchObject({ name: 'Thesis', ownerId: alice.userId, description: '' });
    const renamed = await call(alice, 'PATCH', `/v1/projects/${project.id}`, {
      name: 'Thesis 2',
      description: 'Chapter notes',
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Thesis 2', description: 'Chapter notes' });
    expect((await call(alice, 'DELETE', `/v1/projects/${project.id}`)).statusCode).toBe(204);
    expect((await call(alice, 'GET', `/v1/projects/${project.id}`)).statusCode).toBe(404);
  });

  it('reads a path with a trailing slash as the same path: /v1/projects/ is the list', async () => {
    const project = await createProject(otherAdmin, 'Listed with a slash');
    const withSlash = await call(otherAdmin, 'GET', '/v1/projects/?limit=100');
    expect(withSlash.statusCode, withSlash.body).toBe(200);
    expect(withSlash.json().items.map((item: { id: string }) => item.id)).toContain(project.id);
    expect((await call(otherAdmin, 'GET', `/v1/projects/${project.id}/`)).json().name).toBe('Listed with a slash');
    expect((await t.app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(200);
  });

  it("hides a member's projects from other members, and shows all of the tenant's to operators", async () => {
    const alices = await createProject(alice, 'Alice only');
    const bobs = await createProject(bob, 'Bob only');
    expect(await listIds(bob)).not.toContain(alices.id);
    expect(await listIds(bob)).toContain(bobs.id);
    expect((await call(bob, 'GET', `/v1/projects/${alices.id}`)).statusCode).toBe(404);
    expect((await call(bob, 'PATCH', `/v1/projects/${alices.id}`, { name: 'Mine now' })).statusCode).toBe(404);
    expect(await listIds(operator)).toEqual(expect.arrayContaining([alices.id, bobs.id]));
    expect(await listIds(operator, `&ownerId=${bob.userId}`)).toEqual([bobs.id]);
    expect((await call(operator, 'PATCH', `/v1/projects/${alices.id}`, { name: 'Operator edit' })).statusCode).toBe(
      403,
    );
    expect((await call(admin, 'PATCH', `/v1/projects/${alices.id}`, { name: 'Admin edit' })).statusCode).toBe(200);
  });

  it('answers 404 for a project of another tenant', async () => {
    const project = await createProject(alice, 'Secret');
    for (const [method, payload] of [['GET'], ['PATCH', { name: 'x' }], ['DELETE']] as const) {
      const response = await call(otherAdmin, method, `/v1/projects/${project.id}`, payload);
      expect(response.statusCode).toBe(404);
    }
    expect(await listIds(otherAdmin)).not.toContain(project.id);
  });

  it('walks pages with a cursor, newest first, each project once', async () => {
    const user = await createUser(t.app, admin);
    const created: string[] = [];
    for (let index = 0; index < 5; index += 1) created.push((await createProject(user, `P${index}`)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await call(user, 'GET', `/v1/projects?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.statusCode).toBe(200);
      const page = response.json<{ items: { id: string }[]; nextCursor: string | null }>();
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...created].reverse());
  });

  it('refuses an absurd limit, a garbage cursor and an empty name with 400', async () => {
    for (const query of ['limit=100000', 'limit=0', 'cursor=garbage', 'cursor=%7B%7D']) {
      const response = await call(alice, 'GET', `/v1/projects?${query}`);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().code).toBe('validation_failed');
    }
    expect((await call(alice, 'POST', '/v1/projects', { name: '  ' })).statusCode).toBe(400);
  });
});
