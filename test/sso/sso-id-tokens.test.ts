import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { newSigningKey, startScriptedIdp, type ScriptedIdp } from '../fakes/scripted-oidc-provider.js';
import { callbackUrl, createConnection, parleyOrigin, resumeSession, signInThroughScriptedIdp } from './sso-setup.js';

/**
 * The ID token's signature, checked against the provider's JWKS (read through the outbound door,
 * cached, read again for a key it lacks), and its times. The scripted provider signs with whatever key,
 * header and claims a test picks, over plain http as SSO_ALLOW_HTTP_ISSUERS allows: exactly where anyone
 * on the path could hand Parley a token of their own making.
 */
describe("single sign-on: the ID token is verified against the provider's keys", () => {
  let t: TestApp;
  let idp: ScriptedIdp;
  let platformAdmin: SignedInUser;
  let tenantAdmin: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp({ OUTBOUND_ALLOW: '127.0.0.1', SSO_ALLOW_HTTP_ISSUERS: 'true', PUBLIC_URL: parleyOrigin });
    idp = await startScriptedIdp({ redirectUris: [callbackUrl] });
    platformAdmin = await registerPlatformAdmin(t.app);
    tenantAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Keyed');
    await createConnection(t.app, platformAdmin, idp, {
      tenantId: tenantAdmin.tenantId,
      slug: 'keyed',
      domains: ['keyed.test'],
      roleMapping: [{ group: 'admins', role: 'tenant_admin' }],
    });
  });
  afterEach(() => {
    idp.script = undefined;
  });
  afterAll(async () => {
    await idp?.close();
    await t?.close();
  });

  const usersNamed = async (email: string) =>
    (await t.database.executeSql('select id from users where lower(email) = lower($1)', [email])).rows;

  /** A 403 with a sentence, no session, and no account made for the address the token named. */
  const expectRefused = async (response: LightMyRequestResponse, email: string, sentence: RegExp) => {
    expect(response.statusCode, response.body).toBe(403);
    expect(response.json().detail).toMatch(sentence);
    expect(response.cookies.find((cookie) => cookie.name === 'parley_refresh')).toBeUndefined();
    expect(await usersNamed(email)).toEqual([]);
  };

  it("signs in with a token signed by a key of the provider's JWKS, reading the JWKS once for many sign-ins", async () => {
    idp.accounts.set('ann', { email: 'ann@keyed.test', groups: [] });
    const before = idp.jwksRequestCount();
    for (let round = 0; round < 3; round += 1) {
      const response = await signInThroughScriptedIdp(t.app, 'keyed', 'ann');
      expect(response.statusCode, response.body).toBe(303);
    }
    await resumeSession(t.app, await signInThroughScriptedIdp(t.app, 'keyed', 'ann'));
    // Read once, then taken from the cache while it is fresh.
    expect(idp.jwksRequestCount() - before).toBeLessThanOrEqual(1);
    expect(idp.jwksRequestCount()).toBeGreaterThanOrEqual(1);
  });

  it("refuses a token signed with a key outside the provider's JWKS, even one made tenant admin by its claims", async () => {
    idp.accounts.set('mallory', { email: 'mallory@keyed.test', groups: ['admins'] });
    idp.script = { signingKey: newSigningKey() };
    await expectRefused(
      await signInThroughScriptedIdp(t.app, 'keyed', 'mallory'),
      'mallory@keyed.test',
      /No key in the identity provider's JWKS matches/,
    );
  });

  it("refuses a token signed with another key under the kid of the provider's own", async () => {
    idp.accounts.set('mallory', { email: 'mallory@keyed.test', groups: ['admins'] });
    idp.script = { signingKey: newSigningKey(), header: { kid: idp.publishedKey().kid } };
    await expectRefused(
      await signInThroughScriptedIdp(t.app, 'keyed', 'mallory'),
      'mallory@keyed.test',
      /signature does not verify against the identity provider's keys/,
    );
  });

  it('refuses a token that brings its own key in the JWS jwk header', async () => {
    idp.accounts.set('mallory', { email: 'mallory@keyed.test', groups: ['admins'] });
    const attackerKey = newSigningKey();
    for (const kid of [undefined, attackerKey.kid]) {
      idp.script = { signingKey: attackerKey, header: { kid, jwk: attackerKey.publicJwk } };
      const response = await signInThroughScriptedIdp(t.app, 'keyed', 'mallory');
      await expectRefused(response, 'mallory@keyed.test', /JWKS|signature/);
    }
  });

  it('refuses a token issued a day in the future, or not valid until later', async () => {
    idp.accounts.set('tardis', { email: 'tardis@keyed.test', groups: [] });
    const now = Math.floor(Date.now() / 1000);
    idp.script = { claims: { iat: now + 86_400, exp: now + 86_400 + 600 } };
    await expectRefused(
      await signInThroughScriptedIdp(t.app, 'keyed', 'tardis'),
      'tardis@keyed.test',
      /issued in the future or is not yet valid; check the clocks/,
    );
    idp.script = { claims: { nbf: now + 3_600 } };
    const later = await signInThroughScriptedIdp(t.app, 'keyed', 'tardis');
    expect(later.statusCode).toBe(403);
    expect(later.json().detail).toMatch(/not yet valid/);
  });

  it('accepts a token issued a few seconds ahead of this clock (a provider whose clock runs fast)', async () => {
    idp.accounts.set('skew', { email: 'skew@keyed.test', groups: [] });
    idp.script = { claims: { iat: Math.floor(Date.now() / 1000) + 20 } };
    const response = await signInThroughScriptedIdp(t.app, 'keyed', 'skew');
    expect(response.statusCode, response.body).toBe(303);
  });

  it('uses a key the provider rotated in at once, and refuses the key it rotated out', async () => {
    idp.accounts.set('gina', { email: 'gina@keyed.test', groups: [] });
    expect((await signInThroughScriptedIdp(t.app, 'keyed', 'gina')).statusCode).toBe(303);
    const retired = idp.publishedKey();
    idp.rotateKey();
    const before = idp.jwksRequestCount();
    const rotated = await signInThroughScriptedIdp(t.app, 'keyed', 'gina');
    expect(rotated.statusCode, rotated.body).toBe(303);
    // The new kid was not in the cache: the JWKS was read again at once, not after the cache aged.
    expect(idp.jwksRequestCount()).toBe(before + 1);
    idp.script = { signingKey: retired };
    const withRetired = await signInThroughScriptedIdp(t.app, 'keyed', 'gina');
    expect(withRetired.statusCode, withRetired.body).toBe(403);
    expect(withRetired.json().detail).toMatch(/No key in the identity provider's JWKS matches/);
  });
});
