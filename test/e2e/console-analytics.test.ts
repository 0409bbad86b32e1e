import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { users } from '../../src/platform/db/schema/index.js';
import { newId } from '../../src/platform/ids.js';
import { seedFixture, fixtureConversations } from '../analytics/analytics-fixture.js';
import { accessibilityProblems } from './support/accessibility.js';
import { createAdministrator, signIn } from './support/auth-screens.js';
import {
  describeInBrowser,
  launchChromium,
  openBrowserSession,
  saveScreenshot,
  type ColorScheme,
} from './support/browser.js';
import { openArea } from './support/console-screens.js';
import { startE2eServer, type E2eServer } from './support/e2e-server.js';
import { eq } from 'drizzle-orm';

const admin = { name: 'Ada Analyst', email: 'ada@example.test', password: 'a long analytics password' };

/** How many pixels of a canvas something was drawn on: a chart that drew nothing has none. */
const drawnPixels = (canvas: HTMLCanvasElement) => {
  const context = canvas.getContext('2d')!;
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  let drawn = 0;
  for (let index = 3; index < data.length; index += 4) if (data[index]! > 0) drawn += 1;
  return drawn;
};

/** The dashboard over the seeded fixture: its figures, five drawn charts, light and dark; CSAT and a low rating opened. */
describeInBrowser('the analytics dashboard', () => {
  let server: E2eServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startE2eServer(), launchChromium()]);
    const first = await openBrowserSession(browser, server.baseUrl);
    await first.page.goto('/');
    await createAdministrator(first.page, admin);
    await first.close();
    const [row] = await server.database.db.select().from(users).where(eq(users.email, admin.email));
    const operatorIds = { opA: newId(), opB: newId() };
    for (const [name, id] of Object.entries(operatorIds)) {
      await server.database.db.insert(users).values({
        id,
        tenantId: row!.tenantId,
        email: `${name}@example.test`,
        passwordHash: 'not-a-hash',
        role: 'operator',
      });
    }
    await seedFixture(
      server.database.db,
      { tenantId: row!.tenantId, adminId: row!.id, memberId: row!.id, operatorIds },
      { pricesClaude: true },
    );
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const colorScheme of ['light', 'dark'] as ColorScheme[]) {
    it(`draws the seeded week's figures and charts (${colorScheme})`, async () => {
      const look = await openBrowserSession(browser, server.baseUrl, { colorScheme });
      const { page } = look;
      try {
        await page.goto('/');
        await signIn(page, admin);
        await openArea(page, 'Analytics');
        await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
        // From first: a To before the default From would be a reversed range for a moment (a 400).
        await page.getByLabel('From', { exact: true }).fill('2026-03-02');
        await page.getByLabel('To', { exact: true }).fill('2026-03-08');
        const inWeek = fixtureConversations.filter((spec) => spec.day >= 0 && spec.day <= 6).length;
        const conversations = page.locator('.analytics-figure', { hasText: 'Conversations' }).locator('dd');
        await expect.poll(() => conversations.textContent()).toBe(String(inWeek));
        const charts = page.locator('canvas[data-chart]');
        // Four of the overview and the CSAT section's line (the week has ratings).
        await expect.poll(() => charts.count()).toBe(5);
        for (let index = 0; index < 5; index += 1) {
          await expect.poll(() => charts.nth(index).evaluate(drawnPixels)).toBeGreaterThan(100);
        }
        await page.getByRole('table').getByText('gpt-4o-mini').waitFor();
        await saveScreenshot(page, `analytics-dashboard-${colorScheme}`);
        expect(look.consoleProblems, look.consoleProblems.join('\n')).toEqual([]);
      } catch (error) {
        await saveScreenshot(page, `failed-analytics-${colorScheme}`).catch(() => undefined);
        throw error;
      } finally {
        await look.close();
      }
    });
  }

  it('shows CSAT by operator and by inbox, and opens a low rating in the Inbox', async () => {
    const look = await openBrowserSession(browser, server.baseUrl);
    const { page } = look;
    try {
      await page.goto('/');
      await signIn(page, admin);
      await openArea(page, 'Analytics');
      await page.getByLabel('From', { exact: true }).fill('2026-03-02');
      await page.getByLabel('To', { exact: true }).fill('2026-03-08');
      const section = page.getByRole('region', { name: 'Customer satisfaction' });
      // The week's ratings: 5 and 4 by the AI alone, 2 by opA (fixture specs).
      const byOperator = section.getByRole('table', { name: 'CSAT by operator' });
      await expect
        .poll(() => byOperator.getByRole('row', { name: /opA@example\.test/ }).textContent())
        .toContain('2.00');
      await expect.poll(() => byOperator.getByRole('row', { name: /No operator/ }).textContent()).toContain('4.50');
      await section.getByLabel('Group by').selectOption('inbox');
      await section.getByRole('table', { name: 'CSAT by inbox' }).getByRole('row', { name: /^web/ }).waitFor();
      const low = section.getByRole('list', { name: 'Low ratings' });
      await expect.poll(() => low.getByRole('listitem').count()).toBe(1);
      // The section as an administrator sees it: axe finds no WCAG 2.1 A/AA problem.
      expect(await accessibilityProblems(page)).toEqual([]);
      await low.getByRole('link', { name: /2 \/ 5/ }).click();
      await page.waitForURL(/\/inbox\/[0-9a-f-]{36}$/);
      await page.getByRole('heading', { name: 'Inbox', level: 1 }).waitFor();
      await saveScreenshot(page, 'analytics-low-rating-opened');
      expect(look.consoleProblems, look.consoleProblems.join('\n')).toEqual([]);
    } catch (error) {
      await saveScreenshot(page, 'failed-analytics-csat').catch(() => undefined);
      throw error;
    } finally {
      await look.close();
    }
  });
});
