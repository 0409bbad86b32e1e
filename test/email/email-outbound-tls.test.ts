import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { createInbox } from '../widget/widget-setup.js';
import { approveEmailDomains } from './email-desk.js';
import { mailClient, startSmtpRelay, type SmtpRelay } from './smtp-relay.js';

/** A self-signed certificate for 127.0.0.1, made for this test only (openssl, valid for 100 years). */
const tls = {
  key: readFileSync(new URL('./fixtures/relay-key.pem', import.meta.url)),
  cert: readFileSync(new URL('./fixtures/relay-cert.pem', import.meta.url)),
};

/** Replies sent over TLS (`smtps://`), and what EMAIL_SMTP_TLS_VERIFY decides about a certificate that does not verify. */
describe('email replies over TLS', () => {
  let relay: SmtpRelay;
  const apps: TestApp[] = [];

  beforeAll(async () => {
    relay = await startSmtpRelay({ tls });
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await relay?.close();
  });

  /** A node sending through the TLS relay, with a human-only email inbox and an operator's reply in it. */
  async function replyThrough(verifyTls: 'true' | 'false', contact: string) {
    const t = await buildTestApp({
      EMAIL_SMTP_PORT: '0',
      EMAIL_SMTP_HOST: '127.0.0.1',
      EMAIL_SMTP_URL: relay.url,
      EMAIL_SMTP_TLS_VERIFY: verifyTls,
    });
    apps.push(t);
    await t.app.ready();
    const platformAdmin = await registerPlatformAdmin(t.app);
    const admin: SignedInUser = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
    await approveEmailDomains(t.app, platformAdmin, admin.tenantId, ['shop.example']);
    const operator = await createUser(t.app, admin, 'operator');
    const inbox = await createInbox(t.app, admin, {
      name: 'People',
      kind: 'email',
      emailAddress: 'people@shop.example',
      allowedOrigins: [],
    });
    const client = mailClient(t.app.email.listenerAddress()!.port);
    await client.send({
      from: contact,
      to: 'people@shop.example',
      subject: 'Hi',
      text: 'Hello',
      messageId: `<${contact}>`,
    });
    client.close();
    const list = await t.app.inject({
      method: 'GET',
      url: `/v1/support-conversations?inboxId=${inbox.id}`,
      headers: admin.headers,
    });
    const [conversation] = list.json<{ items: { id: string }[] }>().items;
    const reply = await t.app.inject({
      method: 'POST',
      url: `/v1/support-conversations/${conversation!.id}/messages`,
      headers: operator.headers,
      payload: { content: 'Over TLS.' },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    return t;
  }

  it('sends over smtps:// to a self-signed server when EMAIL_SMTP_TLS_VERIFY is false', async () => {
    await replyThrough('false', 'ann@customer.example');
    // The inbox has no agent: its automatic acknowledgement of the mail goes too; this is the reply.
    const sent = await relay.waitFor(
      (mail) => mail.envelopeTo.includes('ann@customer.example') && !mail.header('auto-submitted'),
    );
    expect(sent.mail.text?.trim()).toBe('Over TLS.');
  }, 60_000);

  it('refuses that certificate by default, keeping the reply to retry and saying why', async () => {
    const t = await replyThrough('true', 'bo@customer.example');
    const attempt = () =>
      t.database
        .executeSql(
          'select status, attempts, last_error as "lastError" from email_messages where direction = \'outbound\'',
        )
        .then(({ rows }) => rows as { status: string; attempts: number; lastError: string | null }[]);
    await expect.poll(async () => (await attempt())[0]?.attempts ?? 0, { timeout: 15_000 }).toBe(1);
    const [row] = await attempt();
    expect(row?.status).toBe('pending');
    expect(row?.lastError).toMatch(/self.signed certificate/i);
    expect(relay.received.some((mail) => mail.envelopeTo.includes('bo@customer.example'))).toBe(false);
  }, 60_000);
});
