import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPassword, uniqueEmail } from '../harness/actors.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  signIn,
  type SignedInUser,
} from '../harness/tenant-setup.js';

describe('tenants', () => {
  let t: TestApp;
  let platformAdmin: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp();
    platformAdmin = await registerPlatformAdmin(t.app);
  });
  afterAll(() => t.close());

  const createTenant = (payload: object, user: SignedInUser = platformAdmin) =>
    t.app.inject({ method: 'POST', url: '/v1/tenants', headers: user.headers, payload });

  it('creates a tenant with its first tenant admin, who can sign in to it', async () => {
    const email = uniqueEmail('first-admin');
    const response = await createTenant({ name: 'Acme', admin: { email, password: testPassword, displayName: 'Ada' } });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toMatchObject({ id: expect.any(String), name: 'Acme' });
    expect(body.admin).toMatchObject({ email, role: 'tenant_admin', tenantId: body.id, displayName: 'Ada' });
    expect(JSON.stringify(body)).not.toContain(testPassword);
    const admin = await signIn(t.app, email);
    expect(admin.tenantId).toBe(body.id);
  });

  it('creates a tenant without an admin', async () => {
    const response = await createTenant({ name: 'Empty' });
    expect(response.statusCode).toBe(201);
    expect(response.json().admin).toBeNull();
  });

  it("gives the new tenant's admin an account of its own even when the address has one in another tenant", async () => {
    const response = await createTenant({ name: 'Dup', admin: { email: platformAdmin.email, password: testPassword } });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().admin).toMatchObject({ email: platformAdmin.email, role: 'tenant_admin' });
    expect(response.json().admin.id).not.toBe(platformAdmin.userId);
  });

  it('lists tenants newest first with cursor pagination', async () => {
    for (const name of ['P1', 'P2', 'P3']) await createTenant({ name });
    const first = await t.app.inject({ method: 'GET', url: '/v1/tenants?limit=2', headers: platformAdmin.headers });
    expect(first.statusCode).toBe(200);
    expect(first.json().items.map((tenant: { name: string }) => tenant.name)).toEqual(['P3', 'P2']);
    const second = await t.app.inject({
      method: 'GET',
      url: `/v1/tenants?limit=2&cursor=${first.json().nextCursor}`,
      headers: platformAdmin.headers,
    });
    expect(second.json().items[0].name).toBe('P1');
  });

  it('is for platform admins only: tenant admins and members get 403', async () => {
    const tenantAdmin = await createTenantWithAdmin(t.app, platformAdmin);
    const member = await createUser(t.app, tenantAdmin);
    for (const user of [tenantAdmin, member]) {
      expect((await t.app.inject({ method: 'GET', url: '/v1/tenants', headers: user.headers })).statusCode).toBe(403);
      expect((await createTenant({ name: 'Nope' }, user)).statusCode).toBe(403);
    }
  });

  it('refuses unknown fields and an empty name with 400', async () => {
    expect((await createTenant({ name: 'X', plan: 'enterprise' })).statusCode).toBe(400);
    expect((await createTenant({ name: '   ' })).statusCode).toBe(400);
    expect((await createTenant({ name: 'x'.repeat(101) })).statusCode).toBe(400);
  });
});
