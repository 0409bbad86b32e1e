import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { accessibilityProblems } from './support/accessibility.js';
import { describeInBrowser, launchChromium, openBrowserSession, type BrowserSession } from './support/browser.js';
import { startE2eServer, type E2eServer } from './support/e2e-server.js';
import { openShopWithWidget, type ShopWithWidget } from './support/shop-with-widget.js';

describeInBrowser('the widget on another site: the AI answers from knowledge, then a person is asked for', () => {
  let server: E2eServer;
  let shop: ShopWithWidget;
  let siteUrl: string;
  let browser: Browser;
  let visitor: BrowserSession;

  beforeAll(async () => {
    server = await startE2eServer();
    shop = await openShopWithWidget(server.app, server.baseUrl);
    siteUrl = shop.siteUrl;
    browser = await launchChromium();
    visitor = await openBrowserSession(browser, siteUrl, { viewport: 'phone' });
  }, 180_000);
  afterAll(async () => {
    await visitor?.close();
    await browser?.close();
    await shop?.close();
    await server?.close();
  }, 120_000);

  it('answers from the knowledge source, hands over on request, and keeps the conversation across a reload', async () => {
    const { page } = visitor;
    await page.goto(siteUrl);
    await page.getByRole('button', { name: 'Open support chat' }).click();
    const panel = page.frameLocator('iframe[title="Support chat"]');
    await panel.getByRole('textbox', { name: 'Write a message…' }).fill('How many days do I have to return a parcel?');
    await panel.getByRole('textbox', { name: 'Write a message…' }).press('Enter');
    await expect
      .poll(() => panel.locator('.message.ai').last().textContent(), { timeout: 30_000 })
      .toContain('30 days');
    await panel.getByRole('button', { name: 'Talk to a person' }).click();
    await expect
      .poll(() => panel.getByRole('status').textContent(), { timeout: 15_000 })
      .toContain('Waiting for a person');

    // The panel as the visitor sees it now (messages, status line, buttons): axe finds no WCAG 2.1 A/AA problem.
    const panelFrame = page.frames().find((frame) => frame.url().includes('/widget/panel'));
    expect(await accessibilityProblems(panelFrame!)).toEqual([]);
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.reload();
    await page.getByRole('button', { name: 'Open support chat' }).click();
    await expect
      .poll(() => panel.locator('.message.contact').first().textContent(), { timeout: 15_000 })
      .toContain('return a parcel');
    expect(visitor.consoleProblems).toEqual([]);
  }, 120_000);

  it('works for the page when the browser refuses the panel storage, and says so', async () => {
    const refusing = await openBrowserSession(browser, siteUrl, { viewport: 'phone' });
    try {
      // As Chromium does for a third-party frame whose storage is blocked: any use of localStorage throws.
      await refusing.context.addInitScript((parleyOrigin: string) => {
        if (location.origin !== parleyOrigin) return;
        Object.defineProperty(window, 'localStorage', {
          get() {
            throw new DOMException('Access is denied for this document.', 'SecurityError');
          },
        });
      }, server.baseUrl);
      await refusing.page.goto(siteUrl);
      await refusing.page.getByRole('button', { name: 'Open support chat' }).click();
      const panel = refusing.page.frameLocator('iframe[title="Support chat"]');
      await expect
        .poll(() => panel.getByRole('status').first().textContent(), { timeout: 15_000 })
        .toContain('lasts only while this page is open');
      const composer = panel.getByRole('textbox', { name: 'Write a message…' });
      await composer.fill('How many days do I have to return a parcel?');
      await composer.press('Enter');
      await expect
        .poll(() => panel.locator('.message.ai').last().textContent(), { timeout: 30_000 })
        .toContain('30 days');
      expect(refusing.consoleProblems).toEqual([]);
    } finally {
      await refusing.close();
    }
  }, 120_000);

  it('sends a message written before the session is there once it is (a slow network, a busy server)', async () => {
    const early = await openBrowserSession(browser, siteUrl, { viewport: 'phone' });
    try {
      // The session's answer is held back until the visitor has written and sent.
      let answerSession = () => {};
      const isSent = new Promise<void>((resolve) => (answerSession = resolve));
      await early.page.route('**/v1/widget/inboxes/*/sessions', async (route) => {
        await isSent;
        await route.continue();
      });
      await early.page.goto(siteUrl);
      await early.page.getByRole('button', { name: 'Open support chat' }).click();
      const panel = early.page.frameLocator('iframe[title="Support chat"]');
      await panel
        .getByRole('textbox', { name: 'Write a message…' })
        .fill('How many days do I have to return a parcel?');
      await panel.getByRole('textbox', { name: 'Write a message…' }).press('Enter');
      answerSession();
      await expect
        .poll(() => panel.locator('.message.ai').last().textContent(), { timeout: 30_000 })
        .toContain('30 days');
      await expect.poll(() => panel.locator('.message.contact').count()).toBe(1);
      expect(early.consoleProblems).toEqual([]);
    } finally {
      await early.close();
    }
  }, 120_000);
});
