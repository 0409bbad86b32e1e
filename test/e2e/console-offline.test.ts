import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAdministrator, signIn, signOut, waitUntilSignedIn } from './support/auth-screens.js';
import {
  browserWaitMs,
  describeInBrowser,
  launchChromium,
  openBrowserSession,
  saveScreenshot,
  type BrowserSession,
} from './support/browser.js';
import {
  chatHistory,
  createAgentInConsole,
  openArea,
  replies,
  sendMessage,
  sentMessages,
  startChat,
  waitForFinishedReply,
} from './support/console-screens.js';
import { startE2eServer, type E2eServer } from './support/e2e-server.js';
import { screenTourTimeoutMs, tourScreens } from './support/screen-tour.js';

const admin = { name: 'Ada Admin', email: 'ada@example.test', password: 'a long admin password' };
const member = { email: 'max@example.test', password: 'a long member password' };
const question = 'What is the capital of France?';
// The built-in offline model never answers; it explains how to configure one (src/ai/offline-model.ts).
const offlineReplyStart = `I can't answer "${question}" because no language model is configured`;

describeInBrowser('web console on the built-in offline model', () => {
  let server: E2eServer;
  let browser: Browser;
  let session: BrowserSession;
  let conversationId: string;

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

  it('creates an agent on the offline model', async () => {
    await createAgentInConsole(session.page, {
      name: 'Helper',
      personality: 'You are a concise helper.',
      model: 'offline',
    });
    const row = session.page.getByRole('row').filter({ has: session.page.getByRole('rowheader', { name: 'Helper' }) });
    await expect(row.getByRole('cell').first().textContent()).resolves.toBe('offline');
  });

  it('starts a chat and shows the streamed reply', async () => {
    const { page } = session;
    conversationId = await startChat(page, 'Helper');
    await sendMessage(page, question);
    await sentMessages(page).filter({ hasText: question }).waitFor();
    await waitForFinishedReply(page, 0, offlineReplyStart);
    await expect(replies(page).count()).resolves.toBe(1);
  });

  it('shows the history again after a reload', async () => {
    const { page } = session;
    await page.reload();
    await waitUntilSignedIn(page);
    await waitForFinishedReply(page, 0, offlineReplyStart);
    await expect(sentMessages(page).allTextContents()).resolves.toEqual([question]);
    await expect(replies(page).count()).resolves.toBe(1);
  });

  it('signs out and back in, and finds the conversation in the list', async () => {
    const { page } = session;
    await signOut(page);
    await expect(chatHistory(page).count()).resolves.toBe(0);
    await page.reload();
    await signIn(page, admin);
    await openArea(page, 'Chats');
    const chats = page.getByRole('list', { name: 'Your chats' });
    await chats.getByRole('link').first().click();
    await page.waitForURL(`**/chat/${conversationId}`);
    await waitForFinishedReply(page, 0, offlineReplyStart);
  });

  it("adds a member who, in a browser of their own, sees none of the admin's conversations", async () => {
    const { page } = session;
    await openArea(page, 'Administration');
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Add user' }).click();
    const form = page.getByRole('form', { name: 'Add a user' });
    await form.getByLabel('Email').fill(member.email);
    await form.getByLabel('Role').selectOption('member');
    await form.getByLabel('Initial password').fill(member.password);
    await form.getByRole('button', { name: 'Add user' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${member.email} was added as member` })
      .waitFor();

    const memberSession = await openBrowserSession(browser, server.baseUrl);
    try {
      const memberPage = memberSession.page;
      // Its direct visit to the admin's conversation below is answered 404, which Chromium logs.
      memberSession.expectConsoleErrors(/status of 404 .*\/v1\/conversations\//);
      await memberPage.goto('/');
      await signIn(memberPage, member);
      await openArea(memberPage, 'Chats');
      await memberPage.getByText('No chats yet. Start one with New chat.').waitFor();
      // Nor by its address: the conversation is another person's.
      await memberPage.goto(`/chat/${conversationId}`);
      await memberPage.getByRole('alert').waitFor();
      await expect(memberPage.getByText(question).count()).resolves.toBe(0);
      await expect(
        memberPage.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents(),
      ).resolves.toEqual(['Chats', 'Agents', 'Evaluations', 'Knowledge', 'API keys', 'Profile']);
      expect(memberSession.consoleProblems).toEqual([]);
    } finally {
      await memberSession.close();
    }
  });

  it(
    'takes screenshots of every screen at desktop and phone sizes, light and dark; axe finds no WCAG 2.1 A/AA problem',
    async () => {
      const { overflowing, accessibility } = await tourScreens(browser, server.baseUrl, admin);
      expect(overflowing).toEqual([]);
      expect(accessibility).toEqual([]);
    },
    screenTourTimeoutMs,
  );

  it('shows the API docs under their content security policy (a blocked script or style is a console error)', async () => {
    const { page } = session;
    await page.goto('/docs');
    // Swagger UI's bundle is large and renders the whole spec; under a loaded CI machine 10 s is short.
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 3 * browserWaitMs });
    expect(await page.locator('.opblock').count()).toBeGreaterThan(50);
  });

  it('logs no console errors along the way', () => {
    expect(session.consoleProblems).toEqual([]);
  });
});
