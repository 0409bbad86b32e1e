import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHttpMcpServer, type TestHttpMcpServer } from '../mcp/fixtures/http-server.js';
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
import { openArea } from './support/console-screens.js';
import { openAdministratorConsole, type AdministratorConsole } from './support/administrator-console.js';

const admin = { name: 'Ada Admin', email: 'ada@example.test', password: 'a long admin password' };
const serverName = 'Calculator';

/** Every "Loading…" placeholder has gone. */
const loadingFinished = (page: Page) =>
  expect.poll(() => page.getByText(/^Loading/).count(), { timeout: browserWaitMs }).toBe(0);

const toolItem = (page: Page, name: string) =>
  page.getByRole('list', { name: 'Tools' }).getByRole('listitem', { name, exact: true });

/**
 * The server's answer to the next change of a tool. The page shows a change before the server has it,
 * so a reload that does not wait for this can cancel the change in flight.
 */
const toolSaved = (page: Page) =>
  page.waitForResponse(
    (response) => response.request().method() === 'PATCH' && response.url().includes('/v1/mcp/tools/'),
    { timeout: browserWaitMs },
  );

async function openServer(page: Page): Promise<void> {
  await openArea(page, 'Tools');
  await page.getByRole('link', { name: serverName }).click();
  await page.getByRole('heading', { name: serverName, level: 1 }).waitFor();
}

/** Try it on `add` with 2 and 3; resolves with the result region once it shows. */
async function tryAdd(page: Page) {
  const add = toolItem(page, 'add');
  await add.getByRole('button', { name: 'Try it add' }).click();
  await add.getByLabel('Arguments (JSON)').fill('{"a": 2, "b": 3}');
  await add.getByRole('button', { name: 'Run' }).click();
  const result = add.getByRole('region', { name: 'Result' });
  await result.waitFor();
  return result;
}

describeInBrowser('web console: MCP servers, their tools, Try it and the execution log', () => {
  let mcp: TestHttpMcpServer;
  let ui: AdministratorConsole;
  let session: BrowserSession;

  beforeAll(async () => {
    mcp = await startHttpMcpServer();
    // The MCP server listens on loopback, which the outbound guard refuses unless allowed.
    ui = await openAdministratorConsole({ OUTBOUND_ALLOW: '127.0.0.1' }, admin);
    ({ session } = ui);
  });
  afterAll(async () => {
    await ui?.close();
    await mcp?.close();
  });

  it('adds a Streamable HTTP server, with a header whose value is never shown again', async () => {
    const { page } = session;
    await openArea(page, 'Tools');
    await page.getByText('No MCP servers yet. Add one to give agents tools.').waitFor();
    await page.getByRole('link', { name: 'Add server' }).click();
    await page.getByRole('heading', { name: 'Add an MCP server' }).waitFor();
    await page.getByLabel('Name').fill(serverName);
    await expect(page.getByLabel('Streamable HTTP').isChecked()).resolves.toBe(true);
    await page.getByLabel('URL').fill(mcp.url);
    await page.getByRole('button', { name: 'Add header' }).click();
    await page.getByLabel('Header 1 name').fill('Authorization');
    await page.getByLabel('Header 1 value').fill('Bearer e2e-header-secret');
    await page.getByRole('button', { name: 'Add server' }).click();
    await page.getByRole('heading', { name: serverName, level: 1 }).waitFor();
    await expect(page.locator('.facts').textContent()).resolves.toContain('Not synced');
    await expect(page.locator('.facts').textContent()).resolves.toContain('Authorization');
    await expect(page.content()).resolves.not.toContain('e2e-header-secret');
  });

  it('syncs: the tools appear, the server is connected, and the header reached the MCP server', async () => {
    const { page } = session;
    await page.getByRole('button', { name: 'Sync tools' }).click();
    await expect(page.getByRole('status').textContent()).resolves.toMatch(/^Synced: \d+ tools found\.$/);
    await toolItem(page, 'add').waitFor();
    await expect(toolItem(page, 'echo').textContent()).resolves.toContain('Repeats a message');
    await page.locator('.facts').getByText('Connected').waitFor();
    expect(mcp.receivedHeaders.some((headers) => headers.authorization === 'Bearer e2e-header-secret')).toBe(true);
    // The input schema folds open, pretty-printed.
    const add = toolItem(page, 'add');
    await add.getByText('Input schema').click();
    await expect(add.locator('pre').first().textContent()).resolves.toContain('"properties": {');
  });

  it('lists synced tools switched off, enables one, and a tool left off cannot be run', async () => {
    const { page } = session;
    const echo = toolItem(page, 'echo');
    await echo.getByText('Disabled', { exact: true }).waitFor();
    const add = toolItem(page, 'add');
    await expect(add.getByLabel('Enabled').isChecked()).resolves.toBe(false);
    const saved = toolSaved(page);
    await add.getByLabel('Enabled').check();
    await saved;
    await page.reload();
    await expect(toolItem(page, 'add').getByLabel('Enabled').isChecked()).resolves.toBe(true);
    await expect(toolItem(page, 'echo').getByLabel('Enabled').isChecked()).resolves.toBe(false);
    await toolItem(page, 'echo').getByRole('button', { name: 'Try it echo' }).click();
    await expect(toolItem(page, 'echo').getByRole('button', { name: 'Run' }).isDisabled()).resolves.toBe(true);
  });

  it('changes whether a tool needs approval', async () => {
    const { page } = session;
    const add = toolItem(page, 'add');
    const saved = toolSaved(page);
    await add.getByLabel('Approval').selectOption('needs_approval');
    await add.locator('.badge', { hasText: 'Needs approval' }).waitFor();
    await saved;
    await page.reload();
    await expect(toolItem(page, 'add').getByLabel('Approval').inputValue()).resolves.toBe('needs_approval');
    await toolItem(page, 'add').getByLabel('Approval').selectOption('auto');
    await expect
      .poll(() => toolItem(page, 'add').locator('.badge', { hasText: 'Needs approval' }).count(), {
        timeout: browserWaitMs,
      })
      .toBe(0);
  });

  it('runs a tool with "Try it" and shows its result and duration', async () => {
    const { page } = session;
    const result = await tryAdd(page);
    await expect(result.locator('pre').textContent()).resolves.toBe('5');
    await expect(result.textContent()).resolves.toMatch(/Success\d+ ms/);
  });

  it('shows the execution in the log: tool, server, user, outcome, duration, size', async () => {
    const { page } = session;
    await page.getByRole('navigation', { name: 'Tools' }).getByRole('link', { name: 'Execution log' }).click();
    const table = page.getByRole('table', { name: 'Tool executions' });
    await table.waitFor();
    const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /^add/ }) });
    await expect(row.count()).resolves.toBe(1);
    const text = await row.textContent();
    expect(text).toContain(serverName);
    expect(text).toContain('You');
    expect(text).toContain('Success');
    expect(text).toMatch(/\d+ B/);
  });

  it(
    'takes screenshots of the tools screens, desktop and phone, light and dark',
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
          await loadingFinished(page);
          await saveScreenshot(page, `${name}-${suffix}`);
          const overflowPx = await horizontalOverflowPx(page);
          if (overflowPx > 0) overflowing.push(`${name}-${suffix}: ${overflowPx}px`);
        };
        try {
          await page.goto('/');
          await signIn(page, admin);
          await openArea(page, 'Tools');
          await page.getByRole('link', { name: serverName }).waitFor();
          await capture('tools-servers');
          await openServer(page);
          await toolItem(page, 'add').getByText('Input schema').click();
          await capture('tools-server');
          await tryAdd(page);
          await capture('tools-try-it');
          await page.getByRole('link', { name: 'Edit' }).click();
          await page.getByRole('heading', { name: `Edit ${serverName}` }).waitFor();
          await capture('tools-server-form');
          await page.getByRole('navigation', { name: 'Tools' }).getByRole('link', { name: 'Execution log' }).click();
          await page.getByRole('table', { name: 'Tool executions' }).waitFor();
          await capture('tools-executions');
          await page
            .getByRole('navigation', { name: 'Tools' })
            .getByRole('link', { name: 'Command templates' })
            .click();
          await page.getByRole('heading', { name: 'Command templates' }).waitFor();
          await capture('tools-stdio-commands');
          expect(look.consoleProblems, `console errors at ${suffix}`).toEqual([]);
        } catch (error) {
          await saveScreenshot(page, `failed-tools-${suffix}`).catch(() => undefined);
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
