import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { startFakeIdp, type FakeIdp } from '../fakes/fake-oidc-provider.js';
import { signOut, waitUntilSignedIn } from './support/auth-screens.js';
import { browserWaitMs, describeInBrowser, saveScreenshot } from './support/browser.js';
import { openArea } from './support/console-screens.js';
import { openAdministratorConsole, type AdministratorConsole } from './support/administrator-console.js';

const admin = { name: 'Ada Admin', email: 'ada@example.test', password: 'a long admin password' };

/** The provider's own sign-in page (oidc-provider's development page: any login names the account). */
async function signInAtProvider(page: Page, login: string): Promise<void> {
  await page.locator('input[name="login"]').waitFor({ timeout: browserWaitMs });
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

describeInBrowser('web console: single sign-on through a real OpenID provider', () => {
  let ui: AdministratorConsole;
  let idp: FakeIdp;

  beforeAll(async () => {
    ui = await openAdministratorConsole({ OUTBOUND_ALLOW: '127.0.0.1', SSO_ALLOW_HTTP_ISSUERS: 'true' }, admin);
    const baseUrl = ui.server.baseUrl;
    idp = await startFakeIdp({
      redirectUris: [`${baseUrl}/v1/sso/callback`],
      postLogoutRedirectUris: [`${baseUrl}/`],
    });
    idp.accounts.set('ann', { email: 'ann@acme.test', name: 'Ann Operator', groups: ['support'] });
    idp.accounts.set('bob', { email: 'bob@acme.test', name: 'Bob Admin', groups: ['parley-admins'] });
  }, 60_000);
  afterAll(async () => {
    await ui?.close();
    await idp?.close();
  });

  const roleOf = async (email: string) => {
    const { rows } = await ui.server.database.executeSql('select role from users where email = $1', [email]);
    return (rows[0] as { role: string } | undefined)?.role;
  };

  it('an admin connects the provider and tests it; people sign in through it with their mapped roles', async () => {
    const { page } = ui.session;
    await openArea(page, 'Administration');
    await page.getByRole('link', { name: 'Single sign-on' }).click();
    await page.getByRole('heading', { name: 'Single sign-on' }).waitFor();
    await page.getByLabel('Issuer URL').fill(idp.issuer);
    await page.getByLabel('Client ID').fill(idp.clientId);
    await page.getByLabel('Client secret').fill(idp.clientSecret);
    await page.getByLabel('Sign-in name').fill('acme');
    await page.getByLabel('Allowed email domains').fill('acme.test');
    await page.getByLabel('Scopes').fill('openid email profile groups');
    await page.getByLabel('Role mapping').fill('parley-admins = tenant_admin\nsupport = operator');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: browserWaitMs });
    await page.getByRole('button', { name: 'Test the connection' }).click();
    await expect
      .poll(() => page.getByTestId('sso-test-result').textContent(), { timeout: browserWaitMs })
      .toContain('Found the identity provider');
    // The secret never comes back to the page.
    expect(await page.content()).not.toContain(idp.clientSecret);
    await saveScreenshot(page, 'sso-settings-desktop-light');
    await signOut(page);

    // Email first: no password, the address's domain leads to the provider.
    await page.getByLabel('Email').fill('ann@acme.test');
    await page.getByLabel('Email').blur();
    await page.getByRole('button', { name: 'Continue with single sign-on' }).click();
    await signInAtProvider(page, 'ann');
    await waitUntilSignedIn(page);
    await page.getByText('Ann Operator').first().waitFor({ timeout: browserWaitMs });
    expect(new URL(page.url()).origin).toBe(ui.server.baseUrl);
    expect(await roleOf('ann@acme.test')).toBe('operator');
    // An operator sees no Administration.
    expect(await page.getByRole('link', { name: 'Administration' }).count()).toBe(0);

    // Signing out of a single sign-on ends it at the provider too, then comes back to Parley.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click({ timeout: browserWaitMs });
    await page.getByRole('heading', { name: 'Sign in to Parley' }).waitFor({ timeout: browserWaitMs });

    // ?tenant=slug goes straight to the tenant's provider.
    await page.goto('/?tenant=acme');
    await signInAtProvider(page, 'bob');
    await waitUntilSignedIn(page);
    await page.getByText('Bob Admin').first().waitFor({ timeout: browserWaitMs });
    expect(await roleOf('bob@acme.test')).toBe('tenant_admin');
    await page.getByRole('link', { name: 'Administration' }).first().waitFor({ timeout: browserWaitMs });

    // A tenant admin sees the connection's email domains, but only a platform admin may change them.
    await openArea(page, 'Administration');
    await page.getByRole('link', { name: 'Single sign-on' }).click();
    const domains = page.getByLabel('Allowed email domains');
    await expect.poll(() => domains.inputValue(), { timeout: browserWaitMs }).toBe('acme.test');
    expect(await domains.isEditable()).toBe(false);
  }, 120_000);
});
