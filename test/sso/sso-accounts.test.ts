import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, signIn, type SignedInUser } from '../harness/tenant-setup.js';
import { startFakeIdp, type FakeIdp } from '../fakes/fake-oidc-provider.js';
import { callbackUrl, createConnection, parleyOrigin, resumeSession, signInThroughSso } from './sso-setup.js';

/**
 * Which Parley account a single sign-on reaches, and when it must reach none: a platform admin's never,
 * another person's never (the provider's subject decides, not a reused address), and one an administrator
 * disabled not until an administrator says so. The fake provider's account id is its subject (`sub`).
 */
describe('single sign-on: whose account a sign-in reaches', () => {
  let t: TestApp;
  let idp: FakeIdp;
  let platformAdmin: SignedInUser;
  let tenantAdmin: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp({ OUTBOUND_ALLOW: '127.0.0.1', SSO_ALLOW_HTTP_ISSUERS: 'true', PUBLIC_URL: parleyOrigin });
    idp = await startFakeIdp({ redirectUris: [callbackUrl] });
    platformAdmin = await registerPlatformAdmin(t.app);
    tenantAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Umbrella');
    // The platform admin's own tenant signs in through the provider too, for the addresses of its domain.
    await createConnection(t.app, platformAdmin, idp, { slug: 'home', domains: ['example.test'] });
    await createConnection(t.app, platformAdmin, idp, {
      tenantId: tenantAdmin.tenantId,
      slug: 'umbrella',
      domains: ['umbrella.test'],
      roleMapping: [{ group: 'staff', role: 'member' }],
      defaultRole: null,
    });
  });
  afterAll(async () => {
    await idp?.close();
    await t?.close();
  });

  const identitiesOf = async (userId: string) =>
    (await t.database.executeSql('select subject from sso_identities where user_id = $1', [userId])).rows;
  const setDisabled = async (userId: string, disabled: boolean) => {
    const response = await t.app.inject({
      method: 'PATCH',
      url: `/v1/users/${userId}`,
      headers: tenantAdmin.headers,
      payload: { disabled },
    });
    expect(response.statusCode, response.body).toBe(200);
  };

  it("refuses a sign-in as a platform admin's address, and never links their account", async () => {
    // A tenant admin of the platform admin's tenant could point its provider at any address.
    idp.accounts.set('impostor', { email: platformAdmin.email, groups: [] });
    const refused = await signInThroughSso(t.app, 'home', 'impostor');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toContain('platform admins sign in with their password');
    expect(refused.cookies.find((cookie) => cookie.name === 'parley_refresh')).toBeUndefined();
    expect(await identitiesOf(platformAdmin.userId)).toEqual([]);
    // Their password still works, and their account is as it was.
    const again = await signIn(t.app, platformAdmin.email);
    const me = await t.app.inject({ method: 'GET', url: '/v1/auth/me', headers: again.headers });
    expect(me.json().user).toMatchObject({ id: platformAdmin.userId, role: 'platform_admin' });
  });

  it('refuses a new account at the provider that reuses an address of an existing user, with a sentence', async () => {
    idp.accounts.set('ann-2019', { email: 'ann@umbrella.test', groups: ['staff'] });
    const first = await resumeSession(t.app, await signInThroughSso(t.app, 'umbrella', 'ann-2019'));
    // Ann left; the provider gave her address to a new person, with another subject.
    idp.accounts.set('ann-2025', { email: 'ann@umbrella.test', groups: ['staff'] });
    const refused = await signInThroughSso(t.app, 'umbrella', 'ann-2025');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toContain('ask an administrator');
    expect(refused.cookies.find((cookie) => cookie.name === 'parley_refresh')).toBeUndefined();
    expect(await identitiesOf(first.user.id)).toEqual([{ subject: 'ann-2019' }]);
    // Nor does the newcomer's missing group disable the account that is not theirs.
    idp.accounts.set('ann-2025', { email: 'ann@umbrella.test', groups: [] });
    expect((await signInThroughSso(t.app, 'umbrella', 'ann-2025')).statusCode).toBe(403);
    const stillIn = await resumeSession(t.app, await signInThroughSso(t.app, 'umbrella', 'ann-2019'));
    expect(stillIn.user.id).toBe(first.user.id);
  });

  it("finds the account by the provider's subject when the address changed there", async () => {
    idp.accounts.set('ben', { email: 'ben@umbrella.test', groups: ['staff'] });
    const first = await resumeSession(t.app, await signInThroughSso(t.app, 'umbrella', 'ben'));
    idp.accounts.set('ben', { email: 'benjamin@umbrella.test', groups: ['staff'] });
    const again = await resumeSession(t.app, await signInThroughSso(t.app, 'umbrella', 'ben'));
    expect(again.user.id).toBe(first.user.id);
  });

  it('keeps refused a user the provider removed whom an administrator then enabled and disabled again', async () => {
    idp.accounts.set('cid', { email: 'cid@umbrella.test', groups: ['staff'] });
    const session = await resumeSession(t.app, await signInThroughSso(t.app, 'umbrella', 'cid'));
    idp.accounts.set('cid', { email: 'cid@umbrella.test', groups: [] });
    expect((await signInThroughSso(t.app, 'umbrella', 'cid')).statusCode).toBe(403);
    await setDisabled(session.user.id, false);
    await setDisabled(session.user.id, true);
    idp.accounts.set('cid', { email: 'cid@umbrella.test', groups: ['staff'] });
    const refused = await signInThroughSso(t.app, 'umbrella', 'cid');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toContain('disabled: ask an administrator to enable it');
  });

  it('keeps refused a user the provider removed whom an administrator disabled too', async () => {
    idp.accounts.set('dee', { email: 'dee@umbrella.test', groups: ['staff'] });
    const session = await resumeSession(t.app, await signInThroughSso(t.app, 'umbrella', 'dee'));
    idp.accounts.set('dee', { email: 'dee@umbrella.test', groups: [] });
    expect((await signInThroughSso(t.app, 'umbrella', 'dee')).statusCode).toBe(403);
    await setDisabled(session.user.id, true);
    idp.accounts.set('dee', { email: 'dee@umbrella.test', groups: ['staff'] });
    const refused = await signInThroughSso(t.app, 'umbrella', 'dee');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toContain('disabled: ask an administrator to enable it');
    // Once an administrator enables them, the provider's word counts again.
    await setDisabled(session.user.id, false);
    const back = await resumeSession(t.app, await signInThroughSso(t.app, 'umbrella', 'dee'));
    expect(back.user.id).toBe(session.user.id);
  });
});
