import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmailDesk, type EmailDesk } from './email-desk.js';

const maxMailBytes = 64 * 1024;

describe('the email inbox: mail in over SMTP, answered by the AI or an operator, replies out over SMTP', () => {
  let desk: EmailDesk;
  beforeAll(async () => {
    desk = await startEmailDesk({ maxMailBytes });
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('keeps three rounds of mail in one conversation, each AI reply threaded, marked automatic and named for the agent', async () => {
    await desk.client.send({
      from: '"Ann Lee" <ann@customer.example>',
      to: 'help@shop.example',
      subject: 'Where is my order?',
      text: 'Order 1042 has not arrived.',
      messageId: '<c1@customer.example>',
    });
    const first = await desk.relay.waitFor((mail) => mail.header('in-reply-to') === '<c1@customer.example>');
    expect(first.envelopeTo).toEqual(['ann@customer.example']);
    expect(first.mail.from?.value[0]).toMatchObject({ name: 'Front desk', address: 'help@shop.example' });
    expect(first.mail.subject).toBe('Re: Where is my order?');
    expect(first.mail.text?.trim()).toBe('Hello from the fake model.');
    expect(first.header('auto-submitted')).toBe('auto-replied');
    expect(first.header('references')).toBe('<c1@customer.example>');

    // The customer answers the AI's reply: their client names it in In-Reply-To and References.
    await desk.client.send({
      from: '"Ann Lee" <ann@customer.example>',
      to: 'help@shop.example',
      subject: 'Re: Where is my order?',
      text: 'It was sent to Main Street 1.\n\nOn Fri, Front desk wrote:\n> Hello from the fake model.',
      messageId: '<c2@customer.example>',
      inReplyTo: first.mail.messageId!,
      references: ['<c1@customer.example>', first.mail.messageId!],
    });
    const second = await desk.relay.waitFor((mail) => mail.header('in-reply-to') === '<c2@customer.example>');
    expect(second.header('references')).toBe(`<c1@customer.example> ${first.mail.messageId} <c2@customer.example>`);

    // A client that keeps only In-Reply-To still lands in the same conversation.
    await desk.client.send({
      from: 'ann@customer.example',
      to: 'help@shop.example',
      subject: 'Re: Where is my order?',
      text: 'Thanks!',
      messageId: '<c3@customer.example>',
      inReplyTo: second.mail.messageId!,
    });
    await desk.relay.waitFor((mail) => mail.header('in-reply-to') === '<c3@customer.example>');

    const conversations = await desk.conversationsOf(desk.aiInbox.id);
    expect(conversations).toHaveLength(1);
    const lines = await desk.linesOf(conversations[0]!.id);
    expect(lines.map((line) => [line.role, line.content])).toEqual([
      ['contact', 'Where is my order?\n\nOrder 1042 has not arrived.'],
      ['assistant', 'Hello from the fake model.'],
      // The quoted mail under "On … wrote:" is left out: it is in the conversation already.
      ['contact', 'It was sent to Main Street 1.'],
      ['assistant', 'Hello from the fake model.'],
      ['contact', 'Thanks!'],
      ['assistant', 'Hello from the fake model.'],
    ]);
    const contact = await desk.t.app.inject({
      method: 'GET',
      url: `/v1/contacts/${conversations[0]!.contactId}`,
      headers: desk.admin.headers,
    });
    expect(contact.json()).toMatchObject({ name: 'Ann Lee', email: 'ann@customer.example' });
  }, 60_000);

  it("sends an operator's reply from the inbox's address with the operator's name, threaded, not marked automatic", async () => {
    await desk.client.send({
      from: '"Bo Chen" <bo@customer.example>',
      to: 'people@shop.example',
      subject: 'Refund',
      text: 'Please refund order 77.',
      messageId: '<refund-1@customer.example>',
    });
    const [conversation] = await desk.conversationsOf(desk.humanInbox.id);
    expect(conversation?.status).toBe('pending');
    const reply = await desk.t.app.inject({
      method: 'POST',
      url: `/v1/support-conversations/${conversation!.id}/messages`,
      headers: desk.operator.headers,
      payload: { content: 'Refunded today.' },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    // The inbox has no agent: its acknowledgement (automatic, docs/email-inbox.md) went first.
    const sent = await desk.relay.waitFor(
      (mail) => mail.header('in-reply-to') === '<refund-1@customer.example>' && !mail.header('auto-submitted'),
    );
    expect(sent.mail.from?.value[0]).toMatchObject({ name: 'Olga Operator', address: 'people@shop.example' });
    expect(sent.envelopeTo).toEqual(['bo@customer.example']);
    expect(sent.mail.subject).toBe('Re: Refund');
    expect(sent.mail.text?.trim()).toBe('Refunded today.');
    expect(sent.header('auto-submitted')).toBeUndefined();
  }, 60_000);

  it('starts a thread by mail when an operator opens an email conversation with a contact', async () => {
    const contact = await desk.t.app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers: desk.admin.headers,
      payload: { name: 'Cy Park', email: 'cy@customer.example' },
    });
    expect(contact.statusCode, contact.body).toBe(201);
    const opened = await desk.t.app.inject({
      method: 'POST',
      url: '/v1/support-conversations',
      headers: desk.operator.headers,
      payload: { inboxId: desk.humanInbox.id, contactId: contact.json<{ id: string }>().id },
    });
    expect(opened.statusCode, opened.body).toBe(201);
    const reply = await desk.t.app.inject({
      method: 'POST',
      url: `/v1/support-conversations/${opened.json<{ id: string }>().id}/messages`,
      headers: desk.operator.headers,
      payload: { content: 'Your order shipped.' },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    const sent = await desk.relay.waitFor((mail) => mail.envelopeTo.includes('cy@customer.example'));
    expect(sent.mail.subject).toBe('People');
    expect(sent.mail.to).toMatchObject({ value: [{ name: 'Cy Park', address: 'cy@customer.example' }] });
    expect(sent.header('in-reply-to')).toBeUndefined();
    expect(sent.mail.from?.value[0]).toMatchObject({ name: 'Olga Operator', address: 'people@shop.example' });
  }, 60_000);

  it("opens one conversation, in the first-named inbox, for a mail to two of a tenant's inboxes", async () => {
    const before = (await desk.conversationsOf(desk.aiInbox.id)).length;
    const peopleBefore = new Set(
      (await desk.conversationsOf(desk.humanInbox.id)).map((conversation) => conversation.id),
    );
    // The envelope names the person-only inbox first: its conversation, and no AI reply from the other.
    await desk.client.send({
      envelope: { from: 'dee@customer.example', to: ['people@shop.example', 'help@shop.example'] },
      from: 'dee@customer.example',
      to: ['people@shop.example', 'help@shop.example'],
      subject: 'Two desks',
      text: 'Which of you answers?',
      messageId: '<two-inboxes@customer.example>',
    });
    const opened = async () =>
      (await desk.conversationsOf(desk.humanInbox.id)).filter((conversation) => !peopleBefore.has(conversation.id));
    await expect.poll(async () => (await opened()).length, { timeout: 10_000 }).toBe(1);
    const [conversation] = await opened();
    expect((await desk.linesOf(conversation!.id)).map((line) => line.content)).toEqual([
      'Two desks\n\nWhich of you answers?',
    ]);
    expect(await desk.conversationsOf(desk.aiInbox.id)).toHaveLength(before);
    // The one answer is the person-only inbox's acknowledgement.
    const acknowledged = await desk.relay.waitFor(
      (mail) => mail.header('in-reply-to') === '<two-inboxes@customer.example>',
    );
    expect(acknowledged.mail.from?.value[0]).toMatchObject({ address: 'people@shop.example' });
  }, 60_000);

  it('opens nothing and answers nothing for auto-replies and bounces', async () => {
    const before = await desk.conversationsOf(desk.aiInbox.id);
    const [thread] = before;
    const linesBefore = await desk.linesOf(thread!.id);
    const mailsBefore = desk.relay.received.length;
    // An out-of-office note answering the AI's last reply, in the thread.
    await desk.client.send({
      from: 'ann@customer.example',
      to: 'help@shop.example',
      subject: 'Out of office',
      text: 'I am away until Monday.',
      inReplyTo: '<c3@customer.example>',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    await desk.client.send({
      from: 'carl@customer.example',
      to: 'help@shop.example',
      subject: 'Newsletter',
      text: 'Our news',
      headers: { Precedence: 'bulk' },
    });
    await desk.client.send({
      from: 'dora@customer.example',
      to: 'help@shop.example',
      subject: 'Re: Hello',
      text: 'Thank you for your mail.',
      headers: { 'X-Autoreply': 'yes' },
    });
    // The desk's own mail, come back: an operator's reply from another inbox of the desk.
    await desk.client.send({
      from: '"Olga Operator" <people@shop.example>',
      to: 'help@shop.example',
      subject: 'Re: Refund',
      text: 'Refunded today.',
    });
    // A bounce: the null reverse-path, from the mailer daemon, a delivery report.
    const bounce = [
      'From: Mail Delivery System <MAILER-DAEMON@mx.customer.example>',
      'To: help@shop.example',
      'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <bounce-1@mx.customer.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered.',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.customer.example',
      '--b1--',
      '',
    ].join('\r\n');
    await desk.client.send({ envelope: { from: '', to: ['help@shop.example'] }, raw: bounce });

    expect((await desk.conversationsOf(desk.aiInbox.id)).map((conversation) => conversation.id)).toEqual(
      before.map((conversation) => conversation.id),
    );
    expect(await desk.linesOf(thread!.id)).toEqual(linesBefore);
    const contacts = await desk.t.app.inject({
      method: 'GET',
      url: '/v1/contacts?limit=100',
      headers: desk.admin.headers,
    });
    const emails = contacts.json<{ items: { email: string | null }[] }>().items.map((contact) => contact.email);
    expect(emails).not.toContain('mailer-daemon@mx.customer.example');
    expect(emails).not.toContain('carl@customer.example');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(desk.relay.received.length).toBe(mailsBefore);
  }, 60_000);
});
