import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAdministrator } from './support/auth-screens.js';
import { describeInBrowser, launchChromium, openBrowserSession, type BrowserSession } from './support/browser.js';
import { chatHistory, openArea, sendMessage, waitForFinishedReply } from './support/console-screens.js';
import { startE2eServer, type E2eServer } from './support/e2e-server.js';

const admin = { name: 'Fay First', email: 'fay@example.test', password: 'a long first-run password' };
const question = 'Hello, are you there?';
// The built-in offline model explains how to configure a real one (src/ai/offline-model.ts).
const offlineReplyStart = `I can't answer "${question}" because no language model is configured`;

/** A newcomer's first minute: a fresh server, the administrator, New chat, a reply; no error in the console. */
describeInBrowser('the console on a fresh server', () => {
  let server: E2eServer;
  let browser: Browser;
  let session: BrowserSession;

  beforeAll(async () => {
    // The product's defaults: the server gives the first tenant its agent (DEFAULT_AGENT=on).
    [server, browser] = await Promise.all([startE2eServer({ DEFAULT_AGENT: 'on' }), launchChromium()]);
    session = await openBrowserSession(browser, server.baseUrl);
  }, 180_000);
  afterAll(async () => {
    await session?.close();
    await browser?.close();
    await server?.close();
  });

  it('chats right after the administrator is created, with the agent the server made', async () => {
    const { page } = session;
    await page.goto('/');
    await page.getByRole('heading', { name: 'Create the administrator' }).waitFor();
    await createAdministrator(page, admin);
    await openArea(page, 'Chats');
    await page.getByRole('button', { name: 'New chat' }).click();
    const panel = page.getByRole('form', { name: 'New chat' });
    await expect(panel.getByLabel('Agent').locator('option:checked').textContent()).resolves.toBe('Assistant');
    await panel.getByRole('button', { name: 'Start chat' }).click();
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    await chatHistory(page).waitFor();
    await sendMessage(page, question);
    await waitForFinishedReply(page, 0, offlineReplyStart);
  });

  it('offers to create an agent on the spot when there is none, and chats with it', async () => {
    const { page } = session;
    const signedIn = await server.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: admin.email, password: admin.password },
    });
    const headers = { authorization: `Bearer ${signedIn.json().accessToken as string}` };
    const agents = await server.app.inject({ method: 'GET', url: '/v1/agents', headers });
    for (const agent of agents.json().items as { id: string }[]) {
      const removed = await server.app.inject({ method: 'DELETE', url: `/v1/agents/${agent.id}`, headers });
      expect(removed.statusCode).toBe(204);
    }
    await page.reload();
    await openArea(page, 'Chats');
    await page.getByRole('button', { name: 'New chat' }).click();
    const offer = page.getByRole('group', { name: 'New chat' });
    await offer.getByText('There are no agents to chat with yet.').waitFor();
    await offer.getByRole('button', { name: 'Create an assistant and chat' }).click();
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    await sendMessage(page, question);
    await waitForFinishedReply(page, 0, offlineReplyStart);
  });

  it('logged no error in the browser console along the way, the first load included', () => {
    expect(session.consoleProblems).toEqual([]);
  });
});
