import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { testPassword, uniqueEmail } from '../harness/actors.js';
import {
  createTenantWithAdmin,
  nextTestAddress,
  registerPlatformAdmin,
  signIn,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { startFakeIdp, type FakeIdp } from '../fakes/fake-oidc-provider.js';
import {
  callback,
  callbackUrl,
  createConnection,
  parleyOrigin,
  resumeSession,
  signInAtProvider,
  signInThroughSso,
  startSignIn,
} from './sso-setup.js';

/** Every way a single sign-on can go wrong ends in a 4xx with a sentence, never a 5xx and never a session. */
describe('single sign-on: refusals, SSO-required and sign-out', () => {
  let t: TestApp;
  let idp: FakeIdp;
  let platformAdmin: SignedInUser;
  let admin: SignedInUser;
  let other: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp({ OUTBOUND_ALLOW: '127.0.0.1', SSO_ALLOW_HTTP_ISSUERS: 'true', PUBLIC_URL: parleyOrigin });
    idp = await startFakeIdp({ redirectUris: [callbackUrl], postLogoutRedirectUris: [`${parleyOrigin}/`] });
    platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Initech');
    other = await createTenantWithAdmin(t.app, platformAdmin, 'Other');
    await createConnection(t.app, platformAdmin, idp, {
      tenantId: admin.tenantId,
      slug: 'initech',
      domains: ['initech.test'],
    });
  });
  afterAll(async () => {
    await idp?.close();
    await t?.close();
  });

  const expectNoSession = (response: LightMyRequestResponse) => {
    expect(response.statusCode).toBeGreaterThanOrEqual(400);
    expect(response.statusCode).toBeLessThan(500);
    expect(response.cookies.find((cookie) => cookie.name === 'parley_refresh')).toBeUndefined();
  };

  describe('the sign-in', () => {
    it('refuses a replayed state and code: the second callback is a 400 and starts no session', async () => {
      idp.accounts.set('ivy', { email: 'ivy@initech.test', groups: [] });
      const started = await startSignIn(t.app, 'initech');
      const returned = await signInAtProvider(started.authorizationUrl, 'ivy');
      const first = await callback(t.app, returned, started.bindingCookie);
      expect(first.statusCode, first.body).toBe(303);
      const replayed = await callback(t.app, returned, started.bindingCookie);
      expectNoSession(replayed);
      expect(replayed.statusCode).toBe(400);
      expect(replayed.json().detail).toContain('already used');
    });

    it('starts exactly one session when the same callback arrives twice a few ms apart, over many rounds', async () => {
      idp.accounts.set('rita', { email: 'rita@initech.test', groups: [] });
      for (let round = 0; round < 8; round += 1) {
        const started = await startSignIn(t.app, 'initech');
        const returned = await signInAtProvider(started.authorizationUrl, 'rita');
        const first = callback(t.app, returned, started.bindingCookie);
        await new Promise((resolve) => setTimeout(resolve, round % 3));
        const answers = await Promise.all([first, callback(t.app, returned, started.bindingCookie)]);
        const sessions = answers.filter((answer) => answer.cookies.some((cookie) => cookie.name === 'parley_refresh'));
        expect(sessions, `round ${round}`).toHaveLength(1);
        const refused = answers.find((answer) => answer.statusCode !== 303)!;
        expect(refused.statusCode, `round ${round}`).toBe(400);
      }
    });

    it('refuses a callback in a browser that did not begin the sign-in (login CSRF)', async () => {
      idp.accounts.set('ivy', { email: 'ivy@initech.test', groups: [] });
      const started = await startSignIn(t.app, 'initech');
      const returned = await signInAtProvider(started.authorizationUrl, 'ivy');
      const cookieName = started.bindingCookie.slice(0, started.bindingCookie.indexOf('='));
      const elsewhere = await callback(t.app, returned, `${cookieName}=someone-elses-browser`);
      expectNoSession(elsewhere);
      // And the attempt is spent: the right browser cannot use it afterwards either.
      expectNoSession(await callback(t.app, returned, started.bindingCookie));
    });

    it('answers a browser with a page that says what went wrong, with the same 4xx', async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: '/v1/sso/callback?state=nothing-began-this&code=x',
        headers: { accept: 'text/html', host: 'parley.test' },
        remoteAddress: nextTestAddress(),
      });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toContain('text/html');
      expect(response.body).toContain('already used, has expired, or was begun in another browser');
    });

    it('refuses an ID token without the email claim', async () => {
      idp.accounts.set('noemail', { name: 'No Email', groups: [] });
      const refused = await signInThroughSso(t.app, 'initech', 'noemail');
      expectNoSession(refused);
      expect(refused.json().detail).toContain("no 'email' claim");
    });

    it('refuses an email outside the allowed domains, and one the provider has not verified', async () => {
      idp.accounts.set('outsider', { email: 'out@elsewhere.test', groups: [] });
      const outside = await signInThroughSso(t.app, 'initech', 'outsider');
      expectNoSession(outside);
      expect(outside.json().detail).toContain('outside the domains this tenant');
      idp.accounts.set('unverified', { email: 'unverified@initech.test', emailVerified: false });
      const unverified = await signInThroughSso(t.app, 'initech', 'unverified');
      expectNoSession(unverified);
      expect(unverified.json().detail).toContain('not verified');
    });

    it("refuses the provider's own refusal (access denied) with its words", async () => {
      const started = await startSignIn(t.app, 'initech');
      const state = started.authorizationUrl.searchParams.get('state')!;
      const denied = new URL(
        `${callbackUrl}?error=access_denied&error_description=nope&state=${state}&iss=${encodeURIComponent(idp.issuer)}`,
      );
      const refused = await callback(t.app, denied, started.bindingCookie);
      expectNoSession(refused);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().detail).toContain('access_denied');
    });

    it('refuses a wrong client secret with a sentence about the client secret, not a 5xx', async () => {
      const tenant = await createTenantWithAdmin(t.app, platformAdmin, 'Wrong secret');
      await createConnection(t.app, platformAdmin, idp, {
        tenantId: tenant.tenantId,
        slug: 'wrong-secret',
        domains: ['wrong.test'],
        clientSecret: 'not-the-secret',
      });
      idp.accounts.set('wendy', { email: 'wendy@wrong.test' });
      const refused = await signInThroughSso(t.app, 'wrong-secret', 'wendy');
      expectNoSession(refused);
      expect(refused.statusCode).toBe(422);
      expect(refused.json().detail).toContain('client id or client secret');
    });

    it('refuses to begin at an unreachable issuer, or at a URL that is not an OpenID provider', async () => {
      const unreachable = await createTenantWithAdmin(t.app, platformAdmin, 'Unreachable');
      await createConnection(t.app, platformAdmin, idp, {
        tenantId: unreachable.tenantId,
        slug: 'unreachable',
        domains: ['unreachable.test'],
        issuerUrl: 'http://127.0.0.1:9/',
      });
      const begun = await t.app.inject({
        method: 'GET',
        url: '/v1/sso/start/unreachable',
        remoteAddress: nextTestAddress(),
      });
      expect(begun.statusCode).toBe(422);
      expect(begun.json().detail).toContain('could not be reached');

      const notOidc = await createTenantWithAdmin(t.app, platformAdmin, 'Not OIDC');
      await createConnection(t.app, platformAdmin, idp, {
        tenantId: notOidc.tenantId,
        slug: 'not-oidc',
        domains: ['not-oidc.test'],
        issuerUrl: `${idp.issuer}/not-here`,
      });
      const wrong = await t.app.inject({
        method: 'GET',
        url: '/v1/sso/start/not-oidc',
        remoteAddress: nextTestAddress(),
      });
      expect(wrong.statusCode).toBe(422);
      expect(wrong.json().detail).toContain('discovery document');
    });

    it('answers 404 for a slug no connection has', async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: '/v1/sso/start/nobody',
        remoteAddress: nextTestAddress(),
      });
      expect(response.statusCode).toBe(404);
    });
  });

  describe('finding the sign-in', () => {
    it('says an email of a connected domain signs in through SSO, and where to begin', async () => {
      const byEmail = await t.app.inject({
        method: 'POST',
        url: '/v1/sso/discover',
        payload: { email: 'x@Initech.test' },
      });
      expect(byEmail.json()).toEqual({
        sso: true,
        ssoRequired: false,
        startUrl: '/v1/sso/start/initech?loginHint=x%40initech.test',
      });
      const bySlug = await t.app.inject({ method: 'POST', url: '/v1/sso/discover', payload: { tenant: 'initech' } });
      expect(bySlug.json()).toMatchObject({ sso: true, startUrl: '/v1/sso/start/initech' });
      const none = await t.app.inject({
        method: 'POST',
        url: '/v1/sso/discover',
        payload: { email: 'x@example.test' },
      });
      expect(none.json()).toEqual({ sso: false, ssoRequired: false, startUrl: null });
      const both = await t.app.inject({ method: 'POST', url: '/v1/sso/discover', payload: {} });
      expect(both.statusCode).toBe(400);
    });
  });

  describe('SSO required', () => {
    it("refuses password sign-in to an SSO-required tenant's people, but not to the platform admin (break-glass)", async () => {
      const platformTenantConnection = await createConnection(t.app, platformAdmin, idp, {
        slug: 'platform',
        domains: ['platform.test'],
        ssoRequired: true,
      });
      const memberEmail = uniqueEmail('member');
      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/users',
        headers: platformAdmin.headers,
        payload: { email: memberEmail, password: testPassword, role: 'member' },
      });
      expect(created.statusCode).toBe(201);
      const refused = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: memberEmail, password: testPassword },
        remoteAddress: nextTestAddress(),
      });
      expect(refused.statusCode).toBe(403);
      expect(refused.json()).toMatchObject({ ssoRequired: true });
      expect(refused.json().detail).toContain('signs in through its identity provider');
      // The platform admin still signs in with a password.
      await signIn(t.app, platformAdmin.email);
      // Turned off again, passwords work again.
      const off = await t.app.inject({
        method: 'PATCH',
        url: `/v1/sso/connections/${platformTenantConnection.id}`,
        headers: platformAdmin.headers,
        payload: { ssoRequired: false },
      });
      expect(off.statusCode).toBe(200);
      await signIn(t.app, memberEmail);
    });
  });

  describe('signing out', () => {
    it("ends Parley's session and answers the provider's end-session URL", async () => {
      idp.accounts.set('olga', { email: 'olga@initech.test' });
      const session = await resumeSession(t.app, await signInThroughSso(t.app, 'initech', 'olga'));
      const out = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/sso/logout',
        headers: { host: 'parley.test' },
        payload: { refreshToken: session.refreshToken },
      });
      expect(out.statusCode).toBe(200);
      const endSession = new URL(out.json().endSessionUrl);
      expect(endSession.origin).toBe(idp.issuer);
      expect(endSession.searchParams.get('client_id')).toBe(idp.clientId);
      expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${parleyOrigin}/`);
      const me = await t.app.inject({
        method: 'GET',
        url: '/v1/auth/me',
        headers: { authorization: `Bearer ${session.accessToken}` },
      });
      expect(me.statusCode).toBe(401);
    });

    it('answers no end-session URL for a password sign-in', async () => {
      const out = await t.app.inject({
        method: 'POST',
        url: '/v1/auth/sso/logout',
        payload: { refreshToken: (await signIn(t.app, other.email)).refreshToken },
      });
      expect(out.json()).toEqual({ endSessionUrl: null });
    });
  });
});
