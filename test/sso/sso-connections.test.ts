import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  nextTestAddress,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { startFakeIdp, type FakeIdp } from '../fakes/fake-oidc-provider.js';
import { callbackUrl, createConnection, parleyOrigin, signInThroughSso } from './sso-setup.js';

/**
 * Managing a tenant's SSO connection: who may change what (email domains are a platform admin's), each
 * domain leading to one tenant even under concurrent saves, and the client secret never coming back.
 */
describe('single sign-on: connections', () => {
  let t: TestApp;
  let idp: FakeIdp;
  let platformAdmin: SignedInUser;
  let admin: SignedInUser;
  let other: SignedInUser;
  let connectionId: string;

  beforeAll(async () => {
    t = await buildTestApp({ OUTBOUND_ALLOW: '127.0.0.1', SSO_ALLOW_HTTP_ISSUERS: 'true', PUBLIC_URL: parleyOrigin });
    idp = await startFakeIdp({ redirectUris: [callbackUrl] });
    platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Initech');
    other = await createTenantWithAdmin(t.app, platformAdmin, 'Other');
    connectionId = (
      await createConnection(t.app, platformAdmin, idp, {
        tenantId: admin.tenantId,
        slug: 'initech',
        domains: ['initech.test'],
      })
    ).id;
  });
  afterAll(async () => {
    await idp?.close();
    await t?.close();
  });

  const discover = async (payload: { email: string } | { tenant: string }) =>
    (await t.app.inject({ method: 'POST', url: '/v1/sso/discover', payload, remoteAddress: nextTestAddress() })).json<{
      sso: boolean;
    }>();

  describe('email domains', () => {
    it("refuses a tenant admin's domains with a 403 that says to ask a platform admin, and lets them manage the rest", async () => {
      const squatter = await createTenantWithAdmin(t.app, platformAdmin, 'Squatter');
      const payload = {
        slug: 'squatter',
        issuerUrl: idp.issuer,
        clientId: idp.clientId,
        clientSecret: idp.clientSecret,
      };
      const withDomains = await t.app.inject({
        method: 'POST',
        url: '/v1/sso/connections',
        headers: squatter.headers,
        payload: { ...payload, allowedDomains: ['gmail.test'] },
      });
      expect(withDomains.statusCode).toBe(403);
      expect(withDomains.json().detail).toContain('ask a platform admin');
      expect((await discover({ email: 'anyone@gmail.test' })).sso).toBe(false);

      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/sso/connections',
        headers: squatter.headers,
        payload,
      });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json().allowedDomains).toEqual([]);
      const url = `/v1/sso/connections/${created.json().id as string}`;
      const patch = (headers: Record<string, string>, body: Record<string, unknown>) =>
        t.app.inject({ method: 'PATCH', url, headers, payload: body });

      const changed = await patch(squatter.headers, { allowedDomains: ['gmail.test'] });
      expect(changed.statusCode).toBe(403);
      expect(changed.json().detail).toContain('ask a platform admin');
      expect((await patch(squatter.headers, { clientId: idp.clientId, scopes: 'openid email' })).statusCode).toBe(200);
      expect((await discover({ email: 'anyone@gmail.test' })).sso).toBe(false);
      // Without domains, people still begin at the tenant's slug, whatever their address.
      expect((await discover({ tenant: 'squatter' })).sso).toBe(true);
      idp.accounts.set('sam', { email: 'sam@squatter-corp.test' });
      const signedIn = await signInThroughSso(t.app, 'squatter', 'sam');
      expect(signedIn.statusCode, signedIn.body).toBe(303);

      // A platform admin sets them; the tenant admin may send them back unchanged (a form sends every field).
      expect((await patch(platformAdmin.headers, { allowedDomains: ['squatter-corp.test'] })).statusCode).toBe(200);
      expect((await discover({ email: 'sam@squatter-corp.test' })).sso).toBe(true);
      const unchanged = await patch(squatter.headers, { allowedDomains: ['squatter-corp.test'], ssoRequired: false });
      expect(unchanged.statusCode, unchanged.body).toBe(200);
      expect((await patch(squatter.headers, { allowedDomains: [] })).statusCode).toBe(403);
    });

    it('gives a domain to exactly one of two tenants whose connections claim it at the same moment, over many rounds', async () => {
      const [first, second] = await Promise.all([
        createTenantWithAdmin(t.app, platformAdmin, 'Race one'),
        createTenantWithAdmin(t.app, platformAdmin, 'Race two'),
      ]);
      for (let round = 0; round < 8; round += 1) {
        const claim = (tenantId: string, slug: string) =>
          t.app.inject({
            method: 'POST',
            url: '/v1/sso/connections',
            headers: platformAdmin.headers,
            payload: {
              tenantId,
              slug,
              issuerUrl: idp.issuer,
              clientId: 'c',
              clientSecret: 's',
              allowedDomains: [`race-${round}.test`],
            },
          });
        const firstClaim = claim(first.tenantId, `race-one-${round}`);
        await new Promise((resolve) => setTimeout(resolve, round % 3));
        const answers = await Promise.all([firstClaim, claim(second.tenantId, `race-two-${round}`)]);
        expect(answers.map((answer) => answer.statusCode).sort(), `round ${round}`).toEqual([201, 409]);
        for (const answer of answers.filter((each) => each.statusCode === 201)) {
          const removed = await t.app.inject({
            method: 'DELETE',
            url: `/v1/sso/connections/${answer.json().id as string}`,
            headers: platformAdmin.headers,
          });
          expect(removed.statusCode).toBe(204);
        }
      }
    });
  });

  describe('managing a connection', () => {
    it('never returns the client secret, and stores it encrypted', async () => {
      const got = await t.app.inject({
        method: 'GET',
        url: `/v1/sso/connections/${connectionId}`,
        headers: admin.headers,
      });
      expect(got.statusCode).toBe(200);
      expect(got.body).not.toContain(idp.clientSecret);
      expect(got.json()).toMatchObject({ hasClientSecret: true, slug: 'initech', allowedDomains: ['initech.test'] });
      const { rows } = await t.database.executeSql('select client_secret_sealed from sso_connections where id = $1', [
        connectionId,
      ]);
      const sealed = (rows[0] as { client_secret_sealed: string }).client_secret_sealed;
      expect(sealed.startsWith('v1.')).toBe(true);
      expect(sealed).not.toContain(idp.clientSecret);
    });

    it("answers 404 for another tenant's connection, and lets a platform admin manage any tenant's", async () => {
      for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
        const response = await t.app.inject({
          method,
          url: `/v1/sso/connections/${connectionId}`,
          headers: other.headers,
          ...(method === 'PATCH' && { payload: { ssoRequired: true } }),
        });
        expect(response.statusCode).toBe(404);
      }
      const listed = await t.app.inject({ method: 'GET', url: '/v1/sso/connections', headers: other.headers });
      expect(listed.json()).toEqual({ items: [] });
      const asPlatform = await t.app.inject({
        method: 'GET',
        url: `/v1/sso/connections?tenantId=${admin.tenantId}`,
        headers: platformAdmin.headers,
      });
      expect(asPlatform.json().items).toHaveLength(1);
      const forOther = await t.app.inject({
        method: 'POST',
        url: '/v1/sso/connections',
        headers: platformAdmin.headers,
        payload: {
          tenantId: other.tenantId,
          slug: 'other',
          issuerUrl: idp.issuer,
          clientId: idp.clientId,
          clientSecret: 's',
          allowedDomains: ['other.test'],
        },
      });
      expect(forOther.statusCode, forOther.body).toBe(201);
      expect(forOther.json().tenantId).toBe(other.tenantId);
      const namingOther = await t.app.inject({
        method: 'POST',
        url: '/v1/sso/connections',
        headers: admin.headers,
        payload: {
          tenantId: other.tenantId,
          slug: 'x',
          issuerUrl: idp.issuer,
          clientId: 'c',
          clientSecret: 's',
          allowedDomains: ['x.test'],
        },
      });
      expect(namingOther.statusCode).toBe(404);
    });

    it("refuses a domain another tenant's connection already claims, and a taken slug", async () => {
      const tenant = await createTenantWithAdmin(t.app, platformAdmin, 'Claimer');
      const payload = { issuerUrl: idp.issuer, clientId: 'c', clientSecret: 's' };
      const domainTaken = await t.app.inject({
        method: 'POST',
        url: '/v1/sso/connections',
        headers: platformAdmin.headers,
        payload: { ...payload, tenantId: tenant.tenantId, slug: 'claimer', allowedDomains: ['initech.test'] },
      });
      expect(domainTaken.statusCode).toBe(409);
      expect(domainTaken.json().detail).toContain('initech.test');
      const slugTaken = await t.app.inject({
        method: 'POST',
        url: '/v1/sso/connections',
        headers: tenant.headers,
        payload: { ...payload, slug: 'Initech' },
      });
      expect(slugTaken.statusCode).toBe(409);
    });

    it('tests a connection: what discovery found, or what is wrong in a sentence', async () => {
      const ok = await t.app.inject({
        method: 'POST',
        url: `/v1/sso/connections/${connectionId}/test`,
        headers: admin.headers,
      });
      expect(ok.json()).toMatchObject({ ok: true, issuer: idp.issuer, supportsEndSession: true });
      const broken = await t.app.inject({
        method: 'PATCH',
        url: `/v1/sso/connections/${connectionId}`,
        headers: admin.headers,
        payload: { issuerUrl: 'http://127.0.0.1:9' },
      });
      expect(broken.statusCode).toBe(200);
      const failed = await t.app.inject({
        method: 'POST',
        url: `/v1/sso/connections/${connectionId}/test`,
        headers: admin.headers,
      });
      expect(failed.statusCode).toBe(200);
      expect(failed.json()).toMatchObject({ ok: false });
      expect(failed.json().message).toContain('could not be reached');
      await t.app.inject({
        method: 'PATCH',
        url: `/v1/sso/connections/${connectionId}`,
        headers: admin.headers,
        payload: { issuerUrl: idp.issuer },
      });
    });

    it('refuses an http issuer unless the operator allows them', async () => {
      const strict = await buildTestApp({ OUTBOUND_ALLOW: '127.0.0.1' }, { sharedDatabase: undefined });
      try {
        const first = await registerPlatformAdmin(strict.app);
        await createConnection(strict.app, first, idp, { slug: 'strict', domains: ['strict.test'] });
        const begun = await strict.app.inject({
          method: 'GET',
          url: '/v1/sso/start/strict',
          remoteAddress: nextTestAddress(),
        });
        expect(begun.statusCode).toBe(422);
        expect(begun.json().detail).toContain('SSO_ALLOW_HTTP_ISSUERS');
      } finally {
        await strict.close();
      }
    });
  });
});
