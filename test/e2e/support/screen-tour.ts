import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { signIn, type Credentials } from './auth-screens.js';
import {
  browserWaitMs,
  horizontalOverflowPx,
  openBrowserSession,
  saveScreenshot,
  type ColorScheme,
  type ViewportName,
} from './browser.js';
import { accessibilityProblems } from './accessibility.js';
import { openArea, replies } from './console-screens.js';

interface Screen {
  readonly name: string;
  /** Gets there the way a person would, by clicking, and resolves once the screen shows its data. */
  open(page: Page): Promise<void>;
}

/** Every "Loading…" placeholder has gone (lists, pickers, the lazily loaded chat area). */
async function loadingFinished(page: Page): Promise<void> {
  await expect.poll(() => page.getByText(/^Loading/).count(), { timeout: browserWaitMs }).toBe(0);
}

const heading = (page: Page, name: string) => page.getByRole('heading', { name, level: 1, exact: true }).waitFor();

async function openAdminPage(page: Page, name: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name }).click();
  await heading(page, name);
  await loadingFinished(page);
}

function screensOf(admin: Credentials): Screen[] {
  return [
    {
      name: 'chat-list',
      open: async (page) => {
        await openArea(page, 'Chats');
        await page.getByRole('list', { name: 'Your chats' }).waitFor();
        await loadingFinished(page);
      },
    },
    {
      name: 'chat-conversation',
      open: async (page) => {
        await page.getByRole('list', { name: 'Your chats' }).getByRole('link').first().click();
        await replies(page).first().and(page.locator('[aria-busy="false"]')).waitFor();
        await loadingFinished(page);
      },
    },
    {
      name: 'agents-list',
      open: async (page) => {
        await openArea(page, 'Agents');
        await heading(page, 'Agents');
        await page.getByRole('table').waitFor();
      },
    },
    {
      name: 'agent-form',
      open: async (page) => {
        await page.getByRole('link', { name: 'New agent' }).click();
        await heading(page, 'New agent');
        await expect.poll(() => page.getByLabel('Model').inputValue(), { timeout: browserWaitMs }).not.toBe('');
      },
    },
    {
      name: 'agent-editor',
      open: async (page) => {
        await openArea(page, 'Agents');
        await heading(page, 'Agents');
        await page.getByRole('link', { name: /^Edit/ }).first().click();
        await page.getByRole('heading', { name: 'Evaluations', level: 2 }).waitFor();
        await loadingFinished(page);
      },
    },
    {
      name: 'evaluations',
      open: async (page) => {
        await openArea(page, 'Evaluations');
        await heading(page, 'Evaluations');
        await loadingFinished(page);
      },
    },
    {
      name: 'api-keys',
      open: async (page) => {
        await openArea(page, 'API keys');
        await heading(page, 'API keys');
        await loadingFinished(page);
      },
    },
    // The support desk's screens that need no data; the queue and a conversation are toured by console-inbox.
    {
      name: 'contacts',
      open: async (page) => {
        await openArea(page, 'Contacts');
        await heading(page, 'Contacts');
        await loadingFinished(page);
      },
    },
    {
      name: 'inbox-settings',
      open: async (page) => {
        await openArea(page, 'Inbox settings');
        await heading(page, 'Inboxes');
        await loadingFinished(page);
      },
    },
    {
      name: 'admin-users',
      open: async (page) => {
        await openArea(page, 'Administration');
        await heading(page, 'Users');
        await page.getByRole('rowheader', { name: admin.email }).waitFor();
      },
    },
    { name: 'admin-providers', open: (page) => openAdminPage(page, 'Providers') },
    { name: 'admin-tenants', open: (page) => openAdminPage(page, 'Tenants') },
  ];
}

/** Whether the main navigation's links sit on more than one line, or one of them breaks over two. */
async function navigationWraps(page: Page): Promise<boolean> {
  const boxes = await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link')
    .evaluateAll((links) =>
      links.map((link) => link.getBoundingClientRect()).map(({ top, height }) => ({ top, height })),
    );
  return boxes.some((box) => Math.abs(box.top - boxes[0]!.top) > 1 || box.height > boxes[0]!.height + 1);
}

const looks: ReadonlyArray<{ viewport: ViewportName; colorScheme: ColorScheme }> = [
  { viewport: 'desktop', colorScheme: 'light' },
  { viewport: 'desktop', colorScheme: 'dark' },
  { viewport: 'phone', colorScheme: 'light' },
  { viewport: 'phone', colorScheme: 'dark' },
];

/**
 * The timeout of a test that tours screens in four looks (desktop and phone, light and dark). Such a
 * tour took over Vitest's default 30 s on a 2-core machine running the rest of the suite beside it.
 */
export const screenTourTimeoutMs = 120_000;

/**
 * Signs `admin` in at each size and colour scheme and saves a screenshot of every screen as
 * `test-results/screenshots/{screen}-{viewport}-{scheme}.png`. Returns the screens wider than the
 * viewport (sideways scrolling), e.g. `agents-list-phone-dark: 112px`, and what axe-core finds against
 * WCAG 2.1 A/AA on each screen in each look (serious and critical), and fails on console errors.
 */
export async function tourScreens(
  browser: Browser,
  baseUrl: string,
  admin: Credentials,
): Promise<{ overflowing: string[]; accessibility: string[] }> {
  const overflowing: string[] = [];
  const accessibility: string[] = [];
  for (const { viewport, colorScheme } of looks) {
    const session = await openBrowserSession(browser, baseUrl, { viewport, colorScheme });
    const { page } = session;
    const suffix = `${viewport}-${colorScheme}`;
    const capture = async (name: string) => {
      await saveScreenshot(page, `${name}-${suffix}`);
      const overflowPx = await horizontalOverflowPx(page);
      if (overflowPx > 0) overflowing.push(`${name}-${suffix}: ${overflowPx}px`);
      for (const problem of await accessibilityProblems(page)) accessibility.push(`${name}-${suffix}: ${problem}`);
      if (viewport === 'desktop' && (await navigationWraps(page)))
        overflowing.push(`${name}-${suffix}: navigation wraps`);
    };
    try {
      await page.goto('/');
      await page.getByRole('heading', { name: 'Sign in to Parley' }).waitFor();
      await capture('sign-in');
      await signIn(page, admin);
      for (const screen of screensOf(admin)) {
        await screen.open(page);
        await capture(screen.name);
      }
      if (viewport === 'phone') {
        await page.getByRole('button', { name: 'Menu' }).click();
        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Agents' }).waitFor();
        await capture('menu-open');
      }
      expect(session.consoleProblems, `console errors at ${suffix}`).toEqual([]);
    } catch (error) {
      await saveScreenshot(page, `failed-${suffix}`).catch(() => undefined);
      throw new Error(`${String(error)}\nconsole: ${session.consoleProblems.join('\n') || 'clean'}`, { cause: error });
    } finally {
      await session.close();
    }
  }
  return { overflowing, accessibility };
}
