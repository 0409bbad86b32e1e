import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPassword, uniqueEmail } from '../harness/actors.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  expectNoEcho,
  nextTestAddress,
  registerPlatformAdmin,
  signIn,
  type SignedInUser,
} from '../harness/tenant-setup.js';

describe('users', () => {
  let t: TestApp;
  let adminA: SignedInUser;
  let adminB: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp();
    const platformAdmin = await registerPlatformAdmin(t.app);
    adminA = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant A');
    adminB = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant B');
  });
  afterAll(() => t.close());

  const as = (user: SignedInUser) => ({
    get: (url: string) => t.app.inject({ method: 'GET', url, headers: user.headers }),
    post: (url: string, payload: object) => t.app.inject({ method: 'POST', url, headers: user.headers, payload }),
    patch: (url: string, payload: object) => t.app.inject({ method: 'PATCH', url, headers: user.headers, payload }),
    delete: (url: string) => t.app.inject({ method: 'DELETE', url, headers: user.headers }),
  });

  it("creates users (201 with id) and lists only the tenant's users, page by page", async () => {
    const created = await as(adminA).post('/v1/users', {
      email: uniqueEmail(),
      password: testPassword,
      role: 'operator',
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({
      id: expect.any(String),
      role: 'operator',
      tenantId: adminA.tenantId,
      disabled: false,
    });
    expect(created.json()).not.toHaveProperty('passwordHash');
    for (let i = 0; i < 3; i += 1) await createUser(t.app, adminA);
    await createUser(t.app, adminB);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = await as(adminA).get(`/v1/users${query}`);
      expect(page.statusCode).toBe(200);
      const body = page.json<{ items: { id: string; tenantId: string }[]; nextCursor: string | null }>();
      expect(body.items.length).toBeLessThanOrEqual(2);
      for (const item of body.items) expect(item.tenantId).toBe(adminA.tenantId);
      seen.push(...body.items.map((item) => item.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(5); // the admin, the operator and three members
    expect(seen).toContain(adminA.userId);
  });

  it('lets only one of two admins demoting each other at the same moment succeed, so the tenant keeps one', async () => {
    for (let round = 0; round < 3; round += 1) {
      const [first, second] = [
        await createUser(t.app, adminA, 'tenant_admin'),
        await createUser(t.app, adminA, 'tenant_admin'),
      ];
      const answers = await Promise.all([
        as(first).patch(`/v1/users/${second.userId}`, { role: 'member' }),
        as(second).patch(`/v1/users/${first.userId}`, { role: 'member' }),
      ]);
      expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 403]);
      // Refused wherever the other demotion is first seen: by the route's access check, by the service's,
      // or, when both passed those before either wrote, in the transaction (the case this is about).
      const refused = answers.find((answer) => answer.statusCode === 403)!;
      expect(refused.json().code).toBe('forbidden');
      const roles = await Promise.all(
        [first, second].map(async (user) => (await as(adminA).get(`/v1/users/${user.userId}`)).json().role as string),
      );
      expect(roles.sort()).toEqual(['member', 'tenant_admin']);
    }
  });

  it("refuses to grant a role above the admin's own", async () => {
    const response = await as(adminA).post('/v1/users', {
      email: uniqueEmail(),
      password: testPassword,
      role: 'platform_admin',
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().detail).toMatch(/platform_admin/);
  });

  it('answers 409 for an email already in use in the tenant, whatever its case', async () => {
    const response = await as(adminA).post('/v1/users', {
      email: adminA.email.toUpperCase(),
      password: testPassword,
      role: 'member',
    });
    expect(response.statusCode).toBe(409);
  });

  it('takes an international domain in either form, as one address, and says what a non-ASCII name before the @ lacks', async () => {
    const local = `idn-${randomUUID().slice(0, 8)}`;
    const created = await as(adminA).post('/v1/users', {
      email: `${local}@Bücher.de`,
      password: testPassword,
      role: 'member',
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().email).toBe(`${local}@xn--bcher-kva.de`);
    await expect(signIn(t.app, `${local}@bücher.de`)).resolves.toMatchObject({ userId: created.json().id });
    const again = await as(adminA).post('/v1/users', {
      email: `${local}@xn--bcher-kva.de`,
      password: testPassword,
      role: 'member',
    });
    expect(again.statusCode).toBe(409);

    const unicodeName = await as(adminA).post('/v1/users', {
      email: 'müller@example.com',
      password: testPassword,
      role: 'member',
    });
    expect(unicodeName.statusCode).toBe(400);
    expect(unicodeName.json().errors).toEqual([
      {
        field: 'email',
        message: 'must be an email address whose part before the @ is written in ASCII letters, digits and punctuation',
      },
    ]);
  });

  it('answers 404 for a user of another tenant, without echoing their data', async () => {
    const memberA = await createUser(t.app, adminA);
    const url = `/v1/users/${memberA.userId}`;
    for (const response of [
      await as(adminB).get(url),
      await as(adminB).patch(url, { disabled: true }),
      await as(adminB).delete(url),
    ]) {
      expect(response.statusCode).toBe(404);
      expect(response.json().code).toBe('not_found');
      expectNoEcho(response.body, memberA.email);
    }
    expect((await as(memberA).get('/v1/auth/me')).statusCode).toBe(200);
  });

  it('refuses members and operators on the admin routes with 403', async () => {
    for (const role of ['member', 'operator'] as const) {
      const user = await createUser(t.app, adminA, role);
      expect((await as(user).get('/v1/users')).statusCode).toBe(403);
      expect((await as(user).get(`/v1/users/${user.userId}`)).statusCode).toBe(403);
      const create = await as(user).post('/v1/users', { email: uniqueEmail(), password: testPassword, role: 'member' });
      expect(create.statusCode).toBe(403);
    }
  });

  it('ends every session of a disabled user at once, and lets them back in when re-enabled', async () => {
    const member = await createUser(t.app, adminA);
    const secondDevice = await signIn(t.app, member.email);
    const disabled = await as(adminA).patch(`/v1/users/${member.userId}`, { disabled: true });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().disabled).toBe(true);

    expect((await as(member).get('/v1/auth/me')).statusCode).toBe(401);
    for (const refreshToken of [member.refreshToken, secondDevice.refreshToken]) {
      const refresh = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        payload: { refreshToken },
        remoteAddress: nextTestAddress(),
      });
      expect(refresh.statusCode).toBe(401);
    }
    await expect(signIn(t.app, member.email)).rejects.toThrow(/401/);

    expect((await as(adminA).patch(`/v1/users/${member.userId}`, { disabled: false })).json().disabled).toBe(false);
    const again = await signIn(t.app, member.email);
    expect(again).toMatchObject({ userId: member.userId });
    expect((await as(again).get('/v1/auth/me')).statusCode).toBe(200);
    // The sessions that were ended stay ended: enabling the user again does not revive their tokens.
    expect((await as(member).get('/v1/auth/me')).statusCode).toBe(401);
    expect((await as(secondDevice).get('/v1/auth/me')).statusCode).toBe(401);
  });

  it("ends a user's signed-in sessions when an admin sets a new password", async () => {
    const member = await createUser(t.app, adminA);
    expect((await as(member).get('/v1/auth/me')).statusCode).toBe(200);
    const reset = await as(adminA).patch(`/v1/users/${member.userId}`, { password: 'a brand new passphrase' });
    expect(reset.statusCode).toBe(200);
    expect((await as(member).get('/v1/auth/me')).statusCode).toBe(401);
  });

  it('does not let an admin disable, demote or delete themselves', async () => {
    const url = `/v1/users/${adminA.userId}`;
    expect((await as(adminA).patch(url, { disabled: true })).statusCode).toBe(403);
    expect((await as(adminA).patch(url, { role: 'member' })).statusCode).toBe(403);
    expect((await as(adminA).delete(url)).statusCode).toBe(403);
    expect((await as(adminA).patch(url, { displayName: 'Still here' })).json()).toMatchObject({
      role: 'tenant_admin',
      displayName: 'Still here',
    });
  });

  it('changes role and password; a new password ends the old sessions', async () => {
    const member = await createUser(t.app, adminA);
    const promoted = await as(adminA).patch(`/v1/users/${member.userId}`, { role: 'operator' });
    expect(promoted.json().role).toBe('operator');
    const reset = await as(adminA).patch(`/v1/users/${member.userId}`, { password: 'a brand new passphrase' });
    expect(reset.statusCode).toBe(200);
    await expect(signIn(t.app, member.email)).rejects.toThrow(/401/);
    await expect(signIn(t.app, member.email, 'a brand new passphrase')).resolves.toMatchObject({
      userId: member.userId,
    });
    const refresh = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: member.refreshToken },
      remoteAddress: nextTestAddress(),
    });
    expect(refresh.statusCode).toBe(401);
  });

  it('deletes a user with 204; their token stops working', async () => {
    const member = await createUser(t.app, adminA);
    expect((await as(adminA).delete(`/v1/users/${member.userId}`)).statusCode).toBe(204);
    expect((await as(adminA).get(`/v1/users/${member.userId}`)).statusCode).toBe(404);
    expect((await as(member).get('/v1/auth/me')).statusCode).toBe(401);
  });

  it('validates ids, bodies and paging parameters with 400', async () => {
    expect((await as(adminA).get('/v1/users/not-a-uuid')).statusCode).toBe(400);
    expect((await as(adminA).get(`/v1/users/${randomUUID()}`)).statusCode).toBe(404);
    const unknownField = await as(adminA).post('/v1/users', {
      email: uniqueEmail(),
      password: testPassword,
      role: 'member',
      isRoot: true,
    });
    expect(unknownField.statusCode).toBe(400);
    expect(unknownField.body).toContain('isRoot');
    const noRole = await as(adminA).post('/v1/users', { email: uniqueEmail(), password: testPassword });
    expect(noRole.statusCode).toBe(400);
    expect(noRole.json().detail).toBe('The request is invalid — role: is required');
    expect((await as(adminA).patch(`/v1/users/${adminA.userId}`, { disabled: 'yes' })).statusCode).toBe(400);
    expect((await as(adminA).get('/v1/users?limit=0')).statusCode).toBe(400);
    expect((await as(adminA).get('/v1/users?limit=101')).statusCode).toBe(400);
    expect((await as(adminA).get('/v1/users?cursor=garbage')).statusCode).toBe(400);
    const misspelt = await as(adminA).get('/v1/users?limt=5');
    expect(misspelt.statusCode).toBe(400);
    expect(misspelt.body).toContain('limt');
    const forged = Buffer.from(JSON.stringify(['2026-02-31 10:00:00+00', randomUUID()])).toString('base64url');
    expect((await as(adminA).get(`/v1/users?cursor=${forged}`)).statusCode).toBe(400);
  });
});
