import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAdministrator } from './support/auth-screens.js';
import {
  browserWaitMs,
  describeInBrowser,
  launchChromium,
  openBrowserSession,
  saveScreenshot,
  type BrowserSession,
} from './support/browser.js';
import { createAgentInConsole, openArea, replies, sendMessage, startChat } from './support/console-screens.js';
import { startE2eServer, type E2eServer } from './support/e2e-server.js';

const admin = { name: 'Cleo Companion', email: 'cleo@example.test', password: 'a long companion password' };

/**
 * Companion features in the console on the offline model: split replies turned on in the agent form
 * answer in two bubbles (the offline answer's two paragraphs), and the Memories page, reached from
 * the chat, lists the fact the message stated.
 */
describeInBrowser('web console companion features', () => {
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

  it('turns split replies and memory on for an agent', async () => {
    const { page } = session;
    await page.goto('/');
    await createAdministrator(page, admin);
    await createAgentInConsole(page, { name: 'Pal', personality: 'You are a friendly pal.', model: 'offline' });
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Pal' }) });
    await row.getByRole('link', { name: /Edit/ }).click();
    const companion = page.getByRole('group', { name: 'Companion features' });
    await companion.getByRole('checkbox', { name: 'Split replies' }).check();
    await companion.getByLabel('Typing ms per character').fill('2');
    await companion.getByRole('checkbox', { name: 'Long-term memory' }).check();
    await saveScreenshot(page, 'companion-settings-desktop-light');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
  });

  it('answers in two bubbles, which stay two after a reload', async () => {
    const { page } = session;
    await startChat(page, 'Pal');
    await sendMessage(page, 'I have a dog called Rex.');
    try {
      await replies(page).nth(1).filter({ hasText: 'This is the built-in offline model' }).waitFor({ timeout: 60_000 });
    } catch (error) {
      await saveScreenshot(page, 'split-replies-failed');
      throw new Error(`two bubbles did not show; replies: ${JSON.stringify(await replies(page).allTextContents())}`, {
        cause: error,
      });
    }
    await expect(replies(page).count()).resolves.toBe(2);
    await expect(replies(page).first().textContent()).resolves.toContain("I can't answer");
    await saveScreenshot(page, 'split-replies-desktop-light');
    await page.reload();
    await replies(page).nth(1).filter({ hasText: 'This is the built-in offline model' }).waitFor();
    await expect(replies(page).count()).resolves.toBe(2);
  }, 120_000);

  it('opens the Memories page from the chat and finds the fact the message stated', async () => {
    const { page } = session;
    await page.getByRole('link', { name: 'Memories' }).click();
    await page.getByRole('heading', { name: 'What Pal remembers about you' }).waitFor();
    // The memory job runs after the turn: reload until it has stored the fact.
    const deadline = Date.now() + 60_000;
    while (!(await page.getByText('Has a dog called Rex').isVisible())) {
      if (Date.now() > deadline) throw new Error('the fact never appeared on the Memories page');
      await page.reload();
      await page.getByRole('heading', { name: 'What Pal remembers about you' }).waitFor({ timeout: browserWaitMs });
    }
    await page.getByRole('button', { name: 'Forget "Has a dog called Rex"' }).click();
    await page.getByText('Pal remembers nothing about you yet.').waitFor();
    await openArea(page, 'Chats');
  }, 120_000);
});
