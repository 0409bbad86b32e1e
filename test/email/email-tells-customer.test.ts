import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextOpening } from '../../src/modules/inbox/inboxes/business-hours.js';
import { defaultAcknowledgements, readableTime } from '../../src/modules/email/customer-notices.js';
import { createInbox } from '../widget/widget-setup.js';
import { startEmailDesk, type EmailDesk } from './email-desk.js';
import { rawSmtp, type RelayedMail } from './smtp-relay.js';

/**
 * What an email customer is told besides the replies (docs/email-inbox.md): the handover line, in and out
 * of the business hours; a human-only inbox's acknowledgement; a rating request whose signed link opens
 * a rating page. Real mail both ways: the listener over SMTP, the relay the replies go through.
 */
describe('the email inbox tells the customer what happens', () => {
  let desk: EmailDesk;
  let noAnswerInbox: { id: string };
  let ratedInbox: { id: string };
  const noAnswerReply = 'Sorry, I do not know that.';
  // A weekday three days from today, 09:00–17:00 in Berlin: closed now, whatever the hour.
  const openDay = (new Date().getUTCDay() + 3) % 7;
  const closedHours = { timeZone: 'Europe/Berlin', days: [{ weekday: openDay, opens: '09:00', closes: '17:00' }] };

  beforeAll(async () => {
    desk = await startEmailDesk({ maxMailBytes: 64 * 1024 });
    await createInbox(desk.t.app, desk.admin, {
      name: 'Night desk',
      kind: 'email',
      emailAddress: 'night@shop.example',
      allowedOrigins: [],
      agentId: desk.agent.id,
      businessHours: closedHours,
    });
    noAnswerInbox = await createInbox(desk.t.app, desk.admin, {
      name: 'Answers',
      kind: 'email',
      emailAddress: 'answers@shop.example',
      allowedOrigins: [],
      agentId: desk.agent.id,
      handoff: { noAnswerReply },
    });
    ratedInbox = await createInbox(desk.t.app, desk.admin, {
      name: 'Billing',
      kind: 'email',
      emailAddress: 'billing@shop.example',
      allowedOrigins: [],
      csatEnabled: true,
    });
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  const repliesTo = (messageId: string) => (mail: RelayedMail) => mail.header('in-reply-to') === `<${messageId}>`;
  const mailsTo = (messageId: string) => desk.relay.received.filter(repliesTo(messageId));
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('mails the handover line when the customer asks for a person within the hours, and no AI reply', async () => {
    await desk.client.send({
      from: 'kim@customer.example',
      to: 'help@shop.example',
      subject: 'Cancel my plan',
      text: 'I want to talk to a human, please.',
      messageId: '<kim-1@customer.example>',
    });
    const mail = await desk.relay.waitFor(repliesTo('kim-1@customer.example'));
    expect(mail.mail.text?.trim()).toBe('A person was asked for and will reply to you by mail shortly.');
    expect(mail.mail.from?.value[0]).toMatchObject({ name: 'Help', address: 'help@shop.example' });
    expect(mail.mail.subject).toBe('Re: Cancel my plan');
    expect(mail.header('auto-submitted')).toBe('auto-replied');
    await pause(1_500);
    expect(mailsTo('kim-1@customer.example')).toHaveLength(1);
  }, 60_000);

  it('says outside the hours when a person is back, in the inbox time zone', async () => {
    await desk.client.send({
      from: 'lee@customer.example',
      to: 'night@shop.example',
      subject: 'Locked out',
      text: 'agent please',
      messageId: '<lee-1@customer.example>',
    });
    const mail = await desk.relay.waitFor(repliesTo('lee-1@customer.example'));
    const backAt = nextOpening(closedHours, new Date())!;
    expect(mail.mail.text?.trim()).toBe(
      `A person was asked for. Nobody is at work now; someone is back on ${readableTime(backAt, 'Europe/Berlin', 'en')} and will reply to you by mail.`,
    );
    expect(mail.mail.text).toContain('(Europe/Berlin)');
  }, 60_000);

  it("mails the handover in place of the AI's no-answer reply", async () => {
    desk.openai.respondWith({ replyTokens: [noAnswerReply] });
    try {
      await desk.client.send({
        from: 'max@customer.example',
        to: 'answers@shop.example',
        subject: 'Warranty',
        text: 'How long is the warranty on the blue kettle?',
        messageId: '<max-1@customer.example>',
      });
      const mail = await desk.relay.waitFor(repliesTo('max-1@customer.example'));
      expect(mail.mail.text?.trim()).toBe('A person was asked for and will reply to you by mail shortly.');
      await pause(1_500);
      expect(mailsTo('max-1@customer.example')).toHaveLength(1);
      const [conversation] = await desk.conversationsOf(noAnswerInbox.id);
      expect(conversation?.status).toBe('pending');
    } finally {
      desk.openai.respondWith({ replyTokens: ['Hello from the fake model.'] });
    }
  }, 60_000);

  it("acknowledges a human-only inbox's new conversation once, threaded, in the inbox's words per language", async () => {
    await desk.client.send({
      from: 'ona@customer.example',
      to: 'people@shop.example',
      subject: 'Invoice address',
      text: 'Please change the address on invoice 12.',
      messageId: '<ona-1@customer.example>',
    });
    const ack = await desk.relay.waitFor(repliesTo('ona-1@customer.example'));
    expect(ack.mail.text?.trim()).toBe(defaultAcknowledgements.en);
    expect(ack.mail.from?.value[0]).toMatchObject({ name: 'People', address: 'people@shop.example' });
    expect(ack.header('auto-submitted')).toBe('auto-replied');
    expect(ack.header('references')).toBe('<ona-1@customer.example>');

    // The customer writes again in the thread: no second acknowledgement.
    await desk.client.send({
      from: 'ona@customer.example',
      to: 'people@shop.example',
      subject: 'Re: Invoice address',
      text: 'It is Main Street 2.',
      messageId: '<ona-2@customer.example>',
      inReplyTo: ack.mail.messageId!,
    });
    // The same mail again (a sending server that missed our answer): nothing more either.
    await desk.client.send({
      from: 'ona@customer.example',
      to: 'people@shop.example',
      subject: 'Invoice address',
      text: 'Please change the address on invoice 12.',
      messageId: '<ona-1@customer.example>',
    });
    // An out-of-office note never opens a conversation, so it is never acknowledged.
    await desk.client.send({
      from: 'ona@customer.example',
      to: 'people@shop.example',
      subject: 'Out of office',
      text: 'I am away.',
      messageId: '<ona-ooo@customer.example>',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    await pause(2_000);
    expect(mailsTo('ona-1@customer.example')).toHaveLength(1);
    expect(mailsTo('ona-2@customer.example')).toHaveLength(0);
    expect(mailsTo('ona-ooo@customer.example')).toHaveLength(0);

    // The admin says it their own way in Chinese; a mail in Chinese gets those words.
    const edited = await desk.t.app.inject({
      method: 'PATCH',
      url: `/v1/inboxes/${desk.humanInbox.id}`,
      headers: desk.admin.headers,
      payload: { widget: { texts: { zh: { emailAcknowledgement: '收到您的邮件，我们的同事会尽快回复。' } } } },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    await desk.client.send({
      from: 'wang@customer.example',
      to: 'people@shop.example',
      subject: '发票',
      text: '请帮我开发票。',
      messageId: '<wang-1@customer.example>',
    });
    const chinese = await desk.relay.waitFor(repliesTo('wang-1@customer.example'));
    expect(chinese.mail.text?.trim()).toBe('收到您的邮件，我们的同事会尽快回复。');
  }, 60_000);

  it('opens one conversation for a mail to two inboxes of the tenant: in the first recipient, also without a Message-ID', async () => {
    const before = {
      help: (await desk.conversationsOf(desk.aiInbox.id)).length,
      people: (await desk.conversationsOf(desk.humanInbox.id)).length,
    };
    await desk.client.send({
      from: 'ivy@customer.example',
      to: ['people@shop.example', 'help@shop.example'],
      subject: 'Both of you',
      text: 'Who answers this?',
      messageId: '<ivy-1@customer.example>',
    });
    // The same, by hand, with no Message-ID and help@ named first this time.
    const replies = await rawSmtp(desk.listenerPort, [
      'EHLO customer.example\r\n',
      'MAIL FROM:<ivy@customer.example>\r\n',
      'RCPT TO:<help@shop.example>\r\n',
      'RCPT TO:<people@shop.example>\r\n',
      'DATA\r\n',
      'From: ivy@customer.example\r\nTo: people@shop.example, help@shop.example\r\nSubject: No id\r\n\r\nStill one?\r\n.\r\n',
      'QUIT\r\n',
    ]);
    expect(replies[6]).toMatch(/^250 /);
    await desk.relay.waitFor(repliesTo('ivy-1@customer.example'));
    const after = {
      help: (await desk.conversationsOf(desk.aiInbox.id)).length,
      people: (await desk.conversationsOf(desk.humanInbox.id)).length,
    };
    expect(after).toEqual({ help: before.help + 1, people: before.people + 1 });
  }, 60_000);

  it('refuses an acknowledgement text past its bound with a 400 naming it', async () => {
    const response = await desk.t.app.inject({
      method: 'PATCH',
      url: `/v1/inboxes/${desk.humanInbox.id}`,
      headers: desk.admin.headers,
      payload: { widget: { texts: { en: { emailAcknowledgement: 'x'.repeat(301) } } } },
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('emailAcknowledgement');
  });

  it('asks for a rating by mail once a conversation is resolved; the signed link rates it; a changed link is a 404 page', async () => {
    await desk.client.send({
      from: 'pia@customer.example',
      to: 'billing@shop.example',
      subject: 'Double charge',
      text: 'I was charged twice.',
      messageId: '<pia-1@customer.example>',
    });
    await desk.relay.waitFor(repliesTo('pia-1@customer.example')); // the acknowledgement
    const [conversation] = await desk.conversationsOf(ratedInbox.id);
    const act = (action: string) =>
      desk.t.app.inject({
        method: 'POST',
        url: `/v1/support-conversations/${conversation!.id}/${action}`,
        headers: desk.operator.headers,
        payload: {},
      });
    expect((await act('take')).statusCode).toBe(200);
    expect((await act('resolve')).statusCode).toBe(200);
    // Two nodes' sweeps: one request.
    await Promise.all([desk.t.app.email.sweepRatingRequests(), desk.t.app.email.sweepRatingRequests()]);
    await desk.t.app.email.sweepRatingRequests();
    const isRequest = (mail: RelayedMail) =>
      mail.envelopeTo.includes('pia@customer.example') && (mail.mail.text ?? '').includes('/v1/mail-ratings/');
    const request = await desk.relay.waitFor(isRequest);
    expect(request.mail.subject).toBe('Re: Double charge');
    expect(request.header('auto-submitted')).toBe('auto-replied');
    const link = /https?:\/\/\S+\/v1\/mail-ratings\/\S+/.exec(request.mail.text ?? '')![0];
    const path = new URL(link).pathname;

    const page = await desk.t.app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('How did Billing do?');
    expect(page.body).toContain('<form method="post">');

    const form = (body: string, url = path) =>
      desk.t.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: body,
      });
    const badRating = await form('rating=9');
    expect(badRating.statusCode).toBe(400);
    expect(badRating.body).toContain('Choose a rating from 1 to 5');

    const rated = await form('rating=4&comment=Sorted+quickly');
    expect(rated.statusCode, rated.body).toBe(200);
    expect(rated.body).toContain('Your rating 4 of 5 for Billing is saved.');
    const view = await desk.t.app.inject({
      method: 'GET',
      url: `/v1/support-conversations/${conversation!.id}`,
      headers: desk.admin.headers,
    });
    expect(view.json<{ rating: { rating: number; comment: string | null } }>().rating).toMatchObject({
      rating: 4,
      comment: 'Sorted quickly',
    });
    const again = await form('rating=1');
    expect(again.statusCode).toBe(409);
    expect((await desk.t.app.inject({ method: 'GET', url: path })).body).toContain('rated already: 4 of 5');

    // One character changed in the signature, or in the claims: a clear page, never a 5xx.
    const last = path.at(-1) === 'A' ? 'B' : 'A';
    const tampered = await desk.t.app.inject({ method: 'GET', url: `${path.slice(0, -1)}${last}` });
    expect(tampered.statusCode).toBe(404);
    expect(tampered.headers['content-type']).toContain('text/html');
    expect(tampered.body).toContain('This rating link is not valid');
    const garbage = await desk.t.app.inject({ method: 'GET', url: '/v1/mail-ratings/not-a-token' });
    expect(garbage.statusCode).toBe(404);

    expect(desk.relay.received.filter(isRequest)).toHaveLength(1);
  }, 60_000);
});
