import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createRatingLinks } from '../../src/modules/email/mail-rating-links.js';
import { deriveServerKeys } from '../../src/platform/secrets.js';
import { approveEmailDomains } from '../email/email-desk.js';
import { createTenantWithAdmin, createUser, registerPlatformAdmin } from '../harness/tenant-setup.js';
import { createInbox } from '../widget/widget-setup.js';
import { accessibilityProblems } from './support/accessibility.js';
import { describeInBrowser, launchChromium, openBrowserSession } from './support/browser.js';
import { startE2eServer, type E2eServer } from './support/e2e-server.js';

/**
 * The rating page a rating request by mail links to (docs/email-inbox.md, "Rating by mail"), in Chromium
 * with JavaScript off, as a mail client's browser may be: axe finds nothing on the form, the thanks or
 * the refusal, and the form works with the keyboard and no script.
 */
describeInBrowser('the rating page of a rating request by mail', () => {
  let server: E2eServer;
  let browser: Browser;
  let link: string;

  beforeAll(async () => {
    server = await startE2eServer();
    const { app } = server;
    const platformAdmin = await registerPlatformAdmin(app);
    const admin = await createTenantWithAdmin(app, platformAdmin, 'Shop');
    await approveEmailDomains(app, platformAdmin, admin.tenantId, ['shop.example']);
    const operator = await createUser(app, admin, 'operator');
    const inbox = await createInbox(app, admin, {
      name: 'Billing',
      kind: 'email',
      emailAddress: 'billing@shop.example',
      allowedOrigins: [],
      csatEnabled: true,
    });
    const contact = await app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers: admin.headers,
      payload: { name: 'Pia', email: 'pia@customer.example' },
    });
    const opened = await app.inject({
      method: 'POST',
      url: '/v1/support-conversations',
      headers: operator.headers,
      payload: { inboxId: inbox.id, contactId: contact.json<{ id: string }>().id },
    });
    const id = opened.json<{ id: string }>().id;
    // A reply first, as every email conversation has one: its chat conversation is where a rating's contact is found.
    const replied = await app.inject({
      method: 'POST',
      url: `/v1/support-conversations/${id}/messages`,
      headers: operator.headers,
      payload: { content: 'Refunded.' },
    });
    expect(replied.statusCode, replied.body).toBe(201);
    const resolved = await app.inject({
      method: 'POST',
      url: `/v1/support-conversations/${id}/resolve`,
      headers: operator.headers,
      payload: {},
    });
    expect(resolved.statusCode, resolved.body).toBe(200);
    // The link the rating request's mail carries, signed as the server signs it (its e2e secret).
    const keys = deriveServerKeys('e2e-secret-'.padEnd(40, 'x'));
    link = createRatingLinks({ credentialsKey: keys.credentialsKey, publicUrl: server.baseUrl }).linkFor(
      {
        tenantId: admin.tenantId,
        supportConversationId: id,
        resolvedAt: new Date(resolved.json<{ statusChangedAt: string }>().statusChangedAt),
      },
      new Date(),
    );
    browser = await launchChromium();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  }, 120_000);

  it('rates with the keyboard and no script; the form, the thanks and a changed link are axe clean', async () => {
    // axe runs as a script: it checks the pages in a context that runs them; the rating is sent from one
    // that does not, as some mail clients' browsers are.
    const session = await openBrowserSession(browser, server.baseUrl);
    const scriptless = await browser.newContext({ javaScriptEnabled: false });
    scriptless.setDefaultTimeout(10_000);
    const page = await scriptless.newPage();
    try {
      await session.page.goto(link);
      await session.page.getByRole('heading', { name: 'How did Billing do?' }).waitFor();
      expect(await accessibilityProblems(session.page)).toEqual([]);

      await page.goto(link);
      await page.getByRole('radio', { name: '4' }).check();
      await page.getByLabel('A comment, if you like').fill('Sorted quickly');
      await page.getByRole('button', { name: 'Send my rating' }).press('Enter');
      await page.getByText('Your rating 4 of 5 for Billing is saved.').waitFor();

      await session.page.goto(link);
      await session.page.getByText('This conversation was rated already: 4 of 5 for Billing.').waitFor();
      expect(await accessibilityProblems(session.page)).toEqual([]);
      const changed = `${link.slice(0, -1)}${link.endsWith('A') ? 'B' : 'A'}`;
      const refused = await session.page.goto(changed);
      expect(refused?.status()).toBe(404);
      await session.page.getByText('This rating link is not valid').waitFor();
      expect(await accessibilityProblems(session.page)).toEqual([]);
      expect(session.consoleProblems.filter((problem) => !problem.includes('404'))).toEqual([]);
    } finally {
      await scriptless.close();
      await session.close();
    }
  }, 120_000);
});
