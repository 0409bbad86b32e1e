import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { accessibilityProblems } from './support/accessibility.js';
import { signIn } from './support/auth-screens.js';
import { openAdministratorConsole, type AdministratorConsole } from './support/administrator-console.js';
import {
  browserWaitMs,
  describeInBrowser,
  horizontalOverflowPx,
  openBrowserSession,
  saveScreenshot,
  type ColorScheme,
  type ViewportName,
} from './support/browser.js';
import { openArea } from './support/console-screens.js';
import { screenTourTimeoutMs } from './support/screen-tour.js';

const admin = { name: 'Ivy Inbox', email: 'ivy@example.test', password: 'a long support-desk password' };
const inboxName = 'Shop support';
const contactName = 'Carla Customer';

/** Every "Loading…" placeholder has gone. */
const loadingFinished = (page: Page) =>
  expect.poll(() => page.getByText(/^Loading/).count(), { timeout: browserWaitMs }).toBe(0);

/** The status line under the conversation's heading: "Open · You". */
const statusLine = (page: Page) => page.locator('.support-head p');

describeInBrowser('web console: the support desk (Inbox settings, queue, a conversation taken and resolved)', () => {
  let ui: AdministratorConsole;
  let headers: { authorization: string };
  let inboxId = '';
  let supportId = '';

  beforeAll(async () => {
    ui = await openAdministratorConsole({}, admin);
    const signedIn = await ui.server.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: admin.email, password: admin.password },
    });
    headers = { authorization: `Bearer ${signedIn.json().accessToken as string}` };
  }, 180_000);
  afterAll(async () => {
    await ui?.close();
  });

  it('creates an inbox in Inbox settings, shows its secret once, and copies the snippet', async () => {
    const { page, context } = ui.session;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: ui.server.baseUrl });
    await openArea(page, 'Inbox settings');
    await page.getByRole('heading', { name: 'Inboxes', level: 1 }).waitFor();
    await page.getByText('No inboxes yet.').waitFor();
    await page.getByRole('link', { name: 'New inbox' }).click();
    await page.getByLabel('Name', { exact: true }).fill(inboxName);
    await page.getByLabel('Answers first').selectOption({ label: 'People only (no AI)' });
    await page.getByLabel('Allowed origins').fill('https://shop.example');
    await page.getByRole('button', { name: 'Create inbox' }).click();

    const reveal = page.getByRole('dialog', { name: `Signing secret of ${inboxName}` });
    const secret = await reveal.getByLabel('Signing secret').inputValue();
    expect(secret.length).toBeGreaterThan(20);
    await reveal.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('heading', { name: `Inbox ${inboxName}`, level: 1 }).waitFor();
    inboxId = /inboxes\/([0-9a-f-]{36})$/.exec(page.url())?.[1] ?? '';
    expect(inboxId).not.toBe('');
    await expect(page.content()).resolves.not.toContain(secret);

    await page.getByRole('button', { name: 'Copy snippet' }).click();
    await page.getByText('Copied.').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(`<script src="${ui.server.baseUrl}/widget.js" data-inbox="${inboxId}" async></script>`);
    // The preview is the real panel, framed by the console.
    await page.getByRole('region', { name: 'Preview' }).waitFor();
    // (Its title and greeting come from GET /v1/widget/inboxes/:id, which the panel may call from the console.)
    const preview = page.frameLocator('iframe[title="Widget preview"]');
    await preview.locator('h1#title', { hasText: /\S/ }).waitFor();
    await preview.getByRole('log').getByText(/\S/).first().waitFor();

    const listed = await ui.server.app.inject({ method: 'GET', url: `/v1/inboxes/${inboxId}`, headers });
    expect(listed.json()).toMatchObject({ name: inboxName, agentId: null, allowedOrigins: ['https://shop.example'] });
    expect(listed.body).not.toContain(secret);
  });

  it('shows a conversation opened through the API in the queue; the operator takes it, notes, labels, resolves', async () => {
    const { page } = ui.session;
    const contact = await ui.server.app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers,
      payload: { name: contactName, email: 'carla@example.test', externalId: 'cust-42', attributes: { plan: 'pro' } },
    });
    expect(contact.statusCode).toBe(201);
    const created = await ui.server.app.inject({
      method: 'POST',
      url: '/v1/support-conversations',
      headers,
      payload: { inboxId, contactId: contact.json().id as string },
    });
    expect(created.statusCode).toBe(201);
    supportId = created.json().id as string;

    await openArea(page, 'Inbox');
    await page.getByRole('tab', { name: /^Unassigned/ }).click();
    const row = page
      .getByRole('list', { name: 'Support conversations' })
      .getByRole('link', { name: new RegExp(contactName) });
    await row.click();
    await page.waitForURL(new RegExp(`/inbox/${supportId}$`));
    await page.getByRole('heading', { name: contactName, level: 2 }).waitFor();
    await page.getByRole('region', { name: 'Contact' }).getByText('cust-42').waitFor();
    // Where it came in, beside its status and who has it (the inbox is read once for the whole desk).
    const cameIn = ` · Website: ${inboxName}`;
    await expect
      .poll(() => statusLine(page).textContent(), { timeout: browserWaitMs })
      .toBe(`Waiting for a person · Unassigned${cameIn}`);

    await page.getByRole('button', { name: 'Take', exact: true }).click();
    await expect.poll(() => statusLine(page).textContent(), { timeout: browserWaitMs }).toBe(`Open · You${cameIn}`);
    await page
      .getByRole('log', { name: 'Conversation with the contact' })
      .getByText(/took the conversation/)
      .waitFor();

    const notes = page.getByRole('region', { name: 'Private notes' });
    await notes.getByLabel('New note').fill('Asked about a refund; VIP.');
    await notes.getByRole('button', { name: 'Add note' }).click();
    await notes.getByText('Asked about a refund; VIP.').waitFor();

    await page.getByLabel('New label').fill('refund');
    await page.getByRole('button', { name: 'Add label' }).click();
    await page.getByRole('button', { name: 'Remove label refund' }).waitFor();

    await page.getByRole('button', { name: 'Resolve', exact: true }).click();
    await expect.poll(() => statusLine(page).textContent(), { timeout: browserWaitMs }).toBe(`Resolved · You${cameIn}`);
    await page.getByRole('button', { name: 'Reopen' }).waitFor();

    const stored = await ui.server.app.inject({
      method: 'GET',
      url: `/v1/support-conversations/${supportId}`,
      headers,
    });
    expect(stored.json()).toMatchObject({ status: 'resolved', labels: ['refund'] });
    const storedNotes = await ui.server.app.inject({
      method: 'GET',
      url: `/v1/support-conversations/${supportId}/notes`,
      headers,
    });
    expect(storedNotes.json().items).toMatchObject([{ body: 'Asked about a refund; VIP.' }]);
    const events = await ui.server.app.inject({
      method: 'GET',
      url: `/v1/support-conversations/${supportId}/events`,
      headers,
    });
    expect((events.json().items as { action: string }[]).map((event) => event.action)).toEqual(
      expect.arrayContaining(['take', 'resolve']),
    );
  });

  it('shows the server’s sentence when an action is refused', async () => {
    const { page } = ui.session;
    ui.session.expectConsoleErrors(/status of 409/);
    // Reopened elsewhere (another operator, an API call) while this page still shows it resolved.
    const reopened = await ui.server.app.inject({
      method: 'POST',
      url: `/v1/support-conversations/${supportId}/reopen`,
      headers,
      payload: {},
    });
    expect(reopened.statusCode).toBe(200);
    await page.getByRole('button', { name: 'Reopen' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'only a resolved or snoozed conversation can be reopened' })
      .waitFor();
  });

  it(
    'takes screenshots of the support desk, desktop and phone, light and dark, without sideways scrolling or WCAG 2.1 A/AA problems',
    async () => {
      const overflowing: string[] = [];
      const accessibility: string[] = [];
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
          for (const problem of await accessibilityProblems(page)) accessibility.push(`${name}-${suffix}: ${problem}`);
        };
        try {
          await page.goto('/');
          await signIn(page, admin);
          await openArea(page, 'Inbox');
          await page.getByRole('tab', { name: /^All/ }).click();
          await page.getByRole('list', { name: 'Support conversations' }).waitFor();
          await capture('inbox-queue');
          await page.getByRole('list', { name: 'Support conversations' }).getByRole('link').first().click();
          await page.getByRole('heading', { name: contactName, level: 2 }).waitFor();
          await page.getByRole('region', { name: 'Private notes' }).getByText('Asked about a refund; VIP.').waitFor();
          await capture('inbox-conversation');
          await openArea(page, 'Contacts');
          await page.getByRole('link', { name: contactName }).waitFor();
          await capture('contacts');
          await openArea(page, 'Inbox settings');
          await page.getByRole('link', { name: inboxName }).click();
          await page.getByRole('heading', { name: `Inbox ${inboxName}`, level: 1 }).waitFor();
          await capture('inbox-settings');
          expect(look.consoleProblems, `console errors at ${suffix}`).toEqual([]);
        } catch (error) {
          await saveScreenshot(page, `failed-inbox-${suffix}`).catch(() => undefined);
          throw error;
        } finally {
          await look.close();
        }
      }
      expect(overflowing).toEqual([]);
      expect(accessibility).toEqual([]);
    },
    screenTourTimeoutMs * 2,
  );

  it('creates an API inbox, shows where its system posts, and a message posted there reaches the queue', async () => {
    const { page } = ui.session;
    await openArea(page, 'Inbox settings');
    await page.getByRole('link', { name: 'New inbox' }).click();
    await page.getByLabel('Name', { exact: true }).fill('WhatsApp bridge');
    await page.getByLabel('Channel').selectOption({ label: 'API (your own system)' });
    await expect(page.getByLabel('Allowed origins').count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Create inbox' }).click();
    // No signing secret to show: straight to its settings, with the address to post to.
    await page.getByRole('heading', { name: 'Inbox WhatsApp bridge', level: 1 }).waitFor();
    const endpoint = await page.getByLabel('Message endpoint').inputValue();
    expect(endpoint).toMatch(new RegExp(`^${ui.server.baseUrl}/v1/inboxes/[0-9a-f-]{36}/messages$`));

    const key = await ui.server.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers,
      payload: { name: 'Bridge' },
    });
    expect(key.statusCode, key.body).toBe(201);
    const posted = await ui.server.app.inject({
      method: 'POST',
      url: new URL(endpoint).pathname,
      headers: { authorization: `Bearer ${key.json<{ key: string }>().key}` },
      payload: {
        contact: { externalId: '+4915100000001', name: 'Wanda WhatsApp' },
        content: 'Is it in stock?',
        messageId: 'm1',
      },
    });
    expect(posted.statusCode, posted.body).toBe(201);
    await openArea(page, 'Inbox');
    await page.getByRole('tab', { name: /^Unassigned/ }).click();
    await page
      .getByRole('list', { name: 'Support conversations' })
      .getByRole('link', { name: /Wanda WhatsApp/ })
      .click();
    await page.getByRole('log', { name: 'Conversation with the contact' }).getByText('Is it in stock?').waitFor();
  });

  it('logged no unexpected error in the browser console', () => {
    expect(ui.session.consoleProblems).toEqual([]);
  });
});
