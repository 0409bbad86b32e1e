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
import { startSmtpRelay, type SmtpRelay } from './smtp-relay.js';

/**
 * A reply's mail is read from the conversation's log (the email outbox, ADR 27) and commits with the
 * reader's cursor: a node that stored it and stopped before its send job ran loses nothing, since any
 * node's sweep queues it; a recipient refused for good is marked failed.
 */
describe('the email outbox: a reply’s mail is read from the log and sent by a job', () => {
  let relay: SmtpRelay;
  let storing: TestApp | undefined;
  let sending: TestApp | undefined;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let inbox: { id: string };

  beforeAll(async () => {
    relay = await startSmtpRelay();
    // The node that takes the mail and the reply, and never runs a job (it "stops" before sending).
    storing = await buildTestApp(
      { EMAIL_SMTP_PORT: '0', EMAIL_SMTP_HOST: '127.0.0.1', EMAIL_SMTP_URL: relay.url },
      { runsJobs: false },
    );
    await storing.app.ready();
    const platformAdmin = await registerPlatformAdmin(storing.app);
    admin = await createTenantWithAdmin(storing.app, platformAdmin, 'Shop');
    await approveEmailDomains(storing.app, platformAdmin, admin.tenantId, ['shop.example']);
    operator = await createUser(storing.app, admin, 'operator');
    inbox = await createInbox(storing.app, admin, {
      name: 'People',
      kind: 'email',
      emailAddress: 'people@shop.example',
      allowedOrigins: [],
    });
  }, 120_000);
  afterAll(async () => {
    await storing?.close();
    await sending?.close();
    await relay?.close();
  });

  const emailRows = async (database: TestApp['database'], contactAddress: string) =>
    (
      await database.executeSql(
        `select direction, status, attempts, last_error as "lastError" from email_messages
         where contact_address = $1 and direction = 'outbound'`,
        [contactAddress],
      )
    ).rows;

  /**
   * An operator opens a conversation with a new contact of that address and replies: one outbound mail.
   * (A first mail from the contact would be acknowledged too, this inbox having no agent: a second mail
   * these tests of one reply's delivery do not want; email-tells-customer.test.ts tests that one.)
   */
  async function replyToNewMail(app: TestApp, from: string, content: string) {
    const contact = await app.app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers: admin.headers,
      payload: { name: 'Customer', email: from },
    });
    expect(contact.statusCode, contact.body).toBe(201);
    const opened = await app.app.inject({
      method: 'POST',
      url: '/v1/support-conversations',
      headers: operator.headers,
      payload: { inboxId: inbox.id, contactId: contact.json<{ id: string }>().id },
    });
    expect(opened.statusCode, opened.body).toBe(201);
    const reply = await app.app.inject({
      method: 'POST',
      url: `/v1/support-conversations/${opened.json<{ id: string }>().id}/messages`,
      headers: operator.headers,
      payload: { content },
    });
    expect(reply.statusCode, reply.body).toBe(201);
  }

  it('sends, through any node’s sweep, a reply whose node stopped before its job ran', async () => {
    await replyToNewMail(storing!, 'ann@customer.example', 'Stored, not yet sent.');
    // Read from the conversation's log just after the reply is stored (ADR 27).
    await expect
      .poll(() => emailRows(storing!.database, 'ann@customer.example'), { timeout: 10_000 })
      .toEqual([{ direction: 'outbound', status: 'pending', attempts: 0, lastError: null }]);
    // Its node died before queueing the job (or the queued job was lost): nothing but the row is left,
    // and it is older than the sweep's grace.
    const queued = async () =>
      (await storing!.database.executeSql("select count(*)::int as count from pgboss.job where name = 'email.send'"))
        .rows;
    await expect.poll(queued, { timeout: 10_000 }).toEqual([{ count: 1 }]);
    await storing!.database.executeSql("delete from pgboss.job where name = 'email.send'");
    await storing!.database.executeSql("update email_messages set created_at = now() - interval '5 minutes'");
    sending = await buildTestApp({ EMAIL_SMTP_URL: relay.url }, { sharedDatabase: storing!.database });
    await sending.app.ready();
    const sent = await relay.waitFor((mail) => mail.envelopeTo.includes('ann@customer.example'));
    expect(sent.mail.text?.trim()).toBe('Stored, not yet sent.');
    await expect
      .poll(() => emailRows(storing!.database, 'ann@customer.example'), { timeout: 10_000 })
      .toEqual([{ direction: 'outbound', status: 'sent', attempts: 1, lastError: null }]);
  }, 60_000);

  it('retries a reply the mail server refused for now, and sends it on the retry', async () => {
    await replyToNewMail(storing!, 'busy-once@customer.example', 'Second time lucky.');
    await expect
      .poll(() => emailRows(storing!.database, 'busy-once@customer.example'), { timeout: 15_000 })
      .toEqual([{ direction: 'outbound', status: 'pending', attempts: 1, lastError: expect.stringContaining('451') }]);
    // The job waits out its backoff (30 s); brought forward, as the test need not sit it out.
    const waiting = async () =>
      (
        await storing!.database.executeSql(
          "update pgboss.job set start_after = now() where name = 'email.send' and state = 'retry' returning id",
        )
      ).rows.length;
    await expect.poll(waiting, { timeout: 15_000 }).toBe(1);
    const sent = await relay.waitFor((mail) => mail.envelopeTo.includes('busy-once@customer.example'));
    expect(sent.mail.text?.trim()).toBe('Second time lucky.');
    await expect
      .poll(() => emailRows(storing!.database, 'busy-once@customer.example'), { timeout: 10_000 })
      .toEqual([{ direction: 'outbound', status: 'sent', attempts: 2, lastError: null }]);
  }, 60_000);

  it('sends a mail once while its send is in flight, however often the sweeps run meanwhile', async () => {
    // A second sending node, polling often: a twin job queued for a mail in flight on `sending` would run
    // here at once. Each round forces the overlap (the relay holds the first send's 250), so a few suffice.
    const sendingToo = await buildTestApp(
      { EMAIL_SMTP_URL: relay.url, JOB_POLL_INTERVAL_MS: '500' },
      { sharedDatabase: storing!.database },
    );
    try {
      await sendingToo.app.ready();
      const waitingSends = async () =>
        (
          await storing!.database.executeSql(
            "select count(*)::int as count from pgboss.job where name = 'email.send' and state in ('created', 'retry')",
          )
        ).rows;
      for (let round = 0; round < 3; round += 1) {
        const address = `held-${round}@customer.example`;
        await replyToNewMail(storing!, address, `Round ${round}.`);
        await expect.poll(() => relay.heldCount(), { timeout: 15_000 }).toBe(1);
        // In flight, the mail is still `pending`, and now older than the sweep's grace: both nodes sweep.
        await storing!.database.executeSql(
          "update email_messages set created_at = now() - interval '5 minutes' where contact_address = $1",
          [address],
        );
        await Promise.all([storing!.app.email.sweepWaiting(), sendingToo.app.email.sweepWaiting()]);
        await expect.poll(waitingSends, { timeout: 10_000 }).toEqual([{ count: 0 }]);
        // Two polling intervals for a twin to be fetched and reach the relay, had one been queued.
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        expect(relay.heldCount()).toBe(1);
        relay.releaseHeld();
        await expect
          .poll(() => emailRows(storing!.database, address), { timeout: 10_000 })
          .toEqual([{ direction: 'outbound', status: 'sent', attempts: 1, lastError: null }]);
        expect(relay.received.filter((mail) => mail.envelopeTo.includes(address))).toHaveLength(1);
      }
    } finally {
      relay.releaseHeld();
      await sendingToo.close();
    }
  }, 90_000);

  it('marks failed, without retrying, a reply the mail server refuses for good', async () => {
    await replyToNewMail(storing!, 'no-such-mailbox@customer.example', 'Nobody reads this.');
    await expect
      .poll(() => emailRows(storing!.database, 'no-such-mailbox@customer.example'), { timeout: 15_000 })
      .toEqual([{ direction: 'outbound', status: 'failed', attempts: 1, lastError: expect.stringContaining('550') }]);
  }, 60_000);
});
