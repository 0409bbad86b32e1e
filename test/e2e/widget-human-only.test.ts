import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { testPassword } from '../harness/actors.js';
import { signIn } from './support/auth-screens.js';
import { describeInBrowser, launchChromium, openBrowserSession, saveScreenshot } from './support/browser.js';
import { openArea } from './support/console-screens.js';
import { startE2eServer, type E2eServer } from './support/e2e-server.js';
import { openShopWithWidget, type ShopWithWidget } from './support/shop-with-widget.js';

/** The snippet's opt-in for the title flash (loader.js); the test fails with it left out. */
const titleFlash = ' data-title-flash';

describeInBrowser('a human-only inbox asks what the visitor wants, and the queue shows it', () => {
  let server: E2eServer;
  let shop: ShopWithWidget;
  let browser: Browser;

  beforeAll(async () => {
    server = await startE2eServer();
    // The shop asks for the title flash (opt-in): a visitor on another tab sees that a person answered.
    shop = await openShopWithWidget(server.app, server.baseUrl, { agentId: null, name: 'People only' }, titleFlash);
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await shop?.close();
    await server?.close();
  }, 120_000);

  it('asks before anything is queued; the first message is the queue row’s line; a reply flashes the title (opt-in)', async () => {
    const visitor = await openBrowserSession(browser, shop.siteUrl, { viewport: 'phone' });
    const operator = await openBrowserSession(browser, server.baseUrl);
    try {
      const { page } = visitor;
      // The shop's tab is in the background (another tab in front), as far as its page can tell.
      await visitor.context.addInitScript((shopOrigin: string) => {
        if (location.origin === shopOrigin) Object.defineProperty(document, 'hidden', { get: () => true });
      }, shop.siteUrl);
      await page.goto(shop.siteUrl);
      await page.getByRole('button', { name: 'Open support chat' }).click();
      const panel = page.frameLocator('iframe[title="Support chat"]');
      await expect
        .poll(() => panel.locator('.message.system').first().textContent(), { timeout: 15_000 })
        .toBe('What can we help you with?');
      // Nothing is queued yet: no "waiting" line, no conversation.
      expect(await panel.locator('#status').textContent()).toBe('');
      const composer = panel.getByRole('textbox', { name: 'Write a message…' });
      await composer.fill('My parcel 1234 never arrived');
      await composer.press('Enter');
      await expect
        .poll(() => panel.getByRole('status').textContent(), { timeout: 15_000 })
        .toContain('Waiting for a person');

      await operator.page.goto('/');
      await signIn(operator.page, { email: shop.admin.email, password: testPassword });
      await openArea(operator.page, 'Inbox');
      await expect
        .poll(() => operator.page.locator('.queue-summary').first().textContent(), { timeout: 15_000 })
        .toBe('My parcel 1234 never arrived');
      await saveScreenshot(operator.page, 'queue-human-only-topic');

      // The visitor closes the panel; a person takes the conversation and answers: the title flashes once.
      await panel.getByRole('button', { name: 'Close' }).click();
      // Closed as far as the loader knows (an unread message flashes only then), and taken before the reply:
      // on a busy machine a reply sent while the take is still on its way is refused.
      await expect.poll(() => page.locator('iframe[title="Support chat"]').isVisible()).toBe(false);
      expect(await page.title()).toBe('Shop');
      await operator.page.locator('.queue-summary', { hasText: 'My parcel 1234' }).click();
      await operator.page.getByRole('button', { name: 'Take', exact: true }).click();
      await operator.page
        .getByRole('log', { name: 'Conversation with the contact' })
        .getByText(/took the conversation/)
        .waitFor();
      await operator.page.getByRole('combobox', { name: 'Reply' }).fill('We are sending a new parcel today.');
      await operator.page.getByRole('button', { name: 'Send' }).click();
      await expect.poll(() => page.title(), { timeout: 15_000 }).toBe('(1) Shop');
      await expect.poll(() => page.title(), { timeout: 10_000 }).toBe('Shop');
      expect(visitor.consoleProblems).toEqual([]);
      expect(operator.consoleProblems).toEqual([]);
    } finally {
      await visitor.close();
      await operator.close();
    }
  }, 120_000);
});
