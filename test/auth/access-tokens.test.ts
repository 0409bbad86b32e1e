import { decodeJwt, SignJWT, UnsecuredJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';

describe('access tokens', () => {
  let t: TestApp;
  let user: SignedInUser;
  let colleague: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp();
    user = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    colleague = await createUser(t.app, user, 'member');
  });

  /** The sign-in (`sid`) and session epoch (`sep`) the server wrote into a user's token. */
  const sessionOf = (signedIn: SignedInUser) => {
    const { sid, sep } = decodeJwt(signedIn.accessToken);
    return { sid, sep };
  };
  const refusal =
    'The access token or API key sent was not accepted (expired, signed out, deleted or not valid); refresh the token or sign in again, or use a current API key';
  afterAll(() => t.close());

  /**
   * A token like the server's own, signed with the server's key (derived from its secret as the server
   * derives it), with one thing changed.
   */
  const forge = (
    options: {
      adjust?: (jwt: SignJWT) => SignJWT;
      key?: Uint8Array;
      tenantId?: string;
      claims?: Record<string, unknown>;
    } = {},
  ): Promise<string> =>
    (options.adjust ?? ((jwt) => jwt))(
      new SignJWT({ tid: options.tenantId ?? user.tenantId, ...sessionOf(user), ...options.claims })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(user.userId)
        .setIssuer('parley')
        .setAudience('parley-api')
        .setIssuedAt()
        .setExpirationTime('5m'),
    ).sign(options.key ?? t.keys.jwtSigningKey);

  const me = (token: string) =>
    t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${token}` } });

  it('accepts a well-formed token signed with the server key (the control case)', async () => {
    expect((await me(await forge())).statusCode).toBe(200);
  });

  it('rejects an unsigned token (alg none)', async () => {
    const token = new UnsecuredJWT({ tid: user.tenantId })
      .setSubject(user.userId)
      .setIssuer('parley')
      .setAudience('parley-api')
      .setIssuedAt()
      .setExpirationTime('5m')
      .encode();
    const response = await me(token);
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('rejects a token signed with another key', async () => {
    expect((await me(await forge({ key: new Uint8Array(randomBytes(32)) }))).statusCode).toBe(401);
  });

  it('rejects an expired token', async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const expired = await forge({
      adjust: (jwt) => jwt.setIssuedAt(nowSeconds - 3600).setExpirationTime(nowSeconds - 60),
    });
    const refused = await me(expired);
    expect(refused.statusCode).toBe(401);
    // Not the sentence for a caller who sent nothing: it says what to do about the token it sent.
    expect(refused.json()).toMatchObject({
      detail:
        'The access token or API key sent was not accepted (expired, signed out, deleted or not valid); refresh the token or sign in again, or use a current API key',
    });
    const anonymous = await t.app.inject({ method: 'GET', url: '/v1/auth/me' });
    expect(anonymous.json()).toMatchObject({ detail: 'Sign in or send an API key to use this endpoint' });
  });

  it('rejects a token for another audience or issuer', async () => {
    expect((await me(await forge({ adjust: (jwt) => jwt.setAudience('someone-else') }))).statusCode).toBe(401);
    expect((await me(await forge({ adjust: (jwt) => jwt.setIssuer('someone-else') }))).statusCode).toBe(401);
  });

  it('rejects a token whose payload was changed after signing', async () => {
    const [header, , signature] = (await forge()).split('.');
    const claims = { sub: user.userId, tid: user.tenantId, iss: 'parley', aud: 'parley-api', role: 'platform_admin' };
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    expect((await me(`${header}.${payload}.${signature}`)).statusCode).toBe(401);
  });

  it('rejects a token naming a tenant the user does not belong to', async () => {
    const otherTenant = await forge({ tenantId: '00000000-0000-4000-8000-000000000000' });
    expect((await me(otherTenant)).statusCode).toBe(401);
  });

  /** Each is a token only someone holding the key could make: the server never writes one. */
  const expectRefused = async (token: string) => {
    const response = await me(token);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ detail: refusal });
  };

  it('refuses a token without an expiry, which would never expire', async () => {
    const token = await new SignJWT({ tid: user.tenantId, ...sessionOf(user) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.userId)
      .setIssuer('parley')
      .setAudience('parley-api')
      .setIssuedAt()
      .sign(t.keys.jwtSigningKey);
    await expectRefused(token);
  });

  it('refuses a token without an issue time', async () => {
    const token = await new SignJWT({ tid: user.tenantId, ...sessionOf(user) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.userId)
      .setIssuer('parley')
      .setAudience('parley-api')
      .setExpirationTime('5m')
      .sign(t.keys.jwtSigningKey);
    await expectRefused(token);
  });

  it('refuses a token living longer than the configured access-token life', async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const lifeSeconds = t.config.accessTokenTtlSeconds;
    // The configured life is accepted, as the server issues it…
    const usual = await forge({
      adjust: (jwt) => jwt.setIssuedAt(nowSeconds).setExpirationTime(nowSeconds + lifeSeconds),
    });
    expect((await me(usual)).statusCode).toBe(200);
    // …a year is not.
    await expectRefused(
      await forge({ adjust: (jwt) => jwt.setIssuedAt(nowSeconds).setExpirationTime(nowSeconds + 365 * 86_400) }),
    );
  });

  it('refuses a token issued a day in the future', async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    await expectRefused(
      await forge({
        adjust: (jwt) => jwt.setIssuedAt(nowSeconds + 86_400).setExpirationTime(nowSeconds + 86_400 + 60),
      }),
    );
  });

  it('refuses a token without a sign-in or a session epoch', async () => {
    await expectRefused(await forge({ claims: { sid: undefined } }));
    await expectRefused(await forge({ claims: { sep: undefined } }));
  });

  it("refuses a token naming another user's live sign-in", async () => {
    // The colleague's sign-in is live, but it is not the token's user's.
    await expectRefused(await forge({ claims: { sid: sessionOf(colleague).sid } }));
    // The colleague's own token with it is accepted (the control case).
    expect((await me(colleague.accessToken)).statusCode).toBe(200);
  });
});
