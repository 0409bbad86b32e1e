import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { accessibilityProblems } from './support/accessibility.js';
import { signIn } from './support/auth-screens.js';
import { openAdministratorConsole, type AdministratorConsole } from './support/administrator-console.js';
import {
  browserWaitMs,
  describeInBrowser,
  openBrowserSession,
  saveScreenshot,
  type ColorScheme,
} from './support/browser.js';
import { openArea } from './support/console-screens.js';
import { screenTourTimeoutMs } from './support/screen-tour.js';

const admin = { name: 'Tess Teams', email: 'tess@example.test', password: 'a long team-desk password' };
const operator = { email: 'bill@example.test', password: 'a long billing operator password' };

/** Every "Loading…" placeholder has gone. */
const loadingFinished = (page: Page) =>
  expect.poll(() => page.getByText(/^Loading/).count(), { timeout: browserWaitMs }).toBe(0);

describeInBrowser('web console: teams (the Teams page, a team queue with its due-soon badge)', () => {
  let ui: AdministratorConsole;
  let headers: { authorization: string };

  const api = async (method: 'POST' | 'PUT', url: string, payload: object) => {
    const response = await ui.server.app.inject({ method, url, headers, payload });
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    return response.json();
  };

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

  it('creates a team with a member and targets on the Teams page', async () => {
    const billOperator = await api('POST', '/v1/users', { ...operator, role: 'operator', displayName: 'Bill Billing' });
    expect(billOperator.id).toBeTruthy();
    const { page } = ui.session;
    await openArea(page, 'Inbox settings');
    await page.getByRole('link', { name: 'Teams' }).click();
    await page.getByRole('heading', { name: 'Teams', level: 1 }).waitFor();
    await page.getByText('No teams yet.').waitFor();
    const form = page.getByRole('form', { name: 'New team' });
    await form.getByLabel('Name').fill('Billing');
    await form.getByLabel('Description').fill('Invoices and refunds');
    await form.getByRole('checkbox', { name: 'Bill Billing' }).check();
    await form.getByLabel('First reply within').fill('4');
    await form.getByRole('button', { name: 'Add team' }).click();
    const row = page.getByRole('row', { name: /Billing/ });
    await row.getByText('Bill Billing').waitFor();
    await row.getByText('first reply 4 min').waitFor();
  });

  it("shows an operator of team Billing only Billing's queue, with a due-soon badge", async () => {
    const teams = (await ui.server.app.inject({ method: 'GET', url: '/v1/teams', headers })).json().items;
    const billing = teams.find((team: { name: string }) => team.name === 'Billing');
    const sales = await api('POST', '/v1/teams', { name: 'Sales' });
    const billingInbox = await api('POST', '/v1/inboxes', {
      name: 'Billing desk',
      teamId: billing.id,
      replyTargets: { firstResponseMinutes: 4, isBusinessHoursOnly: false },
    });
    const salesInbox = await api('POST', '/v1/inboxes', { name: 'Sales desk', teamId: sales.id });
    for (const [inbox, name] of [
      [billingInbox, 'Ingrid Invoice'],
      [salesInbox, 'Sam Prospect'],
    ] as const) {
      const contact = await api('POST', '/v1/contacts', { name });
      await api('POST', '/v1/support-conversations', { inboxId: inbox.id, contactId: contact.id });
    }

    const look = await openBrowserSession(ui.browser, ui.server.baseUrl);
    const { page } = look;
    try {
      await page.goto('/');
      await signIn(page, operator);
      await openArea(page, 'Inbox');
      await expect.poll(() => page.getByLabel('Team').inputValue(), { timeout: browserWaitMs }).toBe('mine');
      await page.getByRole('tab', { name: /^All/ }).click();
      const list = page.getByRole('list', { name: 'Support conversations' });
      const billingRow = list.getByRole('listitem').filter({ hasText: 'Ingrid Invoice' });
      await billingRow.waitFor();
      await billingRow.getByText('Due soon').waitFor();
      await loadingFinished(page);
      expect(await list.getByText('Sam Prospect').count()).toBe(0);
      // "Any team" shows the other team's conversation too: a team is a queue, not a permission.
      await page.getByLabel('Team').selectOption({ label: 'Any team' });
      await list.getByText('Sam Prospect').waitFor();
      expect(look.consoleProblems).toEqual([]);
    } catch (error) {
      await saveScreenshot(page, 'failed-teams-queue').catch(() => undefined);
      throw error;
    } finally {
      await look.close();
    }
  }, 120_000);

  it(
    'finds no serious accessibility problems on the Teams page and the team queue, light and dark',
    async () => {
      const problems: string[] = [];
      for (const colorScheme of ['light', 'dark'] as ColorScheme[]) {
        const look = await openBrowserSession(ui.browser, ui.server.baseUrl, { colorScheme });
        const { page } = look;
        const check = async (name: string) => {
          await loadingFinished(page);
          await saveScreenshot(page, `${name}-${colorScheme}`);
          for (const problem of await accessibilityProblems(page)) problems.push(`${name}-${colorScheme}: ${problem}`);
        };
        try {
          await page.goto('/');
          await signIn(page, admin);
          await openArea(page, 'Inbox settings');
          await page.getByRole('link', { name: 'Teams' }).click();
          await page.getByRole('row', { name: /Billing/ }).waitFor();
          await check('teams');
          await page.getByRole('button', { name: 'Edit Billing' }).click();
          await page.getByRole('dialog', { name: 'Edit Billing' }).waitFor();
          await check('team-edit');
          await page.getByRole('button', { name: 'Cancel' }).click();
          await openArea(page, 'Inbox');
          await page.getByRole('tab', { name: /^All/ }).click();
          await page.getByRole('list', { name: 'Support conversations' }).getByText('Ingrid Invoice').click();
          await page.getByRole('region', { name: 'Team and reply-time targets' }).waitFor();
          await check('team-conversation');
          expect(look.consoleProblems, `console errors (${colorScheme})`).toEqual([]);
        } finally {
          await look.close();
        }
      }
      expect(problems).toEqual([]);
    },
    screenTourTimeoutMs * 2,
  );
});
