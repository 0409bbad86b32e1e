import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAgent } from '../harness/chat-setup.js';
import { createTenantWithAdmin, registerPlatformAdmin } from '../harness/tenant-setup.js';
import { createSource, uploadAccepted, waitForDocument } from '../knowledge/knowledge-setup.js';
import { createInbox } from '../widget/widget-setup.js';
import { describeInBrowser, launchChromium, openBrowserSession, type BrowserSession } from './support/browser.js';
import { startE2eServer, type E2eServer } from './support/e2e-server.js';

const faq =
  '# Returns\n\nParcels can be returned within 30 days of delivery. Print the label from your account page.\n';

describeInBrowser('the widget on another site: the AI answers from knowledge, then a person is asked for', () => {
  let server: E2eServer;
  let site: Server;
  let siteUrl: string;
  let browser: Browser;
  let visitor: BrowserSession;

  beforeAll(async () => {
    server = await startE2eServer();
    const platformAdmin = await registerPlatformAdmin(server.app);
    const admin = await createTenantWithAdmin(server.app, platformAdmin, 'Shop');
    const sourceId = (await createSource(server.app, admin, { name: 'FAQ' })).id;
    const document = await uploadAccepted(server.app, admin, sourceId, Buffer.from(faq), { filename: 'faq.md' });
    expect((await waitForDocument(server.app, admin, sourceId, document.id)).status).toBe('ready');
    const agent = await createAgent(server.app, admin, {
      name: 'FAQ bot',
      model: 'offline',
      visibility: 'tenant',
      knowledgeSourceIds: [sourceId],
    });
    // The shop's page, on a port (so an origin) of its own, with the one line of the snippet.
    let inboxId = '';
    site = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        `<!doctype html><html lang="en"><head><title>Shop</title></head><body><h1>The shop</h1>` +
          `<script src="${server.baseUrl}/widget.js" data-inbox="${inboxId}" async></script></body></html>`,
      );
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    inboxId = (await createInbox(server.app, admin, { agentId: agent.id, allowedOrigins: [siteUrl] })).id;
    browser = await launchChromium();
    visitor = await openBrowserSession(browser, siteUrl, { viewport: 'phone' });
  }, 180_000);
  afterAll(async () => {
    await visitor?.close();
    await browser?.close();
    await new Promise((resolve) => site?.close(resolve));
    await server?.close();
  }, 120_000);

  it('answers from the knowledge source, hands over on request, and keeps the conversation across a reload', async () => {
    const { page } = visitor;
    await page.goto(siteUrl);
    await page.getByRole('button', { name: 'Open support chat' }).click();
    const panel = page.frameLocator('iframe[title="Support chat"]');
    await panel.getByRole('textbox', { name: 'Write a message…' }).fill('How many days do I have to return a parcel?');
    await panel.getByRole('textbox', { name: 'Write a message…' }).press('Enter');
    await expect
      .poll(() => panel.locator('.message.ai').last().textContent(), { timeout: 30_000 })
      .toContain('30 days');
    await panel.getByRole('button', { name: 'Talk to a person' }).click();
    await expect
      .poll(() => panel.getByRole('status').textContent(), { timeout: 15_000 })
      .toContain('Waiting for a person');

    await page.reload();
    await page.getByRole('button', { name: 'Open support chat' }).click();
    await expect
      .poll(() => panel.locator('.message.contact').first().textContent(), { timeout: 15_000 })
      .toContain('return a parcel');
    expect(visitor.consoleProblems).toEqual([]);
  }, 120_000);
});
