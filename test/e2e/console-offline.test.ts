import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAdministrator, signIn, signOut, waitUntilSignedIn } from './support/auth-screens.js';
import {
  describeInBrowser,
  launchChromium,
  openBrowserSession,
  saveScreenshot,
  type BrowserSession,
} from './support/browser.js';
import { startE2eServer, type E2eServer } from './support/e2e-server.js';

const admin = { name: 'Ada Admin', email: 'ada@example.test', password: 'a long admin password' };

describeInBrowser('web console on the built-in offline model', () => {
  let server: E2eServer;
  let browser: Browser;
  let session: BrowserSession;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer(), launchChromium()]);
    session = await openBrowserSession(browser, server.baseUrl);
  });
  afterAll(async () => {
    await session?.close();
    await browser?.close();
    await server?.close();
  });

  it('creates the administrator on first run and signs them in', async () => {
    const { page } = session;
    await page.goto('/');
    await page.getByRole('heading', { name: 'Create the administrator' }).waitFor();
    await saveScreenshot(page, 'first-run-desktop-light');
    await createAdministrator(page, admin);
    await expect(page.getByText(admin.name).textContent()).resolves.toBe(admin.name);
  });

  it('keeps the session across a reload, signs out, and signs back in', async () => {
    const { page } = session;
    await page.reload();
    await waitUntilSignedIn(page);
    await signOut(page);
    await saveScreenshot(page, 'sign-in-desktop-light');
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
    await signIn(page, admin);
  });

  it('logs no console errors along the way', () => {
    expect(session.consoleProblems).toEqual([]);
  });
});
