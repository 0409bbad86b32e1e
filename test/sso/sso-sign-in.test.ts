import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { testPassword } from '../harness/actors.js';
import {
  createTenantWithAdmin,
  nextTestAddress,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { startFakeIdp, type FakeIdp } from '../fakes/fake-oidc-provider.js';
import { openSocket } from '../realtime/realtime-client.js';
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

/**
 * Single sign-on against a real OpenID provider (oidc-provider) on 127.0.0.1: just-in-time provisioning,
 * roles from groups, group removal ending everything the user had, key rotation, and two tenants with
 * two providers that never cross.
 */
describe('single sign-on: provisioning, roles and tenants', () => {
  let t: TestApp;
  let acmeIdp: FakeIdp;
  let globexIdp: FakeIdp;
  let platformAdmin: SignedInUser;
  let acmeAdmin: SignedInUser;
  let globexAdmin: SignedInUser;
  let address: string;

  beforeAll(async () => {
    t = await buildTestApp({ OUTBOUND_ALLOW: '127.0.0.1', SSO_ALLOW_HTTP_ISSUERS: 'true', PUBLIC_URL: parleyOrigin });
    acmeIdp = await startFakeIdp({ redirectUris: [callbackUrl] });
    globexIdp = await startFakeIdp({ redirectUris: [callbackUrl] });
    platformAdmin = await registerPlatformAdmin(t.app);
    acmeAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Acme');
    globexAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Globex');
    await createConnection(t.app, platformAdmin, acmeIdp, {
      tenantId: acmeAdmin.tenantId,
      slug: 'acme',
      domains: ['acme.test'],
      roleMapping: [
        { group: 'parley-admins', role: 'tenant_admin' },
        { group: 'support', role: 'operator' },
      ],
      defaultRole: 'member',
    });
    // Globex lets in only people in its 'staff' group.
    await createConnection(t.app, platformAdmin, globexIdp, {
      tenantId: globexAdmin.tenantId,
      slug: 'globex',
      domains: ['globex.test', 'shared.test'],
      roleMapping: [{ group: 'staff', role: 'member' }],
      defaultRole: null,
    });
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await acmeIdp?.close();
    await globexIdp?.close();
    await t?.close();
  });

  const me = (accessToken: string) =>
    t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${accessToken}` } });

  it("creates the user in the connection's tenant with the mapped role on first sign-in", async () => {
    acmeIdp.accounts.set('ann', { email: 'Ann@Acme.test', name: 'Ann Example', groups: ['support'] });
    const response = await signInThroughSso(t.app, 'acme', 'ann');
    expect(response.statusCode, response.body).toBe(303);
    expect(response.headers.location).toBe('/');
    const refresh = response.cookies.find((cookie) => cookie.name === 'parley_refresh');
    expect(refresh).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/v1/auth' });
    const session = await resumeSession(t.app, response);
    expect(session.user).toMatchObject({
      email: 'ann@acme.test',
      role: 'operator',
      displayName: 'Ann Example',
      tenantId: acmeAdmin.tenantId,
    });
    expect((await me(session.accessToken)).json().user.role).toBe('operator');
  });

  it("makes one user when a person's first sign-in finishes twice at once (two tabs), over many rounds", async () => {
    for (let round = 0; round < 6; round += 1) {
      const email = `twin-${round}@acme.test`;
      acmeIdp.accounts.set(`twin-${round}`, { email, groups: [] });
      const [tabA, tabB] = await Promise.all([startSignIn(t.app, 'acme'), startSignIn(t.app, 'acme')]);
      const [backA, backB] = await Promise.all([
        signInAtProvider(tabA.authorizationUrl, `twin-${round}`),
        signInAtProvider(tabB.authorizationUrl, `twin-${round}`),
      ]);
      const first = callback(t.app, backA, tabA.bindingCookie);
      await new Promise((resolve) => setTimeout(resolve, round % 3));
      const answers = await Promise.all([first, callback(t.app, backB, tabB.bindingCookie)]);
      expect(
        answers.map((answer) => answer.statusCode),
        answers[1].body,
      ).toEqual([303, 303]);
      const [a, b] = await Promise.all(answers.map((answer) => resumeSession(t.app, answer)));
      expect(a!.user.id, `round ${round}`).toBe(b!.user.id);
    }
  });

  it('finishes two sign-ins begun in two tabs of one browser: each keeps its own binding cookie', async () => {
    acmeIdp.accounts.set('tabs', { email: 'tabs@acme.test', groups: [] });
    // The browser's cookies for the callback: a later cookie of the same name replaces the earlier one.
    const browser = new Map<string, string>();
    const tabA = await startSignIn(t.app, 'acme');
    const tabB = await startSignIn(t.app, 'acme');
    for (const { bindingCookie } of [tabA, tabB]) {
      const at = bindingCookie.indexOf('=');
      browser.set(bindingCookie.slice(0, at), bindingCookie.slice(at + 1));
    }
    const cookies = [...browser].map(([name, value]) => `${name}=${value}`).join('; ');
    const backA = await signInAtProvider(tabA.authorizationUrl, 'tabs');
    const backB = await signInAtProvider(tabB.authorizationUrl, 'tabs');
    const answerA = await callback(t.app, backA, cookies);
    expect(answerA.statusCode, answerA.body).toBe(303);
    const answerB = await callback(t.app, backB, cookies);
    expect(answerB.statusCode, answerB.body).toBe(303);
    const [a, b] = await Promise.all([resumeSession(t.app, answerA), resumeSession(t.app, answerB)]);
    expect(a.user.id).toBe(b.user.id);
  });

  it('updates name and role from the claims on every sign-in, keeping the same user', async () => {
    acmeIdp.accounts.set('bob', { email: 'bob@acme.test', name: 'Bob', groups: [] });
    const first = await resumeSession(t.app, await signInThroughSso(t.app, 'acme', 'bob'));
    expect(first.user.role).toBe('member');
    acmeIdp.accounts.set('bob', { email: 'bob@acme.test', name: 'Robert', groups: ['support', 'parley-admins'] });
    const second = await resumeSession(t.app, await signInThroughSso(t.app, 'acme', 'bob'));
    expect(second.user).toMatchObject({ id: first.user.id, role: 'tenant_admin', displayName: 'Robert' });
    acmeIdp.accounts.set('bob', { email: 'bob@acme.test', name: 'Robert', groups: ['support'] });
    const third = await resumeSession(t.app, await signInThroughSso(t.app, 'acme', 'bob'));
    expect(third.user).toMatchObject({ id: first.user.id, role: 'operator' });
    // The demotion holds for the sign-in made as an admin too: its token now acts as an operator.
    expect((await me(second.accessToken)).json().user.role).toBe('operator');
  });

  it('keeps the role an administrator gave when the provider sends no groups claim at all (Google)', async () => {
    acmeIdp.accounts.set('hugo', { email: 'hugo@acme.test', name: 'Hugo' });
    const first = await resumeSession(t.app, await signInThroughSso(t.app, 'acme', 'hugo'));
    expect(first.user.role).toBe('member');
    const promoted = await t.app.inject({
      method: 'PATCH',
      url: `/v1/users/${first.user.id}`,
      headers: acmeAdmin.headers,
      payload: { role: 'operator' },
    });
    expect(promoted.statusCode).toBe(200);
    const again = await resumeSession(t.app, await signInThroughSso(t.app, 'acme', 'hugo'));
    expect(again.user).toMatchObject({ id: first.user.id, role: 'operator' });
  });

  it('refuses a person removed from the allowed groups and ends their sessions, API keys and sockets', async () => {
    globexIdp.accounts.set('carol', { email: 'carol@globex.test', name: 'Carol', groups: ['staff'] });
    const session = await resumeSession(t.app, await signInThroughSso(t.app, 'globex', 'carol'));
    expect(session.user).toMatchObject({ role: 'member', tenantId: globexAdmin.tenantId });
    const headers = { authorization: `Bearer ${session.accessToken}` };
    const key = await t.app.inject({ method: 'POST', url: '/v1/api-keys', headers, payload: { name: 'cli' } });
    expect(key.statusCode, key.body).toBe(201);
    const apiKey = key.json<{ key: string }>().key;
    const socket = await openSocket(address, { headers });

    globexIdp.accounts.set('carol', { email: 'carol@globex.test', name: 'Carol', groups: ['contractors'] });
    const refused = await signInThroughSso(t.app, 'globex', 'carol');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toContain('none of the groups this tenant lets in');
    expect(refused.cookies.find((cookie) => cookie.name === 'parley_refresh')).toBeUndefined();

    expect((await me(session.accessToken)).statusCode).toBe(401);
    expect(
      (await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: { authorization: `Bearer ${apiKey}` } }))
        .statusCode,
    ).toBe(401);
    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: session.refreshToken },
      remoteAddress: nextTestAddress(),
    });
    expect(refreshed.statusCode).toBe(401);
    expect((await socket.closed).code).toBe(4001);
    // Disabled the way an administrator disables: the users list says so.
    const listed = await t.app.inject({
      method: 'GET',
      url: `/v1/users/${session.user.id}`,
      headers: globexAdmin.headers,
    });
    expect(listed.json()).toMatchObject({ disabled: true });

    // Back in the group: the provider lets them in again, as the same user, with a new session.
    globexIdp.accounts.set('carol', { email: 'carol@globex.test', name: 'Carol', groups: ['staff'] });
    const again = await resumeSession(t.app, await signInThroughSso(t.app, 'globex', 'carol'));
    expect(again.user).toMatchObject({ id: session.user.id, role: 'member' });
    // What was ended stays ended.
    expect((await me(session.accessToken)).statusCode).toBe(401);
  });

  it('keeps a user an administrator disabled refused, whatever the provider says', async () => {
    globexIdp.accounts.set('dan', { email: 'dan@globex.test', groups: ['staff'] });
    const session = await resumeSession(t.app, await signInThroughSso(t.app, 'globex', 'dan'));
    const disabled = await t.app.inject({
      method: 'PATCH',
      url: `/v1/users/${session.user.id}`,
      headers: globexAdmin.headers,
      payload: { disabled: true },
    });
    expect(disabled.statusCode).toBe(200);
    const refused = await signInThroughSso(t.app, 'globex', 'dan');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toContain('disabled');
  });

  it('never merges an address across tenants: the same email gets its own user in each', async () => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: acmeAdmin.headers,
      payload: { email: 'erin@shared.test', password: testPassword, role: 'operator', displayName: 'Erin at Acme' },
    });
    expect(created.statusCode).toBe(201);
    globexIdp.accounts.set('erin', { email: 'erin@shared.test', name: 'Erin at Globex', groups: ['staff'] });
    const session = await resumeSession(t.app, await signInThroughSso(t.app, 'globex', 'erin'));
    expect(session.user.tenantId).toBe(globexAdmin.tenantId);
    expect(session.user.id).not.toBe(created.json().id);
    const acmeErin = await t.app.inject({
      method: 'GET',
      url: `/v1/users/${created.json().id}`,
      headers: acmeAdmin.headers,
    });
    expect(acmeErin.json()).toMatchObject({ role: 'operator', displayName: 'Erin at Acme', disabled: false });
  });

  it("refuses an address of one tenant's domain at another tenant's provider", async () => {
    globexIdp.accounts.set('intruder', { email: 'ann@acme.test', groups: ['staff'] });
    const refused = await signInThroughSso(t.app, 'globex', 'intruder');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toContain('outside the domains');
  });

  it("refuses a code from another tenant's provider brought back with this tenant's state", async () => {
    acmeIdp.accounts.set('frank', { email: 'frank@acme.test', groups: [] });
    globexIdp.accounts.set('frank', { email: 'frank@acme.test', groups: ['staff'] });
    const atAcme = await startSignIn(t.app, 'acme');
    const atGlobex = await startSignIn(t.app, 'globex');
    const fromGlobex = await signInAtProvider(atGlobex.authorizationUrl, 'frank');
    // Globex's code and issuer, Acme's state and browser binding.
    const crossed = new URL(fromGlobex);
    crossed.searchParams.set('state', atAcme.authorizationUrl.searchParams.get('state')!);
    const refused = await callback(t.app, crossed, atAcme.bindingCookie);
    expect(refused.statusCode).toBeGreaterThanOrEqual(400);
    expect(refused.statusCode).toBeLessThan(500);
    expect(refused.json().detail).toMatch(/another identity provider than the one this sign-in began at/);
    expect(refused.cookies.find((cookie) => cookie.name === 'parley_refresh')).toBeUndefined();
  });

  it('verifies ID tokens signed with a key the provider rotated in, without a restart', async () => {
    acmeIdp.accounts.set('gina', { email: 'gina@acme.test', groups: [] });
    const before = await signInThroughSso(t.app, 'acme', 'gina');
    expect(before.statusCode, before.body).toBe(303);
    const oldKid = acmeIdp.currentKid();
    await acmeIdp.rotateKey();
    expect(acmeIdp.currentKid()).not.toBe(oldKid);
    const after = await signInThroughSso(t.app, 'acme', 'gina');
    expect(after.statusCode, after.body).toBe(303);
    await resumeSession(t.app, after);
  });
});
