import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { testPassword } from '../harness/actors.js';
import { createTenantWithAdmin, registerPlatformAdmin, signIn, type SignedInUser } from '../harness/tenant-setup.js';
import { startScriptedIdp, type ScriptedIdp } from '../fakes/scripted-oidc-provider.js';
import { callbackUrl, createConnection, parleyOrigin, resumeSession, signInThroughScriptedIdp } from './sso-setup.js';

/**
 * What links a sign-in to an existing password account: the provider's subject, or an address the
 * provider vouches for (the `email` claim, `email_verified` a boolean true or absent). Never a string
 * that says "false", and never another claim a person could set to someone else's address.
 */
describe('single sign-on: linking an existing account', () => {
  let t: TestApp;
  let idp: ScriptedIdp;
  let platformAdmin: SignedInUser;
  let byEmail: SignedInUser;
  let byUpn: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp({ OUTBOUND_ALLOW: '127.0.0.1', SSO_ALLOW_HTTP_ISSUERS: 'true', PUBLIC_URL: parleyOrigin });
    idp = await startScriptedIdp({ redirectUris: [callbackUrl] });
    platformAdmin = await registerPlatformAdmin(t.app);
    byEmail = await createTenantWithAdmin(t.app, platformAdmin, 'By email');
    byUpn = await createTenantWithAdmin(t.app, platformAdmin, 'By upn');
    const roleMapping = [{ group: 'admins', role: 'tenant_admin' as const }];
    await createConnection(t.app, platformAdmin, idp, {
      tenantId: byEmail.tenantId,
      slug: 'by-email',
      domains: ['a.test'],
      roleMapping,
    });
    await createConnection(t.app, platformAdmin, idp, {
      tenantId: byUpn.tenantId,
      slug: 'by-upn',
      domains: ['b.test'],
      roleMapping,
      emailClaim: 'upn',
    });
  });
  afterAll(async () => {
    await idp?.close();
    await t?.close();
  });

  /** A password account made by the tenant's admin, as before the tenant connected its provider. */
  const passwordAccount = async (admin: SignedInUser, email: string, role: 'member' | 'operator') => {
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: admin.headers,
      payload: { email, password: testPassword, role },
    });
    expect(created.statusCode, created.body).toBe(201);
    return created.json<{ id: string }>().id;
  };
  const accountOf = async (admin: SignedInUser, userId: string) =>
    (await t.app.inject({ method: 'GET', url: `/v1/users/${userId}`, headers: admin.headers })).json<{
      role: string;
    }>();
  const identitiesOf = async (userId: string) =>
    (await t.database.executeSql('select subject from sso_identities where user_id = $1', [userId])).rows;

  it('refuses email_verified "false" (a string) and never links the account nor makes it tenant admin', async () => {
    const memberId = await passwordAccount(byEmail, 'pat@a.test', 'member');
    for (const claim of ['false', 'true', 0]) {
      idp.accounts.set('pat-at-idp', { email: 'pat@a.test', email_verified: claim, groups: ['admins'] });
      const refused = await signInThroughScriptedIdp(t.app, 'by-email', 'pat-at-idp');
      expect(refused.statusCode, `email_verified ${JSON.stringify(claim)}`).toBe(403);
      expect(refused.json().detail).toContain('is not verified');
      expect(refused.cookies.find((cookie) => cookie.name === 'parley_refresh')).toBeUndefined();
    }
    expect(await identitiesOf(memberId)).toEqual([]);
    expect(await accountOf(byEmail, memberId)).toMatchObject({ role: 'member' });
  });

  it('links the password account of an address the provider verified (true, or no email_verified at all)', async () => {
    for (const [address, claims] of [
      ['quinn@a.test', { email_verified: true }],
      ['rory@a.test', {}],
    ] as const) {
      const memberId = await passwordAccount(byEmail, address, 'member');
      idp.accounts.set(`idp-${address}`, { email: address, groups: [], ...claims });
      const session = await resumeSession(t.app, await signInThroughScriptedIdp(t.app, 'by-email', `idp-${address}`));
      expect(session.user.id).toBe(memberId);
      expect(await identitiesOf(memberId)).toEqual([{ subject: `idp-${address}` }]);
    }
  });

  it("never links an existing account through a claim other than 'email', whatever the claim says", async () => {
    const operatorId = await passwordAccount(byUpn, 'op@b.test', 'operator');
    idp.accounts.set('impostor', { upn: 'op@b.test', email: 'op@b.test', email_verified: true, groups: ['admins'] });
    const refused = await signInThroughScriptedIdp(t.app, 'by-upn', 'impostor');
    expect(refused.statusCode).toBe(403);
    expect(refused.json().detail).toContain("reads the address from the 'upn' claim");
    expect(refused.json().detail).toContain("links existing accounts only by a verified 'email' claim");
    expect(refused.cookies.find((cookie) => cookie.name === 'parley_refresh')).toBeUndefined();
    expect(await identitiesOf(operatorId)).toEqual([]);
    expect(await accountOf(byUpn, operatorId)).toMatchObject({ role: 'operator' });
    // The operator's own password still opens their account.
    await signIn(t.app, 'op@b.test');
  });

  it('creates a new account from such a claim, and finds it again by its subject', async () => {
    idp.accounts.set('sam', { upn: 'sam@b.test', groups: [] });
    const first = await resumeSession(t.app, await signInThroughScriptedIdp(t.app, 'by-upn', 'sam'));
    expect(first.user).toMatchObject({ email: 'sam@b.test', tenantId: byUpn.tenantId, role: 'member' });
    const again = await resumeSession(t.app, await signInThroughScriptedIdp(t.app, 'by-upn', 'sam'));
    expect(again.user.id).toBe(first.user.id);
  });

  it('refuses a claim people edit themselves (name) as the email claim, with a sentence', async () => {
    const refused = await t.app.inject({
      method: 'POST',
      url: '/v1/sso/connections',
      headers: platformAdmin.headers,
      payload: {
        slug: 'by-name',
        issuerUrl: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
        emailClaim: 'name',
      },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().detail).toContain('people edit themselves');
  });
});
