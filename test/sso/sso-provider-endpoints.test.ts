import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  nextTestAddress,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { startScriptedIdp, type ScriptedIdp } from '../fakes/scripted-oidc-provider.js';
import { callbackUrl, createConnection, parleyOrigin, signInThroughScriptedIdp, startSignIn } from './sso-setup.js';

/**
 * Where Parley sends people and what it calls: the provider's endpoints at its issuer's origin (or one a
 * platform admin approved), never wherever a discovery document says; and its own callback at
 * PUBLIC_URL, never at whatever Host a request names.
 */
describe("single sign-on: the provider's endpoints and Parley's own address", () => {
  let t: TestApp;
  let idp: ScriptedIdp;
  let platformAdmin: SignedInUser;
  let tenantAdmin: SignedInUser;
  let connectionId: string;

  beforeAll(async () => {
    t = await buildTestApp({ OUTBOUND_ALLOW: '127.0.0.1', SSO_ALLOW_HTTP_ISSUERS: 'true', PUBLIC_URL: parleyOrigin });
    idp = await startScriptedIdp({ redirectUris: [callbackUrl] });
    platformAdmin = await registerPlatformAdmin(t.app);
    tenantAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Endpoints');
    connectionId = (
      await createConnection(t.app, platformAdmin, idp, {
        tenantId: tenantAdmin.tenantId,
        slug: 'endpoints',
        domains: ['endpoints.test'],
      })
    ).id;
  });
  afterEach(async () => {
    idp.discovery = {};
    await setOrigins(platformAdmin, []);
  });
  afterAll(async () => {
    await idp?.close();
    await t?.close();
  });

  const begin = () => t.app.inject({ method: 'GET', url: '/v1/sso/start/endpoints', remoteAddress: nextTestAddress() });
  const setOrigins = (admin: SignedInUser, origins: string[]) =>
    t.app.inject({
      method: 'PATCH',
      url: `/v1/sso/connections/${connectionId}`,
      headers: admin.headers,
      payload: { approvedEndpointOrigins: origins },
    });

  it('refuses to send people to an authorization endpoint away from the issuer, with a sentence (no open redirect)', async () => {
    idp.discovery = { authorization_endpoint: 'https://phish.example/login' };
    const begun = await begin();
    expect(begun.statusCode).toBe(422);
    expect(begun.headers.location).toBeUndefined();
    expect(begun.json().detail).toBe(
      `The identity provider's authorization_endpoint (https://phish.example/login) is not at its issuer's address ${idp.issuer}: Parley sends people to, and calls, only the issuer's address, unless a platform admin approves https://phish.example for this connection (approvedEndpointOrigins)`,
    );
    const tested = await t.app.inject({
      method: 'POST',
      url: `/v1/sso/connections/${connectionId}/test`,
      headers: tenantAdmin.headers,
    });
    expect(tested.json()).toMatchObject({ ok: false });
    expect(tested.json().message).toContain('authorization_endpoint (https://phish.example/login)');
  });

  it('refuses each endpoint Parley calls or sends people to when it is away from the issuer', async () => {
    for (const name of ['token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint']) {
      idp.discovery = { [name]: 'https://elsewhere.example/x' };
      const begun = await begin();
      expect(begun.statusCode, name).toBe(422);
      expect(begun.json().detail).toContain(`${name} (https://elsewhere.example/x) is not at its issuer's address`);
    }
  });

  it('follows an endpoint at an origin a platform admin approved, which a tenant admin may not approve', async () => {
    const byTenantAdmin = await setOrigins(tenantAdmin, ['https://login.example']);
    expect(byTenantAdmin.statusCode).toBe(403);
    expect(byTenantAdmin.json().detail).toContain('ask a platform admin');
    const approved = await setOrigins(platformAdmin, ['https://login.example/']);
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json().approvedEndpointOrigins).toEqual(['https://login.example']);
    // The tenant admin's form sends every field back: the same origins pass.
    const sentBack = await setOrigins(tenantAdmin, ['https://login.example']);
    expect(sentBack.statusCode).toBe(200);
    idp.discovery = { authorization_endpoint: 'https://login.example/authorize' };
    const begun = await begin();
    expect(begun.statusCode, begun.body).toBe(302);
    expect(new URL(begun.headers.location as string).origin).toBe('https://login.example');
  });

  it('refuses an approved origin that is not an origin', async () => {
    const withPath = await setOrigins(platformAdmin, ['https://login.example/tenant']);
    expect(withPath.statusCode).toBe(400);
    expect(withPath.json().detail).toContain('must be an origin');
  });

  it('reads the JWKS through the outbound door: keys at the cloud metadata address are refused, not fetched', async () => {
    expect((await setOrigins(platformAdmin, ['http://169.254.169.254'])).statusCode).toBe(200);
    idp.discovery = { jwks_uri: 'http://169.254.169.254/latest/jwks' };
    idp.accounts.set('ann', { email: 'ann@endpoints.test' });
    const refused = await signInThroughScriptedIdp(t.app, 'endpoints', 'ann');
    expect(refused.statusCode).toBe(422);
    expect(refused.json().detail).toContain(
      "Parley could not read the identity provider's keys at http://169.254.169.254/latest/jwks",
    );
    expect(refused.cookies.find((cookie) => cookie.name === 'parley_refresh')).toBeUndefined();
  });

  it('names its callback at PUBLIC_URL, whatever Host the request forged', async () => {
    idp.accounts.set('bea', { email: 'bea@endpoints.test' });
    const started = await startSignIn(t.app, 'endpoints', 'evil.example');
    expect(started.authorizationUrl.searchParams.get('redirect_uri')).toBe(`${parleyOrigin}/v1/sso/callback`);
    // And the sign-in finishes on it, the callback's own Host forged as well.
    const authorizationUrl = new URL(started.authorizationUrl);
    authorizationUrl.searchParams.set('account', 'bea');
    const atProvider = await fetch(authorizationUrl, { redirect: 'manual' });
    const returned = new URL(atProvider.headers.get('location')!);
    const finished = await t.app.inject({
      method: 'GET',
      url: `${returned.pathname}${returned.search}`,
      headers: { host: 'evil.example', cookie: started.bindingCookie },
      remoteAddress: nextTestAddress(),
    });
    expect(finished.statusCode, finished.body).toBe(303);
  });
});
