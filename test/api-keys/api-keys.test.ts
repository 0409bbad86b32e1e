import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys } from '../../src/platform/db/schema/index.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  expectNoEcho,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

describe('API keys', () => {
  let t: TestApp;
  let adminA: SignedInUser;
  let adminB: SignedInUser;
  let platformAdmin: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp();
    platformAdmin = await registerPlatformAdmin(t.app);
    adminA = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant A');
    adminB = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant B');
  });
  afterAll(() => t.close());

  const createKey = (user: SignedInUser, payload: object) =>
    t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: user.headers, payload });
  const listKeys = (user: SignedInUser) => t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: user.headers });
  const deleteKey = (user: SignedInUser, id: string) =>
    t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: user.headers });
  const withKey = (key: string, url = '/v1/auth/me') =>
    t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });

  it('shows the key once, at creation, and lists it by prefix only', async () => {
    const member = await createUser(t.app, adminA);
    const created = await createKey(member, { name: 'CI' });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ id: expect.any(String), name: 'CI', role: 'member', createdAt: expect.any(String) });
    expect(body.key).toMatch(/^pk_/);
    expect(body.key.startsWith(body.prefix)).toBe(true);
    expect(body.prefix.length).toBeLessThan(body.key.length / 2);

    const list = await listKeys(member);
    expect(list.statusCode).toBe(200);
    expect(list.json().items).toEqual([expect.objectContaining({ id: body.id, prefix: body.prefix })]);
    expect(list.json().items[0]).not.toHaveProperty('key');
    expect(list.json().items[0]).not.toHaveProperty('keyHash');
    expectNoEcho(list.body, body.key);

    const [row] = await t.database.db.select().from(apiKeys).where(eq(apiKeys.id, body.id));
    expect(row?.keyHash).not.toBe(body.key);
    expect(row?.keyHash).not.toContain(body.key.slice(3));
  });

  it("works as a Bearer credential with the key's role, and stops working once deleted", async () => {
    const created = (await createKey(adminA, { name: 'reporting', role: 'member' })).json();
    const me = await withKey(created.key);
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ via: 'api_key', user: { id: adminA.userId, role: 'member' } });
    // The key is a member's key even though its owner is an admin.
    expect((await withKey(created.key, '/v1/users')).statusCode).toBe(403);

    expect((await deleteKey(adminA, created.id)).statusCode).toBe(204);
    expect((await withKey(created.key)).statusCode).toBe(401);
  });

  it("defaults to the caller's role and refuses a role above it", async () => {
    const operator = await createUser(t.app, adminA, 'operator');
    expect((await createKey(operator, { name: 'default' })).json().role).toBe('operator');
    expect((await createKey(operator, { name: 'too much', role: 'tenant_admin' })).statusCode).toBe(403);
  });

  it("shows members their own keys only, and admins all of the tenant's", async () => {
    const alice = await createUser(t.app, adminA);
    const bob = await createUser(t.app, adminA);
    const aliceKey = (await createKey(alice, { name: 'alice' })).json();
    const bobKey = (await createKey(bob, { name: 'bob' })).json();

    const aliceSees = (await listKeys(alice)).json().items.map((key: { id: string }) => key.id);
    expect(aliceSees).toEqual([aliceKey.id]);
    const adminSees = (await listKeys(adminA)).json().items.map((key: { id: string }) => key.id);
    expect(adminSees).toEqual(expect.arrayContaining([aliceKey.id, bobKey.id]));
    expect((await listKeys(adminB)).json().items.map((key: { id: string }) => key.id)).not.toContain(aliceKey.id);

    // Bob cannot learn that Alice's key exists, nor delete it.
    const bobDeletes = await deleteKey(bob, aliceKey.id);
    expect(bobDeletes.statusCode).toBe(404);
    expect((await withKey(aliceKey.key)).statusCode).toBe(200);
    expect((await deleteKey(adminA, bobKey.id)).statusCode).toBe(204);
  });

  it("keeps a key above the caller's role out of sight and out of reach", async () => {
    // A tenant admin beside the platform admin, in the platform admin's own tenant.
    const tenantAdmin = await createUser(t.app, platformAdmin, 'tenant_admin');
    const platformKey = (await createKey(platformAdmin, { name: 'platform' })).json();
    expect(platformKey.role).toBe('platform_admin');
    const lowKeyOfPlatformAdmin = (
      await createKey(platformAdmin, { name: 'platform, as member', role: 'member' })
    ).json();
    const ids = (response: { json: () => { items: { id: string }[] } }) => response.json().items.map((key) => key.id);

    const seenByTenantAdmin = ids(await listKeys(tenantAdmin));
    expect(seenByTenantAdmin).not.toContain(platformKey.id);
    expect(seenByTenantAdmin).not.toContain(lowKeyOfPlatformAdmin.id);
    expect((await deleteKey(tenantAdmin, platformKey.id)).statusCode).toBe(404);
    expect((await deleteKey(tenantAdmin, lowKeyOfPlatformAdmin.id)).statusCode).toBe(404);
    expect((await withKey(platformKey.key)).statusCode).toBe(200);

    // A member-scoped key acts as a member, even against its own user's admin key.
    const adminKey = (await createKey(tenantAdmin, { name: 'admin' })).json();
    const memberKey = (await createKey(tenantAdmin, { name: 'member', role: 'member' })).json();
    const asMemberKey = { authorization: `Bearer ${memberKey.key}` };
    const listed = await t.app.inject({ method: 'GET', url: '/v1/api-keys', headers: asMemberKey });
    expect(ids(listed)).toEqual([memberKey.id]);
    const revoked = await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${adminKey.id}`, headers: asMemberKey });
    expect(revoked.statusCode).toBe(404);
    expect((await withKey(adminKey.key)).statusCode).toBe(200);
    // The user itself, signed in, reaches both.
    expect(ids(await listKeys(tenantAdmin))).toEqual(expect.arrayContaining([adminKey.id, memberKey.id]));
  });

  it('lets a demoted user see and revoke the keys they made before, which act with their role now', async () => {
    const operator = await createUser(t.app, platformAdmin, 'operator');
    const operatorKey = (await createKey(operator, { name: 'made as operator' })).json();
    expect(operatorKey.role).toBe('operator');
    const demoted = await t.app.inject({
      method: 'PATCH',
      url: `/v1/users/${operator.userId}`,
      headers: platformAdmin.headers,
      payload: { role: 'member' },
    });
    expect(demoted.statusCode, demoted.body).toBe(200);

    const ids = (await listKeys(operator)).json<{ items: { id: string }[] }>().items.map((key) => key.id);
    expect(ids).toContain(operatorKey.id);
    expect((await deleteKey(operator, operatorKey.id)).statusCode).toBe(204);
    expect((await withKey(operatorKey.key)).statusCode).toBe(401);
  });

  it("answers 404 to another tenant's admin, without echoing the key", async () => {
    const created = (await createKey(adminA, { name: 'secret-project-key' })).json();
    const response = await deleteKey(adminB, created.id);
    expect(response.statusCode).toBe(404);
    expectNoEcho(response.body, 'secret-project-key', created.prefix);
    expect((await withKey(created.key)).statusCode).toBe(200);
  });

  const patchUser = (user: SignedInUser, payload: object) =>
    t.app.inject({ method: 'PATCH', url: `/v1/users/${user.userId}`, headers: adminA.headers, payload });

  it("ends a disabled user's keys for good: enabling the user again does not bring them back", async () => {
    const member = await createUser(t.app, adminA);
    const created = (await createKey(member, { name: 'cron' })).json();
    expect((await withKey(created.key)).statusCode).toBe(200);
    expect((await patchUser(member, { disabled: true })).statusCode).toBe(200);
    expect((await withKey(created.key)).statusCode).toBe(401);

    expect((await patchUser(member, { disabled: false })).statusCode).toBe(200);
    const refused = await withKey(created.key);
    expect(refused.statusCode).toBe(401);
    expect(refused.json().detail).toContain('use a current API key');
    // Gone from the lists too: the admin sees nothing left to revoke.
    const listed = (await listKeys(adminA)).json();
    expect(listed.items.map((key: { id: string }) => key.id)).not.toContain(created.id);
    const rows = await t.database.db.select().from(apiKeys).where(eq(apiKeys.userId, member.userId));
    expect(rows).toEqual([]);
  });

  it("ends a user's keys when an admin sets a new password, since the old one may have made them", async () => {
    const member = await createUser(t.app, adminA);
    const created = (await createKey(member, { name: 'made by whoever knew the password' })).json();
    const other = (await createKey(adminA, { name: 'the admin keeps theirs' })).json();
    expect((await patchUser(member, { password: 'a brand new passphrase' })).statusCode).toBe(200);
    expect((await withKey(created.key)).statusCode).toBe(401);
    expect((await withKey(other.key)).statusCode).toBe(200);
  });

  it("leaves a user's keys alone on a change of name or role", async () => {
    const member = await createUser(t.app, adminA);
    const created = (await createKey(member, { name: 'kept' })).json();
    expect((await patchUser(member, { displayName: 'Renamed' })).statusCode).toBe(200);
    expect((await withKey(created.key)).statusCode).toBe(200);
  });

  it('validates the body with 400', async () => {
    expect((await createKey(adminA, {})).statusCode).toBe(400);
    expect((await createKey(adminA, { name: 'x'.repeat(101) })).statusCode).toBe(400);
    expect((await createKey(adminA, { name: 'x', role: 'root' })).statusCode).toBe(400);
    expect((await createKey(adminA, { name: 'x', key: 'pk_chosen' })).statusCode).toBe(400);
  });
});
