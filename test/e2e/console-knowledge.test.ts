import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signIn } from './support/auth-screens.js';
import { screenTourTimeoutMs } from './support/screen-tour.js';
import {
  browserWaitMs,
  describeInBrowser,
  horizontalOverflowPx,
  openBrowserSession,
  saveScreenshot,
  type BrowserSession,
  type ColorScheme,
  type ViewportName,
} from './support/browser.js';
import { openArea, replies, sendMessage, sentMessages, startChat } from './support/console-screens.js';
import { openAdministratorConsole, type AdministratorConsole } from './support/administrator-console.js';

const admin = { name: 'Ada Admin', email: 'ada@example.test', password: 'a long admin password' };
const sourceName = 'Company handbook';
const handbook = {
  name: 'handbook.md',
  mimeType: 'text/markdown',
  buffer: Buffer.from(
    [
      '# Company handbook',
      '',
      '## Holidays',
      '',
      'Every employee receives 27 days of paid holiday per year.',
      'Unused holiday days can be carried over until the end of March.',
      '',
      '## Office',
      '',
      'The Lisbon office opens at eight in the morning.',
      'Bicycles may be parked in the courtyard behind the building.',
      '',
    ].join('\n'),
  ),
};
const question = 'How many days of paid holiday does an employee receive?';

/** Every "Loading…" placeholder has gone. */
const loadingFinished = (page: Page) =>
  expect.poll(() => page.getByText(/^Loading/).count(), { timeout: browserWaitMs }).toBe(0);

async function openSource(page: Page): Promise<void> {
  await openArea(page, 'Knowledge');
  await page.getByRole('heading', { name: 'Knowledge', level: 1 }).waitFor();
  await page.getByRole('link', { name: sourceName }).click();
  await page.getByRole('heading', { name: sourceName, level: 1 }).waitFor();
}

async function runQuery(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Try a query' }).click();
  await page.getByLabel('Query', { exact: true }).fill('paid holiday');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.getByRole('list', { name: 'Passages found' }).waitFor();
}

describeInBrowser('web console: knowledge sources, the playground and cited answers', () => {
  let ui: AdministratorConsole;
  let session: BrowserSession;

  beforeAll(async () => {
    ui = await openAdministratorConsole({}, admin);
    ({ session } = ui);
  });
  afterAll(() => ui?.close());

  it('creates a knowledge source', async () => {
    const { page } = session;
    await openArea(page, 'Knowledge');
    await page.getByText('No knowledge sources yet. Create one, then upload documents to it.').waitFor();
    await page.getByRole('link', { name: 'New source' }).click();
    await page.getByRole('heading', { name: 'New knowledge source' }).waitFor();
    await page.getByLabel('Name').fill(sourceName);
    await page.getByLabel('Description').fill('How we work: holidays, the office, expenses.');
    await page.getByRole('button', { name: 'Create source' }).click();
    await page.getByRole('heading', { name: sourceName, level: 1 }).waitFor();
    await expect(page.locator('.source-facts').textContent()).resolves.toContain('0 documents');
  });

  it('uploads a Markdown file and follows it until it is ready', async () => {
    const { page } = session;
    await page.getByLabel('Upload documents').setInputFiles(handbook);
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'handbook.md' }) });
    await row.waitFor();
    await row.getByText('Ready').waitFor({ timeout: 30_000 });
    await expect(row.getByRole('button', { name: 'Reindex handbook.md' }).isVisible()).resolves.toBe(true);
    // The source's counts follow once indexing ends.
    await expect
      .poll(() => page.locator('.source-facts').textContent(), { timeout: browserWaitMs })
      .toContain('1 document ·');
  });

  it('finds the passage in the playground, with the matched words marked', async () => {
    const { page } = session;
    await runQuery(page);
    const first = page.getByRole('list', { name: 'Passages found' }).getByRole('listitem').first();
    await expect(first.getAttribute('aria-label')).resolves.toBe('Passage 1: handbook.md');
    await expect(first.textContent()).resolves.toContain('27 days of paid holiday');
    const marked = await first.locator('mark').allTextContents();
    expect(marked.map((word) => word.toLowerCase())).toEqual(expect.arrayContaining(['paid', 'holiday']));
  });

  it('gives an agent the source, and its reply cites the handbook; the citation opens', async () => {
    const { page } = session;
    await openArea(page, 'Agents');
    await page.getByRole('link', { name: 'New agent' }).click();
    await page.getByLabel('Name').fill('Librarian');
    await page.getByLabel('Model').selectOption('offline');
    await page.getByRole('group', { name: 'Knowledge sources' }).getByRole('checkbox', { name: sourceName }).check();
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.getByRole('rowheader', { name: 'Librarian' }).waitFor();

    await startChat(page, 'Librarian');
    await sendMessage(page, question);
    const reply = replies(page).first();
    await reply.and(page.locator('[aria-busy="false"]')).waitFor({ timeout: 30_000 });
    await expect(reply.textContent()).resolves.toContain('27 days');
    const sources = reply.getByRole('list', { name: 'Sources' });
    await sources.waitFor();
    await sources.getByRole('button').first().click();
    const panel = reply.getByRole('region', { name: /^Source 1: handbook\.md$/ });
    await panel.waitFor();
    await expect(panel.textContent()).resolves.toContain('27 days of paid holiday');
    // The [1] in the text opens the same source.
    await panel.getByRole('button', { name: 'Close' }).click();
    await reply.getByRole('button', { name: 'Source 1', exact: true }).first().click();
    await panel.waitFor();
  });

  it('attaches a file to a message: uploaded first, then sent with it and shown on it', async () => {
    const { page } = session;
    await page.getByLabel('Attach files').setInputFiles(handbook);
    const toSend = page.getByRole('list', { name: 'Files to send' });
    await toSend.getByText('handbook.md').waitFor();
    await expect.poll(() => toSend.getByRole('progressbar').count(), { timeout: browserWaitMs }).toBe(0);
    await sendMessage(page, 'Where may bicycles be parked?');
    await expect(toSend.count()).resolves.toBe(0);
    const sent = sentMessages(page).nth(1);
    await expect(sent.getByRole('list', { name: 'Attached files' }).textContent()).resolves.toContain('handbook.md');
    await replies(page).nth(1).and(page.locator('[aria-busy="false"]')).waitFor({ timeout: 30_000 });
  });

  it('shows the citations and the attachment again after a reload', async () => {
    const { page } = session;
    await page.reload();
    const reply = replies(page).first();
    await reply.getByRole('list', { name: 'Sources' }).waitFor();
    await expect(reply.getByRole('list', { name: 'Sources' }).textContent()).resolves.toContain('handbook.md');
    const sent = sentMessages(page).nth(1);
    await expect(sent.getByRole('list', { name: 'Attached files' }).textContent()).resolves.toContain('handbook.md');
  });

  it(
    'takes screenshots of the knowledge screens and a cited reply, desktop and phone, light and dark',
    async () => {
      const overflowing: string[] = [];
      const looks: { viewport: ViewportName; colorScheme: ColorScheme }[] = [
        { viewport: 'desktop', colorScheme: 'light' },
        { viewport: 'desktop', colorScheme: 'dark' },
        { viewport: 'phone', colorScheme: 'light' },
        { viewport: 'phone', colorScheme: 'dark' },
      ];
      for (const { viewport, colorScheme } of looks) {
        const look = await openBrowserSession(ui.browser, ui.server.baseUrl, { viewport, colorScheme });
        const { page } = look;
        const suffix = `${viewport}-${colorScheme}`;
        const capture = async (name: string) => {
          await saveScreenshot(page, `${name}-${suffix}`);
          const overflowPx = await horizontalOverflowPx(page);
          if (overflowPx > 0) overflowing.push(`${name}-${suffix}: ${overflowPx}px`);
        };
        try {
          await page.goto('/');
          await signIn(page, admin);
          await openArea(page, 'Knowledge');
          await page.getByRole('link', { name: sourceName }).waitFor();
          await capture('knowledge-sources');
          await openSource(page);
          await page.getByRole('table', { name: 'Documents' }).waitFor();
          await loadingFinished(page);
          await capture('knowledge-documents');
          await runQuery(page);
          await capture('knowledge-playground');
          await openArea(page, 'Chats');
          await page.getByRole('list', { name: 'Your chats' }).getByRole('link').first().click();
          const reply = replies(page).first();
          await reply.getByRole('list', { name: 'Sources' }).getByRole('button').first().click();
          await reply.getByRole('region', { name: /^Source 1/ }).waitFor();
          // The markers become buttons once the markdown chunk has loaded.
          await reply.getByRole('button', { name: 'Source 1', exact: true }).first().waitFor();
          await loadingFinished(page);
          await capture('chat-citation');
          expect(look.consoleProblems, `console errors at ${suffix}`).toEqual([]);
        } catch (error) {
          await saveScreenshot(page, `failed-knowledge-${suffix}`).catch(() => undefined);
          throw error;
        } finally {
          await look.close();
        }
      }
      expect(overflowing).toEqual([]);
    },
    screenTourTimeoutMs,
  );

  it('logs no console errors along the way', () => {
    expect(session.consoleProblems).toEqual([]);
  });
});
