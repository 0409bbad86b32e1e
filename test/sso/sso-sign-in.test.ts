import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { startFakeIdp, type FakeIdp } from '../fakes/fake-oidc-provider.js';
import { callbackUrl, createConnection, resumeSession, signInThroughSso } from './sso-setup.js';

describe('single sign-on: provisioning and roles', () => {
  let t: TestApp;
  let idp: FakeIdp;
  let admin: SignedInUser;

  beforeAll(async () => {
    t = await buildTestApp({ OUTBOUND_ALLOW: '127.0.0.1', SSO_ALLOW_HTTP_ISSUERS: 'true' });
    idp = await startFakeIdp({ redirectUris: [callbackUrl] });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Acme');
    await createConnection(t.app, admin, idp, {
      slug: 'acme',
      domains: ['acme.test'],
      roleMapping: [
        { group: 'parley-admins', role: 'tenant_admin' },
        { group: 'support', role: 'operator' },
      ],
      defaultRole: 'member',
    });
  });
  afterAll(async () => {
    await idp?.close();
    await t?.close();
  });

  it("creates the user in the connection's tenant with the mapped role on first sign-in", async () => {
    idp.accounts.set('ann', { email: 'ann@acme.test', name: 'Ann Example', groups: ['support'] });
    const response = await signInThroughSso(t.app, 'acme', 'ann');
    expect(response.statusCode, response.body).toBe(303);
    expect(response.headers.location).toBe('/');
    const session = await resumeSession(t.app, response);
    expect(session.user).toMatchObject({ email: 'ann@acme.test', role: 'operator', displayName: 'Ann Example', tenantId: admin.tenantId });
  });
});
