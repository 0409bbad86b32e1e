import { SignJWT, UnsecuredJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

describe('access tokens', () => {
  let t: TestApp;
  let user: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp();
    user = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  });
  afterAll(() => t.close());

  /** A token like the server's own, with one thing changed. */
  const forge = (
    options: { adjust?: (jwt: SignJWT) => SignJWT; key?: Uint8Array; tenantId?: string } = {},
  ): Promise<string> =>
    (options.adjust ?? ((jwt) => jwt))(
      new SignJWT({ tid: options.tenantId ?? user.tenantId })
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
});
