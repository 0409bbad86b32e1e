import { afterAll, beforeAll, expect, it } from 'vitest';
import { accessibilityProblems } from './support/accessibility.js';
import { openAdministratorConsole, type AdministratorConsole } from './support/administrator-console.js';
import { browserWaitMs, describeInBrowser, saveScreenshot } from './support/browser.js';
import { createAgentInConsole } from './support/console-screens.js';

const admin = { name: 'Vera Versions', email: 'vera@example.test', password: 'a long versions password' };

/**
 * Issue 67's versions in the console: a changed personality saved as a draft leaves the published one
 * in place; its diff shows the line taken out and the line put in; publishing it, then rolling back,
 * moves the published badge, and the form shows what conversations now use.
 */
describeInBrowser('web console: agent versions, their diff, publish and roll back', () => {
  let ui: AdministratorConsole;

  beforeAll(async () => {
    ui = await openAdministratorConsole({}, admin);
  });
  afterAll(async () => {
    await ui?.close();
  });

  it('saves a draft, shows its diff, publishes it and rolls back', async () => {
    const { page } = ui.session;
    await createAgentInConsole(page, { name: 'Scribe', personality: 'Greet the reader.\nAnswer briefly.', model: 'offline' });
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Scribe' }) });
    await row.getByRole('link', { name: /Edit/ }).click();
    const versions = page.getByRole('region', { name: 'Versions' });
    await versions.getByRole('cell', { name: /1\s*Published/ }).waitFor({ timeout: browserWaitMs });

    await page.getByLabel('Personality').fill('Greet the reader.\nAnswer in detail, with an example.');
    await page.getByRole('button', { name: 'Save as draft' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as a draft' }).waitFor({ timeout: browserWaitMs });
    await versions.getByRole('cell', { name: /2\s*Draft/ }).waitFor({ timeout: browserWaitMs });

    await versions.getByRole('button', { name: 'Compare with published' }).click();
    const diff = page.getByRole('region', { name: 'Version 2 compared with version 1' });
    const lines = diff.getByRole('group', { name: 'Personality, line by line' });
    await lines.waitFor({ timeout: browserWaitMs });
    await expect(lines.locator('del').allTextContents()).resolves.toEqual(['− Answer briefly.']);
    await expect(lines.locator('ins').allTextContents()).resolves.toEqual(['+ Answer in detail, with an example.']);
    await saveScreenshot(page, 'agent-versions-diff-desktop-light');
    expect(await accessibilityProblems(page)).toEqual([]);

    await versions.getByRole('button', { name: 'Publish version 2' }).click();
    await versions.getByRole('cell', { name: /2\s*Published/ }).waitFor({ timeout: browserWaitMs });
    await expect.poll(() => page.getByLabel('Personality').inputValue(), { timeout: browserWaitMs }).toContain('in detail');

    await versions.getByRole('button', { name: 'Roll back to version 1' }).click();
    await versions.getByRole('cell', { name: /1\s*Published/ }).waitFor({ timeout: browserWaitMs });
    await expect
      .poll(() => page.getByLabel('Personality').inputValue(), { timeout: browserWaitMs })
      .toBe('Greet the reader.\nAnswer briefly.');
  });
});
