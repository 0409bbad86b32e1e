import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailListener } from '../../src/modules/email/email-listener.js';
import { createLogger } from '../../src/platform/logger.js';
import { rawSmtp } from './smtp-relay.js';
import { startEmailDesk, type EmailDesk } from './email-desk.js';

const maxMailBytes = 64 * 1024;
const onePixelPng = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

describe('the email listener: what it refuses, attachments, authentication results, redelivery, inbox addresses', () => {
  let desk: EmailDesk;
  beforeAll(async () => {
    desk = await startEmailDesk({ maxMailBytes });
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('refuses at DATA, with 552, a mail larger than EMAIL_MAX_BYTES, after announcing the limit with SIZE', async () => {
    const body = `${'x'.repeat(998)}\r\n`.repeat(Math.ceil((maxMailBytes * 1.5) / 1000));
    const replies = await rawSmtp(desk.listenerPort, [
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
    const contacts = await desk.t.app.inject({
      method: 'GET',
      url: '/v1/contacts?limit=100',
      headers: desk.admin.headers,
    });
    expect(contacts.body).not.toContain('big@customer.example');
  }, 30_000);

  it('refuses a recipient no email inbox has, with 550 and a sentence', async () => {
    const refused = await desk.client
      .send({ from: 'eve@customer.example', to: 'nobody@shop.example', subject: 'Hi', text: 'Hello' })
      .then(
        () => undefined,
        (error: { responseCode?: number; response?: string }) => error,
      );
    expect(refused?.responseCode).toBe(550);
    expect(refused?.response).toContain('no inbox of this support desk has that address');
  });

  it('stores attachments as the conversation’s files, says which it could not keep, and records SPF and DKIM results', async () => {
    await desk.client.send({
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
    const conversation = (await desk.conversationsOf(desk.humanInbox.id)).find((found) => found.status === 'pending');
    const [line] = await desk.linesOf(conversation!.id);
    expect(line?.images?.map((image) => image.filename)).toEqual(['photo.png']);
    expect(line?.files?.map((file) => file.filename)).toEqual(['order.txt']);
    expect(line?.content).toContain("The attachment 'tool.exe' was not kept");
    const { rows } = await desk.t.database.executeSql(
      'select authentication from email_messages where internet_message_id = $1',
      ['att-1@customer.example'],
    );
    expect(rows).toEqual([{ authentication: { spf: 'pass', dkim: 'fail', dmarc: 'none' } }]);
  }, 60_000);

  it('keeps at most ten files of one mail, as a chat message carries, and says which were left out', async () => {
    await desk.client.send({
      from: 'hal@customer.example',
      to: 'people@shop.example',
      subject: 'Many files',
      text: 'All my receipts.',
      attachments: Array.from({ length: 11 }, (_, index) => ({
        filename: `receipt-${index + 1}.txt`,
        content: `Receipt ${index + 1}`,
        contentType: 'text/plain',
      })),
    });
    const conversations = await desk.conversationsOf(desk.humanInbox.id);
    const lines = await Promise.all(conversations.map((conversation) => desk.linesOf(conversation.id)));
    const line = lines.flat().find((found) => found.content.startsWith('Many files'));
    expect(line?.files).toHaveLength(10);
    expect(line?.content).toContain(
      "The attachment 'receipt-11.txt' was not kept: a message carries at most 10 files.",
    );
  }, 60_000);

  it('takes a mail delivered twice (the same Message-ID) once', async () => {
    const mail = {
      from: 'gus@customer.example',
      to: 'people@shop.example',
      subject: 'Twice',
      text: 'Sent twice by a retrying server.',
      messageId: '<twice@customer.example>',
    };
    const before = await desk.conversationsOf(desk.humanInbox.id);
    await desk.client.send(mail);
    await desk.client.send(mail);
    // One conversation more, not two: the second delivery opens nothing, not even an empty one.
    expect(await desk.conversationsOf(desk.humanInbox.id)).toHaveLength(before.length + 1);
    const { rows } = await desk.t.database.executeSql(
      "select count(*)::int as count from email_messages where internet_message_id = 'twice@customer.example'",
    );
    expect(rows).toEqual([{ count: 1 }]);
    const conversations = await desk.conversationsOf(desk.humanInbox.id);
    const lines = await Promise.all(conversations.map((conversation) => desk.linesOf(conversation.id)));
    expect(lines.flat().filter((line) => line.content.includes('Sent twice'))).toHaveLength(1);
  }, 60_000);

  it('asks to try later while the same mail is being taken, and takes one a stopped node left half-taken', async () => {
    const [someConversation] = await desk.conversationsOf(desk.humanInbox.id);
    const leaveUnfinished = (messageId: string, minutesAgo: number) =>
      desk.t.database.executeSql(
        `insert into email_messages (id, tenant_id, support_conversation_id, direction, status, internet_message_id,
           contact_address, created_at)
         values (gen_random_uuid(), $1, $2, 'inbound', 'received', $3, 'ivy@customer.example',
           now() - make_interval(mins => $4))`,
        [desk.admin.tenantId, someConversation!.id, messageId, minutesAgo],
      );
    const mail = (messageId: string) => ({
      from: 'ivy@customer.example',
      to: 'people@shop.example',
      subject: 'Half taken',
      text: `Mail ${messageId}`,
      messageId: `<${messageId}>`,
    });
    await leaveUnfinished('busy@customer.example', 0);
    const busy = await desk.client.send(mail('busy@customer.example')).then(
      () => undefined,
      (error: { responseCode?: number }) => error,
    );
    expect(busy?.responseCode).toBe(451);

    await leaveUnfinished('left@customer.example', 20);
    await desk.client.send(mail('left@customer.example'));
    const { rows } = await desk.t.database.executeSql(
      'select message_id is not null as "isTaken" from email_messages where internet_message_id = \'left@customer.example\'',
    );
    expect(rows).toEqual([{ isTaken: true }]);
  }, 60_000);

  it('delivers each mail of one SMTP session only to its own recipients, as a mail server reusing a connection sends them', async () => {
    const mail = (to: string, id: string) =>
      `From: jo@customer.example\r\nTo: ${to}\r\nSubject: ${id}\r\nMessage-ID: <${id}@customer.example>\r\n\r\nAbout ${id}\r\n.\r\n`;
    const replies = await rawSmtp(desk.listenerPort, [
      'EHLO mx.customer.example\r\n',
      'MAIL FROM:<jo@customer.example>\r\n',
      'RCPT TO:<help@shop.example>\r\n',
      'DATA\r\n',
      mail('help@shop.example', 'first-of-session'),
      'MAIL FROM:<jo@customer.example>\r\n',
      'RCPT TO:<people@shop.example>\r\n',
      'DATA\r\n',
      mail('people@shop.example', 'second-of-session'),
      'QUIT\r\n',
    ]);
    expect(replies.filter((reply) => reply.startsWith('250 Taken by the support desk'))).toHaveLength(2);
    const contents = async (inboxId: string) => {
      const conversations = await desk.conversationsOf(inboxId);
      const lines = await Promise.all(conversations.map((conversation) => desk.linesOf(conversation.id)));
      return lines.flat().map((line) => line.content);
    };
    const inAiInbox = await contents(desk.aiInbox.id);
    expect(inAiInbox.filter((content) => content.includes('first-of-session'))).toHaveLength(1);
    expect(inAiInbox.filter((content) => content.includes('second-of-session'))).toHaveLength(0);
    expect(
      (await contents(desk.humanInbox.id)).filter((content) => content.includes('second-of-session')),
    ).toHaveLength(1);
  }, 60_000);

  it('names EMAIL_SMTP_PORT when a node cannot listen on it', async () => {
    const second = createEmailListener({
      findInbox: async () => undefined,
      inbound: { receive: async () => ({ kind: 'ignored', reason: 'not used' }) },
      logger: createLogger({ level: 'silent' }),
      host: '127.0.0.1',
      port: desk.listenerPort,
      maxBytes: maxMailBytes,
    });
    await expect(second.start()).rejects.toThrow(
      `The SMTP listener cannot listen on 127.0.0.1:${desk.listenerPort}: the port is in use; stop what holds it or set EMAIL_SMTP_PORT to another`,
    );
  });

  it('refuses the API channel’s and the widget’s routes for an email inbox, saying what it is', async () => {
    const posted = await desk.t.app.inject({
      method: 'POST',
      url: `/v1/inboxes/${desk.humanInbox.id}/messages`,
      headers: desk.operator.headers,
      payload: { contact: { externalId: 'x-1' }, content: 'Hi', messageId: 'm-1' },
    });
    expect(posted.statusCode).toBe(409);
    expect(posted.json<{ detail: string }>().detail).toContain('is an email inbox: its contacts write by email');
    const session = await desk.t.app.inject({
      method: 'POST',
      url: `/v1/widget/inboxes/${desk.humanInbox.id}/sessions`,
      headers: { origin: 'https://shop.example' },
      payload: {},
    });
    expect(session.statusCode).toBe(409);
    expect(session.json<{ detail: string }>().detail).toContain('is an email inbox');
  });

  it('asks an email inbox for its address, and gives one address to one inbox only', async () => {
    const missing = await desk.t.app.inject({
      method: 'POST',
      url: '/v1/inboxes',
      headers: desk.admin.headers,
      payload: { name: 'No address', kind: 'email' },
    });
    expect(missing.statusCode).toBe(400);
    expect(missing.body).toContain('emailAddress');
    const taken = await desk.t.app.inject({
      method: 'POST',
      url: '/v1/inboxes',
      headers: desk.admin.headers,
      payload: { name: 'Again', kind: 'email', emailAddress: 'HELP@shop.example' },
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.json<{ detail: string }>().detail).toContain("'help@shop.example' belongs to another inbox");
  });
});
