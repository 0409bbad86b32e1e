import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { accessibilityProblems } from './support/accessibility.js';
import { openAdministratorConsole, type AdministratorConsole } from './support/administrator-console.js';
import { browserWaitMs, describeInBrowser, saveScreenshot } from './support/browser.js';
import {
  createAgentInConsole,
  openArea,
  sendMessage,
  startChat,
  waitForFinishedReply,
} from './support/console-screens.js';

const admin = { name: 'Eve Evaluator', email: 'eve@example.test', password: 'a long evaluations password' };
const setName = 'Returns and shipping';
/** The draft's extra line, which makes the model say how many days (as the fake below decides). */
const draftLine = 'Always say how many days.';
/** A run of 3 cases on two arms, on 2 busy cores: well inside this, but more than one wait of 10 s. */
const runWaitMs = 60_000;

// The spreadsheet's columns as the import reads them; lists are separated by `|`.
const importedCsv = [
  'question,expected_sources,must_include,must_not_include,expect_handoff,max_length,note',
  'How long do I have to return a parcel?,,30 days,,,,The 30-day rule',
  'Can I talk to a person?,,,,yes,,Hands over when asked',
].join('\n');

/**
 * Issue 67's evaluations in the console, on `openai:gpt-4o-mini` served by the fake OpenAI server, which
 * answers from the instructions it is given as a model would: a set is made in the Evaluations area (a
 * case by hand, two by a CSV import); a draft that tells the agent to say how many days is run beside the
 * published version from the agent's page; the run page shows the draft passing the case the published
 * version fails, marks that case and shows both answers, and the differing cases alone on request. A
 * chat is then saved as a case of the set in one click.
 */
describeInBrowser('web console: evaluation sets, a run comparing a draft with the published version', () => {
  let openai: FakeOpenAIServer;
  let ui: AdministratorConsole;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer({
      answers: ({ system, user, toolNames }) => {
        if (system.includes('You grade one answer')) {
          return { replyTokens: ['{"faithfulness": 5, "relevance": 4, "reason": "Says what was asked."}'] };
        }
        if (/person/i.test(user) && toolNames.includes('handoff_to_human')) {
          return { toolCalls: [{ id: 'call-1', name: 'handoff_to_human', arguments: '{"reason":"asked for one"}' }] };
        }
        if (/return/i.test(user)) {
          return { replyTokens: ['Parcels can be returned', system.includes(draftLine) ? ' within 30 days' : '', '.'] };
        }
        return { replyTokens: ['We ship to most countries.'] };
      },
    });
    ui = await openAdministratorConsole({ OPENAI_API_KEY: 'sk-e2e-test', OPENAI_BASE_URL: openai.baseUrl }, admin);
  });
  afterAll(async () => {
    await ui?.close();
    await openai?.close();
  });

  it('makes a set by hand and by a CSV import', async () => {
    const { page } = ui.session;
    await createAgentInConsole(page, { name: 'Desk AI', personality: 'Answer briefly.', model: 'openai:gpt-4o-mini' });

    await openArea(page, 'Evaluations');
    await page.getByRole('heading', { name: 'Evaluations', level: 1 }).waitFor();
    const newSet = page.getByRole('form', { name: 'New set' });
    await newSet.getByLabel('Name').fill(setName);
    await newSet.getByRole('button', { name: 'Create set' }).click();
    await page.getByRole('heading', { name: setName, level: 1 }).waitFor();

    await page.getByRole('button', { name: 'Add a case' }).click();
    const newCase = page.getByRole('form', { name: 'New case' });
    await newCase.getByLabel('Question').fill('Do you ship abroad?');
    await newCase.getByLabel('Must not include').fill('sorry');
    await newCase.getByRole('radio', { name: 'No, it should answer itself' }).check();
    await newCase.getByRole('button', { name: 'Add case' }).click();
    await newCase.getByRole('status').filter({ hasText: 'Case added.' }).waitFor();

    await page
      .getByLabel('Choose a file to import')
      .setInputFiles({ name: 'cases.csv', mimeType: 'text/csv', buffer: Buffer.from(importedCsv) });
    await page.getByText('Imported 2 cases from cases.csv; the set now has 3.').waitFor();
    const cases = page.getByRole('region', { name: 'Cases' }).getByRole('table');
    await expect.poll(() => cases.getByRole('row').count(), { timeout: browserWaitMs }).toBe(4);
    await cases
      .getByRole('row', { name: /Can I talk to a person\?/ })
      .getByText('Hands over to a person')
      .waitFor();
  });

  it('runs the draft beside the published version and shows where they differ', { timeout: 120_000 }, async () => {
    const { page } = ui.session;
    await openArea(page, 'Agents');
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Desk AI' }) });
    await row.getByRole('link', { name: /Edit/ }).click();
    await page.getByLabel('Personality').fill(`Answer briefly.\n${draftLine}`);
    await page.getByRole('button', { name: 'Save as draft' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as a draft' }).waitFor();

    const evaluations = page.getByRole('region', { name: 'Evaluations' });
    const start = evaluations.getByRole('form', { name: 'Start a run' });
    await start.getByRole('group', { name: 'Second arm' }).getByLabel('Version').waitFor();
    await expect(start.getByRole('group', { name: 'Second arm' }).getByLabel('Version').inputValue()).resolves.toBe(
      'draft',
    );
    await start.getByLabel('Set', { exact: true }).selectOption({ label: `${setName} (3 cases)` });
    await start.getByLabel('Judge model').selectOption('openai:gpt-4o-mini');
    await start.getByRole('button', { name: 'Start run' }).click();
    const runs = evaluations.getByRole('table', { name: 'Runs of this agent' });
    await runs.getByText('Completed').waitFor({ timeout: runWaitMs });
    await expect(runs.getByRole('row').nth(1).textContent()).resolves.toMatch(
      /Version 1:\s*66\.7%.*Version 2:\s*100\.0%/,
    );

    await start.getByRole('link', { name: 'Open the run' }).click();
    await page.getByRole('heading', { name: `Run of ${setName}`, level: 1 }).waitFor();
    const passRate = page.getByRole('table', { name: "Each arm's results" }).getByRole('row', { name: /^Pass rate/ });
    await expect(passRate.textContent()).resolves.toMatch(/Differs.*66\.7%.*100\.0%.*\+33\.3 points/);

    const differing = page.getByRole('listitem', { name: 'Case 2, the arms differ' });
    await differing.getByRole('region', { name: 'Version 1' }).getByText('Parcels can be returned.').waitFor();
    await differing
      .getByRole('region', { name: 'Version 2' })
      .getByText('Parcels can be returned within 30 days.')
      .waitFor();
    await expect(page.getByText('Arms differ').count()).resolves.toBe(1);
    await page.getByText("The judge's instructions").click();
    await page.getByText(/You grade one answer/).waitFor();
    // The console scrolls inside its main area, so a full-page screenshot shows one viewport: a tall one,
    // from the top, holds the totals and the differing case together.
    await page.setViewportSize({ width: 1280, height: 2000 });
    await page.locator('main').evaluate((main) => main.scrollTo(0, 0));
    await saveScreenshot(page, 'evaluation-run-comparison-desktop-light');
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await saveScreenshot(page, 'evaluation-run-comparison-desktop-dark');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Switch to light theme' }).click();
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.getByRole('checkbox', { name: 'Only where they differ' }).check();
    await expect
      .poll(() => page.getByRole('list', { name: 'Cases of the run' }).getByRole('listitem', { name: /^Case/ }).count())
      .toBe(1);
    await differing.waitFor();
    expect(ui.session.consoleProblems).toEqual([]);
  });

  it('saves a chat as a case of the set in one click', async () => {
    const { page } = ui.session;
    await startChat(page, 'Desk AI');
    await sendMessage(page, 'Do you deliver on Sundays?');
    await waitForFinishedReply(page, 0, 'We ship to most countries.');
    await saveConversationAsCase(page);
    await page
      .getByRole('status')
      .filter({ hasText: `Saved to ${setName}.` })
      .waitFor();

    await page.getByRole('status').getByRole('link', { name: setName }).click();
    await page.getByRole('heading', { name: setName, level: 1 }).waitFor();
    await page
      .getByRole('row', { name: /Do you deliver on Sundays\?/ })
      .getByText('From a conversation')
      .waitFor();
    expect(ui.session.consoleProblems).toEqual([]);
  });
});

async function saveConversationAsCase(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Save as test case' }).click();
  const dialog = page.getByRole('dialog', { name: 'Save as test case' });
  await dialog.getByRole('radio', { name: new RegExp(`^${setName}`) }).check();
  await dialog.getByRole('button', { name: 'Save case' }).click();
  await dialog.waitFor({ state: 'detached' });
}
