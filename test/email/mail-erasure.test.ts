import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signExternalId } from '../../src/modules/inbox/inboxes/identity-verification.js';
import { createLogger } from '../../src/platform/logger.js';
import { openRedis } from '../../src/platform/redis.js';
import { createAgent, eventually } from '../harness/chat-setup.js';
import { testStorage } from '../harness/test-database.js';
import { startWebhookReceiver, type WebhookReceiver } from '../webhooks/webhook-receiver.js';
import { createWebhook, fastRetries } from '../webhooks/webhook-setup.js';
import { createInbox, sendAsVisitor, startConversation, startVisitor } from '../widget/widget-setup.js';
import { startEmailDesk, type EmailDesk } from './email-desk.js';

/** Words only the erased contact wrote, in every place a contact's words can go. */
const canary = 'kumquat-90417';
const passed = 'mx.shop.example; spf=pass smtp.mailfrom=cust.test; dkim=pass header.d=cust.test; dmarc=pass';

/** A DOCX whose text part inflates past what the server parses (16 MB here): a few KB by mail. */
function inflatingDocx(): Buffer {
  return Buffer.from(
    zipSync(
      {
        'word/document.xml': new Uint8Array(17 * 1024 * 1024).fill(0x61),
        '[Content_Types].xml': new TextEncoder().encode('<Types/>'),
      },
      { level: 9 },
    ),
  );
}

/** The files under `directory` (recursively) whose bytes hold `needle`. */
async function filesHolding(directory: string, needle: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true, recursive: true });
  const found: string[] = [];
  for (const entry of entries.filter((candidate) => candidate.isFile())) {
    const file = path.join(entry.parentPath, entry.name);
    if ((await readFile(file)).includes(needle)) found.push(file);
  }
  return found;
}

/**
 * Erasure and export of what a contact's mail left (issue 61, finding 4): the files of a mail the AI
 * could not take go at once, and an erased contact's words are nowhere: in no table, no stored file and
 * no Redis key, whichever way they came in (the widget, mail with kept and refused attachments, memory,
 * a rating, a note, webhook deliveries).
 */
describe("erasure of a contact's mail and everything drawn from it", () => {
  let desk: EmailDesk;
  let receiver: WebhookReceiver;
  let siteInbox: { id: string; signingSecret: string };

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    desk = await startEmailDesk({ maxMailBytes: 1024 * 1024, env: fastRetries });
    const agent = await createAgent(desk.t.app, desk.admin, {
      name: 'Care desk',
      model: 'openai:gpt-4o-mini',
      visibility: 'tenant',
      companion: { memory: true, utilityModel: 'offline' },
    });
    siteInbox = await createInbox(desk.t.app, desk.admin, {
      name: 'Site',
      agentId: agent.id,
      memory: true,
      csatEnabled: true,
    });
    await createInbox(desk.t.app, desk.admin, {
      name: 'Care',
      kind: 'email',
      emailAddress: 'care@shop.example',
      allowedOrigins: [],
      agentId: agent.id,
      memory: true,
    });
    const webhook = await createWebhook(desk.t.app, desk.admin, {
      url: receiver.url,
      eventTypes: ['message.created', 'csat.submitted', 'contact.created', 'contact.updated'],
    });
    receiver.secret = webhook.secret;
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
    await receiver?.close();
  });

  const filesDirectory = () => desk.t.config.dataDir;
  const usedBytes = async () =>
    (
      await desk.t.app.inject({ url: `/v1/tenants/${desk.admin.tenantId}/settings`, headers: desk.admin.headers })
    ).json<{ storageUsage: { usedBytes: number } }>().storageUsage.usedBytes;
  /** The stored mail's conversation, once its message is stored. */
  const conversationOfMail = (messageId: string) =>
    eventually(async () => {
      const { rows } = await desk.t.database.executeSql(
        `select support_conversation_id as id from email_messages where internet_message_id = $1 and message_id is not null`,
        [messageId],
      );
      return (rows as { id: string }[])[0]?.id;
    }, 20_000);
  /** Every row of every table (the job queue's too) whose text holds `needle`, as `table: count`. */
  const tablesHolding = async (needle: string) => {
    const { rows } = await desk.t.database.executeSql(
      `select table_schema, table_name from information_schema.tables
        where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
    );
    const found: Record<string, number> = {};
    for (const row of rows as { table_schema: string; table_name: string }[]) {
      const name = `"${row.table_schema}"."${row.table_name}"`;
      const counted = await desk.t.database.executeSql(
        `select count(*)::int as n from ${name} t where t::text like $1`,
        [`%${needle}%`],
      );
      const n = (counted.rows[0] as { n: number }).n;
      if (n > 0) found[`${row.table_schema}.${row.table_name}`] = n;
    }
    return found;
  };
  /** The Redis keys whose value holds `needle` (the PostgreSQL run, which has Redis). */
  const redisKeysHolding = async (needle: string): Promise<string[]> => {
    const url = process.env.TEST_REDIS_URL;
    if (testStorage !== 'postgres' || !url) return [];
    const redis = await openRedis(url, createLogger({ level: 'silent' }));
    try {
      const found: string[] = [];
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'COUNT', 500);
        cursor = next;
        for (const key of keys) {
          const dumped = await redis.dumpBuffer(key);
          if (key.includes(needle) || dumped?.includes(needle)) found.push(key);
        }
      } while (cursor !== '0');
      return found;
    } finally {
      await redis.quit();
    }
  };

  it('deletes the files of a mail whose attachments the AI could not take, so none stay unlisted and counted', async () => {
    const before = await usedBytes();
    await desk.client.send({
      from: 'gil@cust.test',
      to: 'help@shop.example',
      subject: 'Two files',
      text: 'My notes and the contract.',
      messageId: '<gil-1@cust.test>',
      attachments: [
        { filename: 'notes.txt', content: 'gil-notes-5521', contentType: 'text/plain' },
        { filename: 'contract.docx', content: inflatingDocx() },
      ],
    });
    const conversation = await conversationOfMail('gil-1@cust.test');
    const [line] = await desk.linesOf(conversation);
    expect(line?.content).toContain('(The attachments could not be kept');
    expect(line?.files ?? []).toEqual([]);
    const { rows } = await desk.t.database.executeSql(
      `select filename from files where filename in ('notes.txt', 'contract.docx')`,
    );
    expect(rows).toEqual([]);
    expect(await filesHolding(filesDirectory(), 'gil-notes-5521')).toEqual([]);
    expect(await usedBytes()).toBe(before);
  }, 60_000);

  it('leaves an erased contact’s words in no table, no stored file and no Redis key, whichever way they came', async () => {
    const rosa = await startVisitor(desk.t.app, siteInbox.id, {
      identifier: 'rosa-1',
      identifierHash: signExternalId(siteInbox.signingSecret, 'rosa-1'),
      name: `Rosa ${canary}`,
      email: 'rosa@cust.test',
      emailHash: signExternalId(siteInbox.signingSecret, 'rosa@cust.test'),
    });
    // The widget, with what memory keeps of it.
    const chat = await startConversation(desk.t.app, rosa);
    const said = await sendAsVisitor(desk.t.app, rosa, chat.id, `My code is ${canary}.`);
    expect(said.statusCode, said.body).toBe(200);
    await eventually(
      async () => {
        const { rows } = await desk.t.database.executeSql(
          `select content from agent_memories where contact_id = $1 and content like $2`,
          [rosa.contactId, `%${canary}%`],
        );
        return rows.length > 0 || undefined;
      },
      30_000,
      50,
    );
    // Mail with a file kept and one refused, and mail whose files the AI could not take.
    await desk.client.send({
      from: '"Rosa" <rosa@cust.test>',
      to: 'care@shop.example',
      subject: `Order ${canary}`,
      text: `Here it is: ${canary}`,
      messageId: '<rosa-1@cust.test>',
      headers: { 'Authentication-Results': passed },
      attachments: [
        { filename: `receipt-${canary}.txt`, content: `receipt ${canary}`, contentType: 'text/plain' },
        {
          filename: `tool-${canary}.exe`,
          content: Buffer.from([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00]),
          contentType: 'application/octet-stream',
        },
      ],
    });
    const mailed = await conversationOfMail('rosa-1@cust.test');
    const [mailLine] = await desk.linesOf(mailed);
    expect(mailLine?.files?.map((file) => file.filename)).toEqual([`receipt-${canary}.txt`]);
    expect(mailLine?.content).toContain(`The attachment 'tool-${canary}.exe' was not kept`);
    await desk.client.send({
      from: 'rosa@cust.test',
      to: 'care@shop.example',
      subject: 'Contract',
      text: `Signed ${canary}`,
      messageId: '<rosa-2@cust.test>',
      headers: { 'Authentication-Results': passed },
      attachments: [
        { filename: 'notes.txt', content: `notes ${canary}`, contentType: 'text/plain' },
        { filename: 'contract.docx', content: inflatingDocx() },
      ],
    });
    await conversationOfMail('rosa-2@cust.test');
    // An operator's note, the conversation resolved and rated with a comment.
    const act = (method: 'POST', url: string, payload: object = {}) =>
      desk.t.app.inject({ method, url, headers: desk.operator.headers, payload });
    expect(
      (await act('POST', `/v1/support-conversations/${chat.id}/notes`, { body: `Note ${canary}` })).statusCode,
    ).toBe(201);
    expect((await act('POST', `/v1/support-conversations/${chat.id}/take`)).statusCode).toBe(200);
    expect((await act('POST', `/v1/support-conversations/${chat.id}/resolve`)).statusCode).toBe(200);
    const rated = await desk.t.app.inject({
      method: 'POST',
      url: `/v1/widget/conversations/${chat.id}/csat`,
      headers: rosa.headers,
      payload: { rating: 5, comment: `Fine ${canary}` },
    });
    expect(rated.statusCode, rated.body).toBe(201);
    await eventually(
      async () => (receiver.received.some((d) => d.rawBody.includes(`Fine ${canary}`)) ? true : undefined),
      20_000,
    );

    const exported = await desk.t.app.inject({
      url: `/v1/contacts/${rosa.contactId}/export`,
      headers: desk.admin.headers,
    });
    expect(exported.body).toContain(`receipt-${canary}.txt`);
    expect(Object.keys(await tablesHolding(canary)).length).toBeGreaterThan(5);
    expect(await filesHolding(filesDirectory(), canary)).not.toEqual([]);

    const erased = await desk.t.app.inject({
      method: 'POST',
      url: `/v1/contacts/${rosa.contactId}/erase`,
      headers: desk.admin.headers,
    });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(await tablesHolding(canary)).toEqual({});
    expect(await filesHolding(filesDirectory(), canary)).toEqual([]);
    expect(await redisKeysHolding(canary)).toEqual([]);
  }, 120_000);
});
