import type { Browser } from 'playwright-core';
import { createAdministrator, type Credentials } from './auth-screens.js';
import { launchChromium, openBrowserSession, type BrowserSession } from './browser.js';
import { startE2eServer, type E2eServer } from './e2e-server.js';

export interface AdministratorConsole {
  readonly server: E2eServer;
  readonly browser: Browser;
  /** Signed in as the first user, the platform administrator. */
  readonly session: BrowserSession;
  close(): Promise<void>;
}

/** What most console suites start from: a server, Chromium, and the first administrator signed in. */
export async function openAdministratorConsole(
  env: Record<string, string>,
  administrator: Credentials & { name?: string },
): Promise<AdministratorConsole> {
  const [server, browser] = await Promise.all([startE2eServer(env), launchChromium()]);
  let session: BrowserSession | undefined;
  const close = async () => {
    await session?.close();
    await browser.close();
    await server.close();
  };
  try {
    session = await openBrowserSession(browser, server.baseUrl);
    await session.page.goto('/');
    await createAdministrator(session.page, administrator);
    return { server, browser, session, close };
  } catch (error) {
    await close();
    throw error;
  }
}
