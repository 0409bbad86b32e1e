import type { Locator, Page } from 'playwright-core';
import { browserWaitMs } from './browser.js';

/** Goes to an area through the main navigation (on a phone it sits behind the Menu button). */
export async function openArea(
  page: Page,
  area:
    | 'Chats'
    | 'Inbox'
    | 'Contacts'
    | 'Agents'
    | 'Evaluations'
    | 'Knowledge'
    | 'Tools'
    | 'API keys'
    | 'Inbox settings'
    | 'Analytics'
    | 'Administration',
): Promise<void> {
  const navigation = page.getByRole('navigation', { name: 'Main' });
  // Exact: 'Inbox' is also the start of 'Inbox settings'.
  const link = navigation.getByRole('link', { name: area, exact: true });
  const menu = page.getByRole('button', { name: 'Menu' });
  // isVisible() does not wait: right after a load, wait until either the link or the Menu button shows.
  await link.or(menu).first().waitFor({ timeout: browserWaitMs });
  if (!(await link.isVisible())) await menu.click();
  await link.click();
}

/** Creates an agent through Agents → New agent, and waits until the list shows it. */
export async function createAgentInConsole(
  page: Page,
  agent: { name: string; personality: string; model: string },
): Promise<void> {
  await openArea(page, 'Agents');
  await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
  await page.getByRole('link', { name: 'New agent' }).click();
  await page.getByRole('heading', { name: 'New agent' }).waitFor();
  await page.getByLabel('Name').fill(agent.name);
  await page.getByLabel('Personality').fill(agent.personality);
  const model = page.getByLabel('Model');
  // The choices arrive from GET /v1/providers/models; selectOption waits for the option to exist.
  await model.selectOption(agent.model);
  await page.getByRole('button', { name: 'Create agent' }).click();
  await page.getByRole('heading', { name: 'Agents', level: 1 }).waitFor();
  await page.getByRole('rowheader', { name: agent.name }).waitFor();
}

/** Chats → New chat → pick the agent → Start chat; resolves with the new conversation's id (from the URL). */
export async function startChat(page: Page, agentName: string): Promise<string> {
  await openArea(page, 'Chats');
  await page.getByRole('button', { name: 'New chat' }).click();
  const panel = page.getByRole('form', { name: 'New chat' });
  await panel.getByLabel('Agent').selectOption({ label: agentName });
  await panel.getByRole('button', { name: 'Start chat' }).click();
  await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
  await chatHistory(page).waitFor();
  const id = new URL(page.url()).pathname.split('/').at(-1);
  if (!id) throw new Error(`no conversation id in ${page.url()}`);
  return id;
}

export const chatHistory = (page: Page): Locator => page.getByRole('log', { name: 'Chat history' });
export const replies = (page: Page): Locator => chatHistory(page).getByRole('article', { name: 'Reply' });
export const sentMessages = (page: Page): Locator => chatHistory(page).getByRole('article', { name: 'You said' });

export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

/**
 * Watches the reply at `index` while it streams, until all of `tokens` are shown and it is no longer busy.
 * Returns, per sample, how many leading tokens were on screen (e.g. [0, 0, 1, 3, 4, …, 10]), so a test
 * can tell a reply that grew token by token from one that appeared all at once.
 */
export async function sampleReplyGrowth(
  page: Page,
  index: number,
  tokens: readonly string[],
  options: { timeoutMs?: number; onSample?: (shownTokens: number) => Promise<void> } = {},
): Promise<number[]> {
  const deadline = Date.now() + (options.timeoutMs ?? browserWaitMs);
  const samples: number[] = [];
  for (;;) {
    // allTextContents and getAttribute on a present element do not wait, so each sample is a snapshot.
    const text = (await replies(page).allTextContents())[index] ?? '';
    let shown = 0;
    while (shown < tokens.length && text.includes(tokens.slice(0, shown + 1).join(''))) shown += 1;
    samples.push(shown);
    await options.onSample?.(shown);
    if (shown === tokens.length && (await replies(page).nth(index).getAttribute('aria-busy')) === 'false') {
      return samples;
    }
    if (Date.now() > deadline) throw new Error(`reply ${index} did not finish in time; samples: ${samples.join(',')}`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

/** Waits until the reply at `index` has stopped streaming (its article is no longer aria-busy) and contains `text`. */
export async function waitForFinishedReply(page: Page, index: number, text: string, timeoutMs = browserWaitMs) {
  const reply = replies(page).nth(index);
  await reply.and(page.locator('[aria-busy="false"]')).filter({ hasText: text }).waitFor({ timeout: timeoutMs });
  return reply;
}
