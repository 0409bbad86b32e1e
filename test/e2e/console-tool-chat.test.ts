import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { startHttpMcpServer, type TestHttpMcpServer } from '../mcp/fixtures/http-server.js';
import { waitUntilSignedIn } from './support/auth-screens.js';
import {
  browserWaitMs,
  describeInBrowser,
  horizontalOverflowPx,
  saveScreenshot,
  viewports,
  type BrowserSession,
} from './support/browser.js';
import { openArea, replies, sendMessage, startChat, waitForFinishedReply } from './support/console-screens.js';
import { openAdministratorConsole, type AdministratorConsole } from './support/administrator-console.js';

const admin = { email: 'tess@example.test', password: 'a long admin password' };
const serverName = 'Calculator';
const agentName = 'Accountant';

const toolCall = (page: Page, name: string): Locator =>
  replies(page).getByRole('region', { name: `Tool call ${name}` });

type CompletionBody = { messages?: Array<{ role: string; content?: unknown }> };
const completions = (fake: FakeOpenAIServer) =>
  fake.requests.filter((request) => request.path.endsWith('/chat/completions'));
/** The tool loop's requests (they offer the model tools; the title's does not). */
const toolLoopCompletions = (fake: FakeOpenAIServer) =>
  completions(fake).filter((request) => (request.body as { tools?: unknown[] }).tools !== undefined);

/** The `tool` messages of the latest completion request: what the model was told the tool answered. */
function toolResultsSentToModel(fake: FakeOpenAIServer): string[] {
  const body = toolLoopCompletions(fake).at(-1)?.body as CompletionBody | undefined;
  return (body?.messages ?? []).filter((message) => message.role === 'tool').map((message) => String(message.content));
}

/**
 * The model asks for `add {a: 2, b: 3}`, then answers once the person has decided; the conversation's
 * title is written after that (a reply awaiting approval is not finished), from the third request.
 */
function scriptAddThenAnswer(fake: FakeOpenAIServer, answer: string, title: string): void {
  fake.respondWith({
    script: [
      { toolCalls: [{ id: 'call_add_1', name: 'add', arguments: JSON.stringify({ a: 2, b: 3 }) }] },
      { replyTokens: answer.split(/(?= )/) },
      { replyTokens: [title] },
    ],
  });
}

/** The title is the last scripted request: once it shows, the next script cannot be consumed by it. */
const waitForTitle = (page: Page, title: string) =>
  page.getByRole('heading', { name: title, level: 2 }).waitFor({ timeout: browserWaitMs });

describeInBrowser('web console: an agent calls an MCP tool in chat, after the person approves it', () => {
  let mcp: TestHttpMcpServer;
  let fake: FakeOpenAIServer;
  let ui: AdministratorConsole;
  let session: BrowserSession;

  beforeAll(async () => {
    [mcp, fake] = await Promise.all([startHttpMcpServer(), startFakeOpenAIServer()]);
    // The MCP server listens on loopback, which the outbound guard refuses unless allowed.
    ui = await openAdministratorConsole(
      { OPENAI_API_KEY: 'sk-e2e-test', OPENAI_BASE_URL: fake.baseUrl, OUTBOUND_ALLOW: '127.0.0.1' },
      admin,
    );
    ({ session } = ui);
  });
  afterAll(async () => {
    await ui?.close();
    await Promise.all([mcp?.close(), fake?.close()]);
  });

  it('adds the MCP server, syncs it, and enables its add tool, asking first', async () => {
    const { page } = session;
    await openArea(page, 'Tools');
    await page.getByRole('link', { name: 'Add server' }).click();
    await page.getByLabel('Name').fill(serverName);
    await page.getByLabel('URL').fill(mcp.url);
    await page.getByRole('button', { name: 'Add server' }).click();
    await page.getByRole('heading', { name: serverName, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Sync tools' }).click();
    const add = page.getByRole('list', { name: 'Tools' }).getByRole('listitem', { name: 'add', exact: true });
    await add.waitFor();
    // A synced tool starts switched off: an admin chooses what members' agents may use.
    await add.getByLabel('Enabled').check();
    await add.getByText('Disabled', { exact: true }).waitFor({ state: 'detached' });
    await add.getByLabel('Approval').selectOption('needs_approval');
    await add.locator('.badge', { hasText: 'Needs approval' }).waitFor();
  });

  it('gives an agent the add tool in the agent editor', async () => {
    const { page } = session;
    await openArea(page, 'Agents');
    await page.getByRole('link', { name: 'New agent' }).click();
    await page.getByLabel('Name').fill(agentName);
    await page.getByLabel('Personality').fill('You add numbers with the add tool.');
    await page.getByLabel('Model').selectOption('openai:gpt-4o-mini');
    const mcpTools = page.getByRole('group', { name: `MCP · ${serverName}` });
    await mcpTools.getByRole('checkbox', { name: /^add/ }).check();
    await expect(mcpTools.getByText('asks first').count()).resolves.toBe(1);
    await saveScreenshot(page, 'agent-tool-picker-desktop-light');
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.getByRole('rowheader', { name: agentName }).waitFor();
  });

  it('asks before the tool runs, runs it once approved, and streams the answer into the same reply', async () => {
    const { page } = session;
    scriptAddThenAnswer(fake, 'Two plus three is 5.', 'Adding numbers');
    await startChat(page, agentName);
    await sendMessage(page, 'What is 2 + 3?');

    const add = toolCall(page, 'add');
    await add.getByText('Needs your approval').waitFor();
    // What is asked for is shown open, as the model wrote it.
    await expect(add.locator('pre').first().textContent()).resolves.toBe('{\n  "a": 2,\n  "b": 3\n}');
    // Nothing ran yet: the model has been asked once, and was given no result.
    expect(toolLoopCompletions(fake)).toHaveLength(1);
    expect(toolResultsSentToModel(fake)).toEqual([]);
    await saveScreenshot(page, 'chat-tool-approval-desktop-light');

    await add.getByRole('button', { name: 'Approve' }).click();
    await add.getByText('Done', { exact: true }).waitFor();
    await waitForFinishedReply(page, 0, 'Two plus three is 5.');
    await add.getByText('Result').click();
    await expect(add.locator('pre').nth(1).textContent()).resolves.toBe('5');
    await expect(replies(page).count()).resolves.toBe(1);
    await saveScreenshot(page, 'chat-tool-result-desktop-light');

    // The model was given the tool's result.
    expect(toolResultsSentToModel(fake)).toEqual(['5']);
    await waitForTitle(page, 'Adding numbers');
  });

  it('shows the call and its result again after a reload', async () => {
    const { page } = session;
    await page.reload();
    await waitUntilSignedIn(page);
    await waitForFinishedReply(page, 0, 'Two plus three is 5.');
    await toolCall(page, 'add').getByText('Done', { exact: true }).waitFor();
  });

  it('asks again after a reload while waiting, and a denial never runs the tool', async () => {
    const { page } = session;
    scriptAddThenAnswer(fake, 'Fine, I will not add them.', 'Not adding');
    await startChat(page, agentName);
    await sendMessage(page, 'And 2 + 3 again?');
    await toolCall(page, 'add').getByText('Needs your approval').waitFor();

    await page.reload();
    await waitUntilSignedIn(page);
    const add = toolCall(page, 'add');
    await add.getByRole('button', { name: 'Deny' }).click({ timeout: browserWaitMs });
    await waitForFinishedReply(page, 0, 'Fine, I will not add them.');
    await add.getByText('Denied: the tool did not run.').waitFor();
    await waitForTitle(page, 'Not adding');
    // The model was told of the denial, and got no sum.
    expect(toolResultsSentToModel(fake).at(-1)).not.toBe('5');
  });

  it('shows the denied call on a phone in dark mode without sideways scrolling', async () => {
    const { page } = session;
    await page.setViewportSize(viewports.phone);
    await page.emulateMedia({ colorScheme: 'dark' });
    try {
      // The console reads the system's colour scheme when it loads.
      await page.reload();
      await waitUntilSignedIn(page);
      await toolCall(page, 'add').getByText('Denied', { exact: true }).waitFor();
      await saveScreenshot(page, 'chat-tool-denied-phone-dark');
      await expect(horizontalOverflowPx(page)).resolves.toBeLessThanOrEqual(0);
    } finally {
      await page.setViewportSize(viewports.desktop);
      await page.emulateMedia({ colorScheme: 'light' });
      await page.reload();
      await waitUntilSignedIn(page);
    }
  });

  it('logs no console errors along the way', () => {
    expect(session.consoleProblems).toEqual([]);
  });
});
