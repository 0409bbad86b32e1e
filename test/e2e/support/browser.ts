import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { describe } from 'vitest';
import { testStorage } from '../../harness/test-database.js';

/** The system Chromium (apt's `chromium`); these tests never download a browser. */
export const chromiumPath = '/usr/bin/chromium';

// Without the networking flags Chromium keeps calling home, which floods a closed network with refused connections.
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Every wait in a browser test is bounded by this unless it says otherwise (2 busy cores, dev build of React). */
export const browserWaitMs = 10_000;

/**
 * `describe` for browser tests: they run once, on embedded storage (the browser sees the same HTTP either way),
 * and are skipped with a visible warning where Chromium is not installed.
 */
export function describeInBrowser(name: string, body: () => void): void {
  if (testStorage === 'postgres') {
    describe.skip(name, body);
    return;
  }
  if (!existsSync(chromiumPath)) {
    console.warn(`[e2e] SKIPPED "${name}": ${chromiumPath} is missing (apt-get install -y chromium to run it)`);
    describe.skip(name, body);
    return;
  }
  describe(name, body);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, timeout: 30_000 });
}

export const viewports = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;
export type ViewportName = keyof typeof viewports;
export type ColorScheme = 'light' | 'dark';

export interface BrowserSession {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and uncaught page errors seen so far, in every page of the context. */
  readonly consoleProblems: readonly string[];
  /** From now on, console errors matching `pattern` are expected (a step that provokes a 401 or 404 on purpose). */
  expectConsoleErrors(pattern: RegExp): void;
  close(): Promise<void>;
}

/**
 * A fresh context (own cookies and storage: a separate person) with one page on `baseUrl`, collecting
 * console errors from the start. The console follows the emulated system colour scheme until someone
 * picks a theme, so `colorScheme` chooses light or dark.
 */
export async function openBrowserSession(
  browser: Browser,
  baseUrl: string,
  options: { viewport?: ViewportName; colorScheme?: ColorScheme } = {},
): Promise<BrowserSession> {
  const viewport = viewports[options.viewport ?? 'desktop'];
  const isPhone = options.viewport === 'phone';
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport,
    colorScheme: options.colorScheme ?? 'light',
    isMobile: isPhone,
    hasTouch: isPhone,
  });
  context.setDefaultTimeout(browserWaitMs);
  context.setDefaultNavigationTimeout(browserWaitMs);
  const consoleProblems: string[] = [];
  const expectedPatterns: RegExp[] = [];
  context.on('console', (message) => {
    if (message.type() !== 'error') return;
    const problem = `console.error: ${message.text()} (${message.location().url})`;
    if (!expectedPatterns.some((pattern) => pattern.test(problem))) consoleProblems.push(problem);
  });
  context.on('weberror', (webError) => consoleProblems.push(`page error: ${String(webError.error())}`));
  const page = await context.newPage();
  return {
    context,
    page,
    consoleProblems,
    expectConsoleErrors: (pattern) => void expectedPatterns.push(pattern),
    close: () => context.close(),
  };
}

export const screenshotDirectory = path.resolve('test-results/screenshots');

/** Saves what the page shows as `test-results/screenshots/{name}.png` (a test artifact, not compared). */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDirectory, { recursive: true });
  const file = path.join(screenshotDirectory, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}

/** How many CSS pixels the page is wider than the viewport (0 when nothing overflows sideways). */
export function horizontalOverflowPx(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
