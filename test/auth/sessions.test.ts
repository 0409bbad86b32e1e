import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/platform/db/schema/index.js';
import { testPassword } from '../harness/actors.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  nextTestAddress,
  registerPlatformAdmin,
  signIn,
  type SignedInUser,
} from '../harness/tenant-setup.js';

describe('sessions', () => {
  let t: TestApp;
  let admin: SignedInUser;

  const refresh = (refreshToken: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken },
      remoteAddress: nextTestAddress(),
    });
  const me = (authorization: string) => t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization } });

  beforeAll(async () => {
    t = await buildTestApp();
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  });
  afterAll(() => t.close());

  it('rotates the refresh token on every use and hands out a working access token', async () => {
    const member = await createUser(t.app, admin);
    const first = await refresh(member.refreshToken);
    expect(first.statusCode).toBe(200);
    const rotated = first.json();
    expect(rotated.refreshToken).toMatch(/^prt_/);
    expect(rotated.refreshToken).not.toBe(member.refreshToken);
    expect((await me(`Bearer ${rotated.accessToken}`)).statusCode).toBe(200);
    expect((await refresh(rotated.refreshToken)).statusCode).toBe(200);
  });

  it('answers 401 to a reused refresh token and revokes the whole family, its access tokens included', async () => {
    const member = await createUser(t.app, admin);
    const rotated = (await refresh(member.refreshToken)).json<{ refreshToken: string; accessToken: string }>();
    expect((await me(`Bearer ${rotated.accessToken}`)).statusCode).toBe(200);

    const reuse = await refresh(member.refreshToken);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.headers['content-type']).toContain('application/problem+json');
    expect(reuse.json().detail).toMatch(/already used/);

    expect((await refresh(rotated.refreshToken)).statusCode).toBe(401);
    // Whoever holds the newest access token (the thief or the owner) is signed out at once, not in 15 minutes.
    expect((await me(`Bearer ${rotated.accessToken}`)).statusCode).toBe(401);
    expect((await me(`Bearer ${member.accessToken}`)).statusCode).toBe(401);
  });

  it('revokes the winner too when one refresh token is used twice at once', async () => {
    for (let round = 0; round < 5; round += 1) {
      const member = await createUser(t.app, admin);
      const answers = await Promise.all([refresh(member.refreshToken), refresh(member.refreshToken)]);
      expect(answers.map((answer) => answer.statusCode).sort()).toEqual([200, 401]);
      const winner = answers
        .find((answer) => answer.statusCode === 200)!
        .json<{
          refreshToken: string;
          accessToken: string;
        }>();
      // A reuse was seen: whoever won the race (the owner or a thief) is signed out as well.
      expect((await me(`Bearer ${winner.accessToken}`)).statusCode).toBe(401);
      expect((await refresh(winner.refreshToken)).statusCode).toBe(401);
    }
  });

  it('ends the family at logout, leaving other sign-ins alone', async () => {
    const member = await createUser(t.app, admin);
    const otherDevice = await signIn(t.app, member.email);
    const logout = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      payload: { refreshToken: member.refreshToken },
    });
    expect(logout.statusCode).toBe(204);
    expect((await refresh(member.refreshToken)).statusCode).toBe(401);
    expect((await me(`Bearer ${member.accessToken}`)).statusCode).toBe(401);
    expect((await me(`Bearer ${otherDevice.accessToken}`)).statusCode).toBe(200);
    expect((await refresh(otherDevice.refreshToken)).statusCode).toBe(200);
  });

  it('stores passwords hashed with scrypt, never as given', async () => {
    const member = await createUser(t.app, admin);
    const [row] = await t.database.db
      .select({ passwordHash: users.passwordHash })
      .from(users)
      .where(eq(users.id, member.userId));
    expect(row?.passwordHash).not.toBe(testPassword);
    expect(row?.passwordHash).not.toContain(testPassword);
    expect(row?.passwordHash.startsWith('scrypt$')).toBe(true);
  });
});

describe('login throttle', () => {
  let t: TestApp;
  let admin: SignedInUser;
  beforeAll(async () => {
    t = await buildTestApp({ LOGIN_ATTEMPTS_PER_15_MINUTES: '3' });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  });
  afterAll(() => t.close());

  it('answers 429 with retry-after once an account has used its failed attempts, from any address', async () => {
    const member = await createUser(t.app, admin);
    const attempt = (password: string) =>
      t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: member.email, password },
        remoteAddress: nextTestAddress(),
      });

    for (let i = 0; i < 3; i += 1) expect((await attempt('wrong password!')).statusCode).toBe(401);
    const limited = await attempt(testPassword);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);

    // Another account is not affected.
    await expect(signIn(t.app, admin.email)).resolves.toMatchObject({ userId: admin.userId });
  });

  it("does not lock the owner out at an address they signed in from before: others' failures hold back new addresses only", async () => {
    const member = await createUser(t.app, admin);
    const ownersAddress = nextTestAddress();
    const attempt = (password: string, remoteAddress: string) =>
      t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: member.email, password }, remoteAddress });
    expect((await attempt(testPassword, ownersAddress)).statusCode).toBe(200);

    for (let i = 0; i < 4; i += 1) await attempt('wrong password!', nextTestAddress());
    expect((await attempt(testPassword, nextTestAddress())).statusCode).toBe(429);

    expect((await attempt(testPassword, ownersAddress)).statusCode).toBe(200);
  });

  it('lets no more than the limit through when wrong passwords come all at once', async () => {
    const member = await createUser(t.app, admin);
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        t.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: { email: member.email, password: 'wrong password!' },
          remoteAddress: nextTestAddress(),
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.statusCode).sort();
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429]);
  });
});
