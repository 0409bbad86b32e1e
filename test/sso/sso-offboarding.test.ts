import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { testPassword } from '../harness/actors.js';
import {
  createTenantWithAdmin,
  nextTestAddress,
  registerPlatformAdmin,
  signIn,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { newSigningKey, startScriptedIdp, type ScriptedIdp } from '../fakes/scripted-oidc-provider.js';
import { callbackUrl, createConnection, parleyOrigin, resumeSession, signInThroughScriptedIdp } from './sso-setup.js';

/**
 * What a person removed at the provider keeps, and for how long (ADR 24): a single sign-on's session ends
 * SSO_SESSION_MAX_HOURS after it, their API keys SSO_API_KEY_MAX_DAYS after their last single sign-on,
 * their provider's back-channel logout ends their sessions at once; and once the tenant requires single
 * sign-on, password sessions end and mint nothing.
 */
describe('single sign-on: what a person removed at the provider keeps', () => {
  let t: TestApp;
  let idp: ScriptedIdp;
  let platformAdmin: SignedInUser;
  let tenantAdmin: SignedInUser;
  let connectionId: string;

  beforeAll(async () => {
    t = await buildTestApp({
      OUTBOUND_ALLOW: '127.0.0.1',
      SSO_ALLOW_HTTP_ISSUERS: 'true',
      PUBLIC_URL: parleyOrigin,
      SSO_SESSION_MAX_HOURS: '2',
      SSO_API_KEY_MAX_DAYS: '30',
    });
    idp = await startScriptedIdp({ redirectUris: [callbackUrl] });
    platformAdmin = await registerPlatformAdmin(t.app);
    tenantAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Offboarding');
    connectionId = (
      await createConnection(t.app, platformAdmin, idp, {
        tenantId: tenantAdmin.tenantId,
        slug: 'offboarding',
        domains: ['off.test'],
      })
    ).id;
  });
  afterAll(async () => {
    await idp?.close();
    await t?.close();
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const me = (token: string) => t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: bearer(token) });
  const refresh = (refreshToken: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken },
      remoteAddress: nextTestAddress(),
    });
  const makeApiKey = (token: string) =>
    t.app.inject({ method: 'POST', url: '/v1/api-keys', headers: bearer(token), payload: { name: 'cli' } });
  const expiryOf = async (refreshToken: string) => {
    const { rows } = await t.database.executeSql(
      "select expires_at from refresh_tokens where token_hash = encode(sha256(convert_to($1, 'UTF8')), 'hex')",
      [refreshToken],
    );
    return new Date((rows[0] as { expires_at: string | Date }).expires_at).getTime();
  };
  const postLogoutToken = (logoutToken: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/sso/backchannel-logout/offboarding',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ logout_token: logoutToken }).toString(),
      remoteAddress: nextTestAddress(),
    });
  const setSsoRequired = async (isRequired: boolean) => {
    const response = await t.app.inject({
      method: 'PATCH',
      url: `/v1/sso/connections/${connectionId}`,
      headers: platformAdmin.headers,
      payload: { ssoRequired: isRequired },
    });
    expect(response.statusCode, response.body).toBe(200);
  };

  it("ends a single sign-on's session SSO_SESSION_MAX_HOURS after it, however often it is refreshed", async () => {
    idp.accounts.set('ann', { email: 'ann@off.test' });
    const signedIn = await signInThroughScriptedIdp(t.app, 'offboarding', 'ann');
    expect(signedIn.cookies.find((cookie) => cookie.name === 'parley_refresh')?.maxAge).toBe(2 * 3_600);
    const first = await resumeSession(t.app, signedIn);
    const endsAt = await expiryOf(first.refreshToken);
    expect(endsAt).toBeLessThanOrEqual(Date.now() + 2 * 3_600_000);
    expect(endsAt).toBeGreaterThan(Date.now() + 2 * 3_600_000 - 60_000);
    const refreshed = await refresh(first.refreshToken);
    expect(refreshed.statusCode).toBe(200);
    // The successor ends when the sign-in does, not two hours (nor thirty days) from now.
    expect(await expiryOf(refreshed.json<{ refreshToken: string }>().refreshToken)).toBe(endsAt);
    // A password sign-in keeps REFRESH_TOKEN_TTL_DAYS.
    const password = await signIn(t.app, tenantAdmin.email);
    expect(await expiryOf(password.refreshToken)).toBeGreaterThan(Date.now() + 29 * 86_400_000);
  });

  it('stops the API keys of an SSO user SSO_API_KEY_MAX_DAYS after their last single sign-on; a new one brings them back', async () => {
    idp.accounts.set('bob', { email: 'bob@off.test' });
    const session = await resumeSession(t.app, await signInThroughScriptedIdp(t.app, 'offboarding', 'bob'));
    const created = await makeApiKey(session.accessToken);
    expect(created.statusCode, created.body).toBe(201);
    const apiKey = created.json<{ key: string }>().key;
    expect((await me(apiKey)).statusCode).toBe(200);
    // Bob was removed at the provider 31 days ago: he could not sign in there since.
    await t.database.executeSql(
      "update sso_identities set last_sign_in_at = now() - interval '31 days' where user_id = $1",
      [session.user.id],
    );
    expect((await me(apiKey)).statusCode).toBe(401);
    await signInThroughScriptedIdp(t.app, 'offboarding', 'bob');
    expect((await me(apiKey)).statusCode).toBe(200);
  });

  it("ends a subject's single sign-on sessions when the provider posts a logout token, and refuses forged ones", async () => {
    idp.accounts.set('cid', { email: 'cid@off.test' });
    const session = await resumeSession(t.app, await signInThroughScriptedIdp(t.app, 'offboarding', 'cid'));
    const apiKey = (await makeApiKey(session.accessToken)).json<{ key: string }>().key;

    const forged = await postLogoutToken(await idp.logoutToken('cid', { signingKey: newSigningKey() }));
    expect(forged.statusCode).toBe(400);
    expect(forged.json().detail).toContain("No key in the identity provider's JWKS matches");
    const withNonce = await postLogoutToken(await idp.logoutToken('cid', { claims: { nonce: 'n' } }));
    expect(withNonce.statusCode).toBe(400);
    expect(withNonce.json().detail).toContain('nonce');
    const noEvent = await postLogoutToken(await idp.logoutToken('cid', { claims: { events: undefined } }));
    expect(noEvent.statusCode).toBe(400);
    expect((await me(session.accessToken)).statusCode).toBe(200);

    const stranger = await postLogoutToken(await idp.logoutToken('nobody-here'));
    expect(stranger.json()).toEqual({ endedSessions: 0 });
    const loggedOut = await postLogoutToken(await idp.logoutToken('cid'));
    expect(loggedOut.statusCode, loggedOut.body).toBe(200);
    expect(loggedOut.headers['cache-control']).toBe('no-store');
    expect(loggedOut.json()).toEqual({ endedSessions: 1 });
    expect((await me(session.accessToken)).statusCode).toBe(401);
    expect((await refresh(session.refreshToken)).statusCode).toBe(401);
    // Signing out is not offboarding: the key stays, bounded by SSO_API_KEY_MAX_DAYS.
    expect((await me(apiKey)).statusCode).toBe(200);
  });

  it('under SSO required, ends password sessions at once, lets them mint no API key, and stops password-era keys', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: tenantAdmin.headers,
      payload: { email: 'dee@off.test', password: testPassword, role: 'member' },
    });
    expect(created.statusCode).toBe(201);
    const password = await signIn(t.app, 'dee@off.test');
    const passwordEraKey = (await makeApiKey(password.accessToken)).json<{ key: string }>().key;
    const adminSession = await signIn(t.app, platformAdmin.email);
    await setSsoRequired(true);
    try {
      const minted = await makeApiKey(password.accessToken);
      expect(minted.statusCode).toBe(401);
      expect((await me(password.accessToken)).statusCode).toBe(401);
      const refused = await refresh(password.refreshToken);
      expect(refused.statusCode).toBe(401);
      expect(refused.json()).toMatchObject({ ssoRequired: true });
      expect(refused.json().detail).toContain('sign in with single sign-on');
      expect((await me(passwordEraKey)).statusCode).toBe(401);
      // The platform admin's password session is the break-glass: it works, and makes keys.
      expect((await me(adminSession.accessToken)).statusCode).toBe(200);
      expect((await makeApiKey(adminSession.accessToken)).statusCode).toBe(201);
      // Dee signs in through the provider: her account is linked, and her key works again.
      idp.accounts.set('dee', { email: 'dee@off.test', email_verified: true });
      const viaSso = await resumeSession(t.app, await signInThroughScriptedIdp(t.app, 'offboarding', 'dee'));
      expect(viaSso.user.id).toBe(created.json<{ id: string }>().id);
      expect((await makeApiKey(viaSso.accessToken)).statusCode).toBe(201);
      expect((await me(passwordEraKey)).statusCode).toBe(200);
    } finally {
      await setSsoRequired(false);
    }
  });
});
