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

const admin = { name: 'Rita Rules', email: 'rita@example.test', password: 'a long routing-rules password' };

/** Every "Loading…" placeholder has gone. */
const loadingFinished = (page: Page) =>
  expect.poll(() => page.getByText(/^Loading/).count(), { timeout: browserWaitMs }).toBe(0);

describeInBrowser(
  'web console: routing rules (the Rules page, its editor and dry run, a rule on a conversation)',
  () => {
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

    it('creates a rule from form rows after a dry run, and the conversation shows what it did', async () => {
      const inbox = await api('POST', '/v1/inboxes', { name: 'Website' });
      const contact = await api('POST', '/v1/contacts', { name: 'Petra Priority' });
      await api('POST', '/v1/support-conversations', { inboxId: inbox.id, contactId: contact.id });
      const { page } = ui.session;
      await openArea(page, 'Inbox settings');
      await page.getByRole('link', { name: 'Rules' }).click();
      await page.getByRole('heading', { name: 'Routing rules', level: 1 }).waitFor();
      await page.getByText('No routing rules yet.').waitFor();
      await page.getByRole('button', { name: 'New rule' }).click();
      const form = page.getByRole('form', { name: 'Create rule' });
      await form.getByLabel('Rule name').fill('Website is urgent');
      await form.getByLabel('New action').selectOption('set_priority');
      await form.getByRole('button', { name: 'Add action' }).click();
      await form.getByLabel('Action 1: Set priority').selectOption('urgent');
      await form.getByRole('button', { name: 'Dry run' }).click();
      await form.getByText(/1 of the 1 most recent conversations would match/).waitFor();
      await form.getByRole('button', { name: 'Create rule' }).click();
      await page
        .getByRole('list', { name: 'Rules in order' })
        .getByText('Website is urgent', { exact: true })
        .waitFor();

      // The rule fires on the next conversation made; its page shows the rule and the priority.
      const next = await api('POST', '/v1/contacts', { name: 'Nora Next' });
      await api('POST', '/v1/support-conversations', { inboxId: inbox.id, contactId: next.id });
      await ui.server.app.routingRules.drain();
      await openArea(page, 'Inbox');
      await page.getByRole('tab', { name: /^All/ }).click();
      await page.getByRole('list', { name: 'Support conversations' }).getByText('Nora Next').click();
      const rules = page.getByRole('list', { name: 'Rules that acted' });
      await rules.getByText('Website is urgent', { exact: true }).waitFor();
      await expect
        .poll(() => page.getByLabel('Priority', { exact: true }).inputValue(), { timeout: browserWaitMs })
        .toBe('urgent');
    }, 120_000);

    it(
      'finds no serious accessibility problems on the Rules page, its editor with a dry run, light and dark',
      async () => {
        const problems: string[] = [];
        for (const colorScheme of ['light', 'dark'] as ColorScheme[]) {
          const look = await openBrowserSession(ui.browser, ui.server.baseUrl, { colorScheme });
          const { page } = look;
          const check = async (name: string) => {
            await loadingFinished(page);
            await saveScreenshot(page, `${name}-${colorScheme}`);
            for (const problem of await accessibilityProblems(page))
              problems.push(`${name}-${colorScheme}: ${problem}`);
          };
          try {
            await page.goto('/');
            await signIn(page, admin);
            await openArea(page, 'Inbox settings');
            await page.getByRole('link', { name: 'Rules' }).click();
            await page.getByRole('list', { name: 'Rules in order' }).waitFor();
            await check('rules');
            await page.getByRole('button', { name: 'Edit Website is urgent' }).click();
            const form = page.getByRole('form', { name: 'Save rule' });
            await form.getByLabel('New condition').selectOption('text_contains');
            await form.getByRole('button', { name: 'Add condition' }).click();
            await form.getByLabel('Condition 1: Message contains any of').fill('refund');
            await form.getByLabel('When').selectOption('contact_message');
            await form.getByRole('button', { name: 'Dry run' }).click();
            await form.getByRole('region', { name: 'Dry run' }).waitFor();
            await check('rule-edit');
            expect(look.consoleProblems, `console errors (${colorScheme})`).toEqual([]);
          } finally {
            await look.close();
          }
        }
        expect(problems).toEqual([]);
      },
      screenTourTimeoutMs,
    );
  },
);
