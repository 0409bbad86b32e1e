import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../harness/chat-setup.js';
import { rawSmtp } from './smtp-relay.js';
import { startEmailDesk, type EmailDesk } from './email-desk.js';

/** A mail of `parts` attachments, each a line of text, as a mail server would hand it over. */
function mailWithParts(parts: number): string {
  const lines = ['From: many@cust.test', 'To: help@shop.example', 'Subject: Receipts', 'MIME-Version: 1.0'];
  lines.push('Content-Type: multipart/mixed; boundary="x"', '', '--x', 'Content-Type: text/plain', '', 'All of them.');
  for (let index = 0; index < parts; index += 1) {
    lines.push(
      '--x',
      'Content-Type: text/plain',
      `Content-Disposition: attachment; filename="r${index}.txt"`,
      '',
      `R ${index}`,
    );
  }
  return [...lines, '--x--', ''].join('\r\n');
}

/** A mail whose MIME parts nest `depth` deep. */
function mailNested(depth: number): string {
  const lines = ['From: deep@cust.test', 'To: help@shop.example', 'Subject: Deep', 'MIME-Version: 1.0'];
  lines.push('Content-Type: multipart/mixed; boundary="b0"', '');
  for (let level = 1; level < depth; level += 1) {
    lines.push(`--b${level - 1}`, `Content-Type: multipart/mixed; boundary="b${level}"`, '');
  }
  lines.push(`--b${depth - 1}`, 'Content-Type: text/plain', '', 'Hello from the bottom.');
  for (let level = depth - 1; level >= 0; level -= 1) lines.push(`--b${level}--`);
  return [...lines, ''].join('\r\n');
}

/**
 * What the listener does with mail it must not answer as a person's (issue 61, finding 12): a mail its
 * parser refuses is refused for good (5xx, so no server retries it for days), one sender's flood is
 * answered by the AI a few times an hour and then waits for a person, and list and auto-responder mail
 * opens nothing.
 */
describe('mail the desk bounds: unreadable, too many, automatic', () => {
  let desk: EmailDesk;
  beforeAll(async () => {
    desk = await startEmailDesk({ maxMailBytes: 1024 * 1024 });
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  const modelCallsAbout = (marker: string) =>
    desk.openai.requests.filter((request) => JSON.stringify(request.body).includes(marker)).length;
  /** The chat turns (the agent's replies, under its instructions) that were given the marker. */
  const aiRepliesAbout = (marker: string) =>
    desk.openai.requests.filter((request) => {
      const body = JSON.stringify(request.body);
      return body.includes(marker) && body.includes('You are helpful.');
    }).length;
  const contactEmails = async () => {
    const response = await desk.t.app.inject({ url: '/v1/contacts?limit=100', headers: desk.admin.headers });
    return response.json<{ items: { email: string | null }[] }>().items.map((contact) => contact.email);
  };

  it.each([
    ['1,000 attachments', mailWithParts(1000)],
    ['MIME nested 1,000 deep', mailNested(1000)],
  ])(
    'refuses for good, with 554 and a sentence, a mail the parser will not read (%s)',
    async (_kind, mail) => {
      const replies = await rawSmtp(desk.listenerPort, [
        'EHLO mx.cust.test\r\n',
        'MAIL FROM:<sender@cust.test>\r\n',
        'RCPT TO:<help@shop.example>\r\n',
        'DATA\r\n',
        `${mail}\r\n.\r\n`,
        'QUIT\r\n',
      ]);
      expect(replies[4]).toMatch(/^354/);
      expect(replies[5]).toMatch(/^554 5\.6\.0 This desk cannot read the message/);
      expect(replies[5]).toContain('send it again');
      expect(await contactEmails()).not.toEqual(expect.arrayContaining(['many@cust.test']));
    },
    60_000,
  );

  it("answers at most five of one sender's mails an hour with the AI; the next wait for a person, with no model call", async () => {
    for (let index = 1; index <= 7; index += 1) {
      await desk.client.send({
        from: 'flood@cust.test',
        to: 'help@shop.example',
        subject: `Question ${index}`,
        text: `flood-marker-${index}`,
        messageId: `<flood-${index}@cust.test>`,
      });
    }
    await eventually(async () => (aiRepliesAbout('flood-marker-5') === 1 ? true : undefined), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect([1, 2, 3, 4, 5, 6, 7].map((index) => aiRepliesAbout(`flood-marker-${index}`))).toEqual([
      1, 1, 1, 1, 1, 0, 0,
    ]);
    // Past the bound the sender opens no more conversations: the sixth joined their newest (the fifth's),
    // handed to a person; the seventh found it waiting for one, and called no model at all.
    expect(modelCallsAbout('flood-marker-7')).toBe(0);
    const { rows } = await desk.t.database.executeSql(
      `select s.id, s.status from email_messages e join support_conversations s on s.id = e.support_conversation_id
        where e.internet_message_id like 'flood-%' order by e.internet_message_id`,
    );
    const filed = rows as { id: string; status: string }[];
    expect(filed.map((row) => row.status)).toEqual(['bot', 'bot', 'bot', 'bot', 'pending', 'pending', 'pending']);
    expect(new Set(filed.map((row) => row.id)).size).toBe(5);
    const lines = await desk.linesOf(filed[4]!.id);
    expect(lines.filter((line) => line.role === 'contact').map((line) => line.content)).toEqual([
      'Question 5\n\nflood-marker-5',
      'Question 6\n\nflood-marker-6',
      'Question 7\n\nflood-marker-7',
    ]);
    const events = await desk.t.app.inject({
      url: `/v1/support-conversations/${filed[4]!.id}/events`,
      headers: desk.admin.headers,
    });
    expect(events.body).toContain('more than 5 mails from this sender in an hour');
  }, 60_000);

  it('answers at most five of a flood whose mails arrive at once, however they interleave', async () => {
    const markers = Array.from({ length: 8 }, (_, index) => `burst-marker-${index + 1}`);
    await Promise.all(
      markers.map((marker, index) =>
        desk.client.send({
          from: 'burst@cust.test',
          to: 'help@shop.example',
          subject: `Burst ${index + 1}`,
          text: marker,
          messageId: `<burst-${index + 1}@cust.test>`,
        }),
      ),
    );
    const { rows } = await desk.t.database.executeSql(
      `select count(*)::int as n from email_messages where internet_message_id like 'burst-%' and message_id is not null`,
    );
    expect(rows).toEqual([{ n: 8 }]);
    // Counted one after the other under the address's lock: exactly five, never more, never none.
    await eventually(
      async () => (markers.filter((marker) => aiRepliesAbout(marker) > 0).length >= 5 ? true : undefined),
      20_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(markers.filter((marker) => aiRepliesAbout(marker) > 0)).toHaveLength(5);
  }, 60_000);

  it('takes mail with List-Id or X-Auto-Response-Suppress as automatic: no conversation, no reply, no model call', async () => {
    const before = (await desk.conversationsOf(desk.aiInbox.id)).length;
    await desk.client.send({
      from: 'news@cust.test',
      to: 'help@shop.example',
      subject: 'Our news',
      text: 'list-marker',
      headers: { 'List-Id': 'Cust news <news.cust.test>' },
    });
    await desk.client.send({
      from: 'calendar@cust.test',
      to: 'help@shop.example',
      subject: 'Accepted: Call',
      text: 'suppress-marker',
      headers: { 'X-Auto-Response-Suppress': 'All' },
    });
    expect(await desk.conversationsOf(desk.aiInbox.id)).toHaveLength(before);
    expect(await contactEmails()).not.toEqual(expect.arrayContaining(['news@cust.test']));
    expect(await contactEmails()).not.toEqual(expect.arrayContaining(['calendar@cust.test']));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(modelCallsAbout('list-marker') + modelCallsAbout('suppress-marker')).toBe(0);
    const repliedTo = desk.relay.received.flatMap((mail) => mail.envelopeTo);
    expect(repliedTo).not.toEqual(expect.arrayContaining(['news@cust.test']));
    expect(repliedTo).not.toEqual(expect.arrayContaining(['calendar@cust.test']));
  }, 60_000);
});
