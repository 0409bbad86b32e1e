import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPassword, uniqueEmail } from '../harness/actors.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  nextTestAddress,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

/**
 * ADR 3: an address is unique within a tenant, not across tenants, so no tenant admin can learn whether
 * an address has an account elsewhere; sign-in asks for the tenant only when the password opens several.
 */
describe('e-mail addresses, unique per tenant', () => {
  let t: TestApp;
  let adminA: SignedInUser;
  let adminB: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp();
    const platformAdmin = await registerPlatformAdmin(t.app);
    adminA = await createTenantWithAdmin(t.app, platformAdmin, `Acme ${Date.now()}`);
    adminB = await createTenantWithAdmin(t.app, platformAdmin, `Bolt ${Date.now()}`);
  });
  afterAll(() => t.close());

  const createUser = (admin: SignedInUser, email: string, password = testPassword) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: admin.headers,
      payload: { email, password, role: 'member' },
    });
  const login = (payload: { email: string; password: string; tenant?: string }) =>
    t.app.inject({ method: 'POST', url: '/v1/auth/login', payload, remoteAddress: nextTestAddress() });
  const tenantNameOf = async (admin: SignedInUser): Promise<string> =>
    (await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: admin.headers })).json().tenant.name;

  it("answers a tenant admin creating a user with another tenant's address exactly as for an unused address: 201", async () => {
    const taken = await createUser(adminA, adminB.email.toUpperCase());
    const unused = await createUser(adminA, uniqueEmail('unused'));
    expect(taken.statusCode, taken.body).toBe(201);
    expect(unused.statusCode).toBe(201);
    expect(Object.keys(taken.json()).sort()).toEqual(Object.keys(unused.json()).sort());
    expect(taken.json()).toMatchObject({ tenantId: adminA.tenantId, email: adminB.email });
    expect(taken.json().id).not.toBe(adminB.userId);
  });

  it('answers 409 for an address already in use in the same tenant, whatever its case', async () => {
    const email = uniqueEmail('twice');
    expect((await createUser(adminA, email)).statusCode).toBe(201);
    const again = await createUser(adminA, email.toUpperCase());
    expect(again.statusCode).toBe(409);
    expect(again.json().detail).toBe(`This tenant already has an account with the email '${email}'`);
  });

  it('signs in to the one account an address has', async () => {
    const email = uniqueEmail('single');
    const created = await createUser(adminA, email);
    const response = await login({ email, password: testPassword });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().user).toMatchObject({ id: created.json().id, tenantId: adminA.tenantId });
  });

  it('signs each of two accounts with one address and different passwords in to its own tenant', async () => {
    const email = uniqueEmail('two-passwords');
    const inA = await createUser(adminA, email, 'password of the A account');
    const inB = await createUser(adminB, email, 'password of the B account');
    expect([inA.statusCode, inB.statusCode]).toEqual([201, 201]);

    const toA = await login({ email, password: 'password of the A account' });
    expect(toA.statusCode, toA.body).toBe(200);
    expect(toA.json().user).toMatchObject({ id: inA.json().id, tenantId: adminA.tenantId });
    const toB = await login({ email, password: 'password of the B account' });
    expect(toB.statusCode, toB.body).toBe(200);
    expect(toB.json().user).toMatchObject({ id: inB.json().id, tenantId: adminB.tenantId });

    const wrong = await login({ email, password: 'password of neither account' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().code).toBe('invalid_credentials');
  });

  it('asks for the tenant when one password opens accounts in two, and signs in to the one named by name or id', async () => {
    const email = uniqueEmail('same-password');
    const inA = await createUser(adminA, email);
    const inB = await createUser(adminB, email);
    expect([inA.statusCode, inB.statusCode]).toEqual([201, 201]);

    const ambiguous = await login({ email, password: testPassword });
    expect(ambiguous.statusCode).toBe(409);
    expect(ambiguous.json()).toMatchObject({ code: 'conflict', tenantRequired: true });
    expect(ambiguous.json().detail).toMatch(/several tenants.*'tenant'/);
    expect(ambiguous.json().detail).toContain(adminA.tenantId);
    expect(ambiguous.json().detail).toContain(adminB.tenantId);

    const byName = await login({ email, password: testPassword, tenant: (await tenantNameOf(adminA)).toUpperCase() });
    expect(byName.statusCode, byName.body).toBe(200);
    expect(byName.json().user).toMatchObject({ id: inA.json().id, tenantId: adminA.tenantId });
    const byId = await login({ email, password: testPassword, tenant: adminB.tenantId });
    expect(byId.statusCode, byId.body).toBe(200);
    expect(byId.json().user).toMatchObject({ id: inB.json().id, tenantId: adminB.tenantId });

    // A tenant the address has no account in is a wrong sign-in like any other.
    const elsewhere = await login({ email, password: testPassword, tenant: 'No such tenant' });
    expect(elsewhere.statusCode).toBe(401);
    expect(elsewhere.json().code).toBe('invalid_credentials');
  });

  it('signs in to the one account that is not disabled when the password opens two', async () => {
    const email = uniqueEmail('one-disabled');
    const inA = await createUser(adminA, email);
    const inB = await createUser(adminB, email);
    const disabled = await t.app.inject({
      method: 'PATCH',
      url: `/v1/users/${inA.json().id as string}`,
      headers: adminA.headers,
      payload: { disabled: true },
    });
    expect(disabled.statusCode).toBe(200);
    const response = await login({ email, password: testPassword });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().user.id).toBe(inB.json().id);
  });
});

describe('open sign-up with an address used in another tenant', () => {
  it('creates a new tenant with its own account for the address (201)', async () => {
    const t = await buildTestApp({ SIGNUP_MODE: 'open' });
    try {
      const email = uniqueEmail('open');
      const register = () =>
        t.app.inject({ method: 'POST', url: '/v1/auth/register', payload: { email, password: testPassword } });
      const first = await register();
      expect(first.statusCode).toBe(201);
      const second = await register();
      expect(second.statusCode, second.body).toBe(201);
      expect(second.json().tenant.id).not.toBe(first.json().tenant.id);
      expect(second.json().user.role).toBe('tenant_admin');
    } finally {
      await t.close();
    }
  });
});
