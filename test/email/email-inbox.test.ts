import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { createInbox } from '../widget/widget-setup.js';
import { mailClient, startSmtpRelay, type SmtpRelay } from './smtp-relay.js';

const onePixelPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const maxMailBytes = 64 * 1024;

interface DeskLine {
  role: string;
  content: string;
  authorName?: string;
  images?: { filename: string }[];
  files?: { filename: string }[];
}

/** One SMTP session by hand, command by command, as a mail server that sends no SIZE parameter would. */
async function rawSmtp(port: number, steps: readonly string[]): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffered = '';
  const waiting: ((reply: string) => void)[] = [];
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    // A reply ends with a line whose code is followed by a space ("250 OK"), after any "250-…" lines.
    for (let match = /^\d{3} .*\r\n/m.exec(buffered); match; match = /^\d{3} .*\r\n/m.exec(buffered)) {
      const end = match.index + match[0].length;
      waiting.shift()?.(buffered.slice(0, end));
      buffered = buffered.slice(end);
    }
  });
  const reply = () => new Promise<string>((resolve) => waiting.push(resolve));
  const replies = [await reply()];
  for (const step of steps) {
    const next = reply();
    socket.write(step);
    replies.push(await next);
  }
  socket.end();
  return replies;
}

describe('the email inbox: mail in over SMTP, answered by the AI or an operator, replies out over SMTP', () => {
  let openai: FakeOpenAIServer;
  let relay: SmtpRelay;
  let t: TestApp;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let client: ReturnType<typeof mailClient>;
  let listenerPort: number;
  let aiInbox: { id: string };
  let humanInbox: { id: string };

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    relay = await startSmtpRelay();
    t = await buildTestApp({
      OPENAI_BASE_URL: openai.baseUrl,
      OPENAI_API_KEY: 'sk-server-secret-0123456789',
      EMAIL_SMTP_PORT: '0',
      EMAIL_SMTP_HOST: '127.0.0.1',
      EMAIL_MAX_BYTES: String(maxMailBytes),
      EMAIL_SMTP_URL: relay.url,
    });
    await t.app.ready();
    listenerPort = t.app.email.listenerAddress()!.port;
    client = mailClient(listenerPort);
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
    operator = await createUser(t.app, admin, 'operator');
    const named = await t.app.inject({
      method: 'PATCH',
      url: `/v1/users/${operator.userId}`,
      headers: admin.headers,
      payload: { displayName: 'Olga Operator' },
    });
    expect(named.statusCode, named.body).toBe(200);
    const agent = await createAgent(t.app, admin, {
      name: 'Front desk',
      model: 'openai:gpt-4o-mini',
      visibility: 'tenant',
    });
    aiInbox = await createInbox(t.app, admin, {
      name: 'Help',
      kind: 'email',
      emailAddress: 'Help@Shop.example',
      allowedOrigins: [],
      agentId: agent.id,
    });
    humanInbox = await createInbox(t.app, admin, {
      name: 'People',
      kind: 'email',
      emailAddress: 'people@shop.example',
      allowedOrigins: [],
    });
  }, 120_000);
  afterAll(async () => {
    client?.close();
    await t?.close();
    await relay?.close();
    await openai?.close();
  });

  const conversationsOf = async (inboxId: string) => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/support-conversations?inboxId=${inboxId}&limit=100`,
      headers: admin.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ items: { id: string; contactId: string; status: string }[] }>().items;
  };
  const linesOf = async (id: string) => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/support-conversations/${id}/messages?limit=100`,
      headers: admin.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ items: DeskLine[] }>().items.filter((line) => line.role !== 'system');
  };

  it('keeps three rounds of mail in one conversation, each AI reply threaded, marked automatic and named for the agent', async () => {
    await client.send({
      from: '"Ann Lee" <ann@customer.example>',
      to: 'help@shop.example',
      subject: 'Where is my order?',
      text: 'Order 1042 has not arrived.',
      messageId: '<c1@customer.example>',
    });
    const first = await relay.waitFor((mail) => mail.header('in-reply-to') === '<c1@customer.example>');
    expect(first.envelopeTo).toEqual(['ann@customer.example']);
    expect(first.mail.from?.value[0]).toMatchObject({ name: 'Front desk', address: 'help@shop.example' });
    expect(first.mail.subject).toBe('Re: Where is my order?');
    expect(first.mail.text?.trim()).toBe('Hello from the fake model.');
    expect(first.header('auto-submitted')).toBe('auto-replied');
    expect(first.header('references')).toBe('<c1@customer.example>');

    // The customer answers the AI's reply: their client names it in In-Reply-To and References.
    await client.send({
      from: '"Ann Lee" <ann@customer.example>',
      to: 'help@shop.example',
      subject: 'Re: Where is my order?',
      text: 'It was sent to Main Street 1.\n\nOn Fri, Front desk wrote:\n> Hello from the fake model.',
      messageId: '<c2@customer.example>',
      inReplyTo: first.mail.messageId!,
      references: ['<c1@customer.example>', first.mail.messageId!],
    });
    const second = await relay.waitFor((mail) => mail.header('in-reply-to') === '<c2@customer.example>');
    expect(second.header('references')).toBe(`<c1@customer.example> ${first.mail.messageId} <c2@customer.example>`);

    // A client that keeps only In-Reply-To still lands in the same conversation.
    await client.send({
      from: 'ann@customer.example',
      to: 'help@shop.example',
      subject: 'Re: Where is my order?',
      text: 'Thanks!',
      messageId: '<c3@customer.example>',
      inReplyTo: second.mail.messageId!,
    });
    await relay.waitFor((mail) => mail.header('in-reply-to') === '<c3@customer.example>');

    const conversations = await conversationsOf(aiInbox.id);
    expect(conversations).toHaveLength(1);
    const lines = await linesOf(conversations[0]!.id);
    expect(lines.map((line) => [line.role, line.content])).toEqual([
      ['contact', 'Where is my order?\n\nOrder 1042 has not arrived.'],
      ['assistant', 'Hello from the fake model.'],
      // The quoted mail under "On … wrote:" is left out: it is in the conversation already.
      ['contact', 'It was sent to Main Street 1.'],
      ['assistant', 'Hello from the fake model.'],
      ['contact', 'Thanks!'],
      ['assistant', 'Hello from the fake model.'],
    ]);
    const contact = await t.app.inject({
      method: 'GET',
      url: `/v1/contacts/${conversations[0]!.contactId}`,
      headers: admin.headers,
    });
    expect(contact.json()).toMatchObject({ name: 'Ann Lee', email: 'ann@customer.example' });
  }, 60_000);

  it("sends an operator's reply from the inbox's address with the operator's name, threaded, not marked automatic", async () => {
    await client.send({
      from: '"Bo Chen" <bo@customer.example>',
      to: 'people@shop.example',
      subject: 'Refund',
      text: 'Please refund order 77.',
      messageId: '<refund-1@customer.example>',
    });
    const [conversation] = await conversationsOf(humanInbox.id);
    expect(conversation?.status).toBe('pending');
    const reply = await t.app.inject({
      method: 'POST',
      url: `/v1/support-conversations/${conversation!.id}/messages`,
      headers: operator.headers,
      payload: { content: 'Refunded today.' },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    const sent = await relay.waitFor((mail) => mail.header('in-reply-to') === '<refund-1@customer.example>');
    expect(sent.mail.from?.value[0]).toMatchObject({ name: 'Olga Operator', address: 'people@shop.example' });
    expect(sent.envelopeTo).toEqual(['bo@customer.example']);
    expect(sent.mail.subject).toBe('Re: Refund');
    expect(sent.mail.text?.trim()).toBe('Refunded today.');
    expect(sent.header('auto-submitted')).toBeUndefined();
  }, 60_000);

  it('opens nothing and answers nothing for auto-replies and bounces', async () => {
    const before = await conversationsOf(aiInbox.id);
    const [thread] = before;
    const linesBefore = await linesOf(thread!.id);
    const mailsBefore = relay.received.length;
    // An out-of-office note answering the AI's last reply, in the thread.
    await client.send({
      from: 'ann@customer.example',
      to: 'help@shop.example',
      subject: 'Out of office',
      text: 'I am away until Monday.',
      inReplyTo: '<c3@customer.example>',
      headers: { 'Auto-Submitted': 'auto-replied' },
    });
    await client.send({
      from: 'carl@customer.example',
      to: 'help@shop.example',
      subject: 'Newsletter',
      text: 'Our news',
      headers: { Precedence: 'bulk' },
    });
    await client.send({
      from: 'dora@customer.example',
      to: 'help@shop.example',
      subject: 'Re: Hello',
      text: 'Thank you for your mail.',
      headers: { 'X-Autoreply': 'yes' },
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
    await client.send({ envelope: { from: '', to: ['help@shop.example'] }, raw: bounce });

    expect((await conversationsOf(aiInbox.id)).map((conversation) => conversation.id)).toEqual(
      before.map((conversation) => conversation.id),
    );
    expect(await linesOf(thread!.id)).toEqual(linesBefore);
    const contacts = await t.app.inject({ method: 'GET', url: '/v1/contacts?limit=100', headers: admin.headers });
    const emails = contacts.json<{ items: { email: string | null }[] }>().items.map((contact) => contact.email);
    expect(emails).not.toContain('mailer-daemon@mx.customer.example');
    expect(emails).not.toContain('carl@customer.example');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(relay.received.length).toBe(mailsBefore);
  }, 60_000);

  it('refuses at DATA, with 552, a mail larger than EMAIL_MAX_BYTES, after announcing the limit with SIZE', async () => {
    const body = `${'x'.repeat(998)}\r\n`.repeat(Math.ceil((maxMailBytes * 1.5) / 1000));
    const replies = await rawSmtp(listenerPort, [
      'EHLO mx.customer.example\r\n',
      'MAIL FROM:<big@customer.example>\r\n',
      'RCPT TO:<help@shop.example>\r\n',
      'DATA\r\n',
      `From: big@customer.example\r\nTo: help@shop.example\r\nSubject: Big\r\n\r\n${body}.\r\n`,
      'QUIT\r\n',
    ]);
    expect(replies[1]).toContain(`SIZE ${maxMailBytes}`);
    expect(replies[3]).toMatch(/^250/);
    expect(replies[4]).toMatch(/^354/);
    expect(replies[5]).toMatch(/^552 5\.3\.4 The message is larger than this desk takes/);
    const contacts = await t.app.inject({ method: 'GET', url: '/v1/contacts?limit=100', headers: admin.headers });
    expect(contacts.body).not.toContain('big@customer.example');
  }, 30_000);

  it('refuses a recipient no email inbox has, with 550 and a sentence', async () => {
    const refused = await client
      .send({ from: 'eve@customer.example', to: 'nobody@shop.example', subject: 'Hi', text: 'Hello' })
      .then(
        () => undefined,
        (error: { responseCode?: number; response?: string }) => error,
      );
    expect(refused?.responseCode).toBe(550);
    expect(refused?.response).toContain('no inbox of this support desk has that address');
  });

  it('stores attachments as the conversation’s files, says which it could not keep, and records SPF and DKIM results', async () => {
    await client.send({
      from: '"Fay Kim" <fay@customer.example>',
      to: 'people@shop.example',
      subject: 'Broken part',
      text: 'See the photo and the order.',
      messageId: '<att-1@customer.example>',
      headers: {
        'Authentication-Results':
          'mx.shop.example; spf=pass smtp.mailfrom=customer.example; dkim=fail header.d=customer.example; dmarc=none',
      },
      attachments: [
        { filename: 'photo.png', content: onePixelPng, contentType: 'image/png' },
        { filename: 'order.txt', content: 'Order 55: one blue part', contentType: 'text/plain' },
        {
          filename: 'tool.exe',
          content: Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00]),
          contentType: 'application/octet-stream',
        },
      ],
    });
    const conversation = (await conversationsOf(humanInbox.id)).find((found) => found.status === 'pending');
    const [line] = await linesOf(conversation!.id);
    expect(line?.images?.map((image) => image.filename)).toEqual(['photo.png']);
    expect(line?.files?.map((file) => file.filename)).toEqual(['order.txt']);
    expect(line?.content).toContain("The attachment 'tool.exe' was not kept");
    const { rows } = await t.database.executeSql(
      'select authentication from email_messages where internet_message_id = $1',
      ['att-1@customer.example'],
    );
    expect(rows).toEqual([{ authentication: { spf: 'pass', dkim: 'fail', dmarc: 'none' } }]);
  }, 60_000);

  it('takes a mail delivered twice (the same Message-ID) once', async () => {
    const mail = {
      from: 'gus@customer.example',
      to: 'people@shop.example',
      subject: 'Twice',
      text: 'Sent twice by a retrying server.',
      messageId: '<twice@customer.example>',
    };
    await client.send(mail);
    await client.send(mail);
    const { rows } = await t.database.executeSql(
      "select count(*)::int as count from email_messages where internet_message_id = 'twice@customer.example'",
    );
    expect(rows).toEqual([{ count: 1 }]);
    const conversations = await conversationsOf(humanInbox.id);
    const lines = await Promise.all(conversations.map((conversation) => linesOf(conversation.id)));
    expect(lines.flat().filter((line) => line.content.includes('Sent twice'))).toHaveLength(1);
  }, 60_000);

  it('asks an email inbox for its address, and gives one address to one inbox only', async () => {
    const missing = await t.app.inject({
      method: 'POST',
      url: '/v1/inboxes',
      headers: admin.headers,
      payload: { name: 'No address', kind: 'email' },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('emailAddress');
    const taken = await t.app.inject({
      method: 'POST',
      url: '/v1/inboxes',
      headers: admin.headers,
      payload: { name: 'Again', kind: 'email', emailAddress: 'HELP@shop.example' },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json<{ detail: string }>().detail).toContain("'help@shop.example' belongs to another inbox");
  });
});
