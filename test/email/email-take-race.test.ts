import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../harness/chat-setup.js';
import { startEmailDesk, type EmailDesk } from './email-desk.js';

const rounds = 10;
const takeAfterMs = 150;
/** 60 tokens 40 ms apart: 2.4 s of reply, so the take always lands mid-reply. */
const replyTokens = Array.from({ length: 60 }, (_, index) => ` word${index}`);
/** The log's readers poll every second: twice that after a reply settled, a mail of it would have been written. */
const quietAfterSettledMs = 2_000;

interface RaceLine {
  id: string;
  role: string;
  status?: string;
  content: string;
}

/**
 * Issue 62, the take race on an email inbox: a contact's mail, the AI's reply streaming from a slow
 * model, and an operator's take 150 ms after the reply started. The reply is cut short and shown
 * `stopped`, and by the one rule of what reaches a contact (message-outcome.ts, `reachesContact`) it is
 * never mailed: a half answer in a mailbox reads as the answer and cannot be taken back. The operator's
 * reply after the take is mailed, so the path the stopped reply did not take is open.
 */
describe('an AI reply stopped by a take on an email inbox', () => {
  let desk: EmailDesk;

  beforeAll(async () => {
    desk = await startEmailDesk({ maxMailBytes: 64 * 1024 });
    desk.openai.respondWith({ replyTokens, tokenDelayMs: 40 });
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  /** The AI's reply to the contact's mail, found in the database as soon as it starts streaming. */
  const streamingReply = (contactAddress: string) =>
    eventually(
      async () => {
        const { rows } = await desk.t.database.executeSql(
          `select m.id as "replyId", sc.id as "supportId"
           from messages m
           join support_conversations sc on sc.conversation_id = m.conversation_id
           join contacts c on c.id = sc.contact_id
           where c.email = $1 and m.role = 'assistant' and m.status = 'streaming'`,
          [contactAddress],
        );
        return rows[0] as { replyId: string; supportId: string } | undefined;
      },
      10_000,
      10,
    );
  /** The reply as the desk API shows it, once it is no longer being written. */
  const settledLine = (supportId: string, replyId: string) =>
    eventually(async () => {
      const response = await desk.t.app.inject({
        method: 'GET',
        url: `/v1/support-conversations/${supportId}/messages?limit=100`,
        headers: desk.operator.headers,
      });
      expect(response.statusCode, response.body).toBe(200);
      const line = response.json<{ items: RaceLine[] }>().items.find((each) => each.id === replyId);
      return line && line.status !== 'streaming' ? line : undefined;
    }, 20_000);
  const outboundRows = async (supportId: string) =>
    (
      await desk.t.database.executeSql(
        `select message_id as "messageId", status from email_messages
         where support_conversation_id = $1 and direction = 'outbound'`,
        [supportId],
      )
    ).rows as { messageId: string | null; status: string }[];

  it(`never mails the stopped reply, and mails the operator's reply after the take (${rounds} rounds)`, async () => {
    const roundTimesMs: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const startedAt = Date.now();
      const contactAddress = `racer-${round}@customer.example`;
      await desk.client.send({
        from: `"Racer ${round}" <${contactAddress}>`,
        to: 'help@shop.example',
        subject: `Parcel ${round}`,
        text: 'Where is my parcel?',
        messageId: `<race-${round}@customer.example>`,
      });
      const { replyId, supportId } = await streamingReply(contactAddress);
      await pause(takeAfterMs);
      const taken = await desk.t.app.inject({
        method: 'POST',
        url: `/v1/support-conversations/${supportId}/take`,
        headers: desk.operator.headers,
        payload: {},
      });
      expect(taken.statusCode, taken.body).toBe(200);

      const stopped = await settledLine(supportId, replyId);
      const settledAt = Date.now();
      expect(stopped, `round ${round}: the desk`).toMatchObject({ role: 'assistant', status: 'stopped' });
      expect(stopped.content.length, `round ${round}: cut short`).toBeLessThan(replyTokens.join('').length);

      const answered = await desk.t.app.inject({
        method: 'POST',
        url: `/v1/support-conversations/${supportId}/messages`,
        headers: desk.operator.headers,
        payload: { content: `Your parcel ${round} is on its way.` },
      });
      expect(answered.statusCode, answered.body).toBe(201);
      const operatorReplyId = answered.json<{ id: string }>().id;
      const operatorMail = await desk.relay.waitFor((mail) => mail.envelopeTo.includes(contactAddress), 10_000);
      expect(operatorMail.mail.text?.trim(), `round ${round}: the operator's mail`).toBe(
        `Your parcel ${round} is on its way.`,
      );
      expect(operatorMail.mail.from?.value[0]).toMatchObject({ name: 'Olga Operator' });
      expect(operatorMail.header('auto-submitted')).toBeUndefined();

      // Long enough after the stopped reply settled for any reader's pass to have mailed it.
      await pause(Math.max(0, settledAt + quietAfterSettledMs - Date.now()));
      const mailsToContact = desk.relay.received.filter((mail) => mail.envelopeTo.includes(contactAddress));
      expect(
        mailsToContact.map((mail) => mail.mail.text?.trim()),
        `round ${round}: the contact's mailbox`,
      ).toEqual([`Your parcel ${round} is on its way.`]);
      expect(await outboundRows(supportId), `round ${round}: the outbound mails`).toEqual([
        { messageId: operatorReplyId, status: 'sent' },
      ]);
      roundTimesMs.push(Date.now() - startedAt);
    }
    // Nothing late either: no mail from the agent ("Front desk") ever left.
    await pause(1_000);
    const fromAgent = desk.relay.received.filter((mail) => mail.mail.from?.value[0]?.name === 'Front desk');
    expect(fromAgent).toEqual([]);
    expect(desk.relay.received).toHaveLength(rounds);
    console.info(`email take race: rounds took ${roundTimesMs.join(', ')} ms`);
  }, 180_000);
});
