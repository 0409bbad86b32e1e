import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { splitIntoTokens } from '../fakes/fake-http-server.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAdministrator, waitUntilSignedIn } from './support/auth-screens.js';
import {
  browserWaitMs,
  describeInBrowser,
  launchChromium,
  openBrowserSession,
  type BrowserSession,
} from './support/browser.js';
import {
  chatHistory,
  createAgentInConsole,
  openArea,
  replies,
  sampleReplyGrowth,
  sendMessage,
  sentMessages,
  startChat,
} from './support/console-screens.js';
import { startE2eServer, type E2eServer } from './support/e2e-server.js';

const admin = { email: 'rita@example.test', password: 'a long admin password' };
const tokens = splitIntoTokens(
  'Tides rise and fall twice a day because the moon pulls the oceans toward it as the earth turns beneath.',
);
// Slow enough that a second tab and a reload both happen while the reply is still being written.
const tokenDelayMs = 200;

/** How many leading tokens of the reply at `index` a page shows now. */
async function shownTokens(page: Page, index: number): Promise<number> {
  const text = (await replies(page).allTextContents())[index] ?? '';
  let shown = 0;
  while (shown < tokens.length && text.includes(tokens.slice(0, shown + 1).join(''))) shown += 1;
  return shown;
}

async function waitForTokens(page: Page, index: number, atLeast: number): Promise<void> {
  const deadline = Date.now() + browserWaitMs;
  while ((await shownTokens(page, index)) < atLeast) {
    if (Date.now() > deadline) throw new Error(`reply ${index} never showed ${atLeast} tokens`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describeInBrowser('web console over the realtime socket (two tabs of one person)', () => {
  let fake: FakeOpenAIServer;
  let server: E2eServer;
  let browser: Browser;
  let session: BrowserSession;
  let firstTab: Page;
  let secondTab: Page;
  let conversationId: string;

  beforeAll(async () => {
    fake = await startFakeOpenAIServer({ replyTokens: tokens, tokenDelayMs });
    [server, browser] = await Promise.all([
      startE2eServer({ OPENAI_API_KEY: 'sk-e2e-test', OPENAI_BASE_URL: fake.baseUrl }),
      launchChromium(),
    ]);
    session = await openBrowserSession(browser, server.baseUrl);
    firstTab = session.page;
    await firstTab.goto('/');
    await createAdministrator(firstTab, admin);
    await createAgentInConsole(firstTab, {
      name: 'Oceanographer',
      personality: 'You know tides.',
      model: 'openai:gpt-4o-mini',
    });
  });
  afterAll(async () => {
    await session?.close();
    await browser?.close();
    await server?.close();
    await fake?.close();
  });

  it('shows the first tab’s message and reply in a second tab as they are written', async () => {
    conversationId = await startChat(firstTab, 'Oceanographer');
    // Same browser context: the second tab signs in from the session cookie, as a real second tab does.
    secondTab = await session.context.newPage();
    await secondTab.goto(`/chat/${conversationId}`);
    await waitUntilSignedIn(secondTab);
    await chatHistory(secondTab).waitFor();

    await sendMessage(firstTab, 'Why are there tides?');
    const samples = await sampleReplyGrowth(secondTab, 0, tokens);
    const partial = new Set(samples.filter((shown) => shown > 0 && shown < tokens.length));
    expect(partial.size, `tokens on screen in the second tab per sample: ${samples.join(',')}`).toBeGreaterThan(1);
    expect(samples).toEqual([...samples].sort((a, b) => a - b));
    await expect(sentMessages(secondTab).allTextContents()).resolves.toEqual(['Why are there tides?']);
    await expect(replies(secondTab).count()).resolves.toBe(1);
  });

  it('keeps streaming a reply to its end after the tab that asked is reloaded mid-reply', async () => {
    await sendMessage(firstTab, 'And why twice a day?');
    await waitForTokens(firstTab, 1, 3);
    await firstTab.reload();
    await waitUntilSignedIn(firstTab);
    await replies(firstTab).nth(1).waitFor();
    const samples = await sampleReplyGrowth(firstTab, 1, tokens);
    // Still growing after the reload (not frozen half-way, not only loaded whole at the end).
    const partial = new Set(samples.filter((shown) => shown > 0 && shown < tokens.length));
    expect(partial.size, `tokens on screen after the reload per sample: ${samples.join(',')}`).toBeGreaterThan(1);
    await expect(firstTab.getByText('This reply was still being written').count()).resolves.toBe(0);
    await expect(replies(firstTab).count()).resolves.toBe(2);
    // The other tab followed it too, once.
    await sampleReplyGrowth(secondTab, 1, tokens);
    await expect(replies(secondTab).count()).resolves.toBe(2);
  });

  it('adds a conversation started in one tab to the other tab’s list of chats', async () => {
    const listOf = (page: Page) => page.getByRole('list', { name: 'Your chats' }).getByRole('listitem');
    await openArea(secondTab, 'Chats');
    await listOf(secondTab).first().waitFor();
    await expect(listOf(secondTab).count()).resolves.toBe(1);

    await startChat(firstTab, 'Oceanographer');
    await sendMessage(firstTab, 'What is a neap tide?');
    await listOf(secondTab).nth(1).waitFor();
    await expect(listOf(secondTab).count()).resolves.toBe(2);
    expect(session.consoleProblems).toEqual([]);
  });
});
