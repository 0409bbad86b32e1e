import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { startWebhookReceiver, type WebhookReceiver } from '../webhooks/webhook-receiver.js';
import { createWebhook, fastRetries } from '../webhooks/webhook-setup.js';
import { createInbox } from '../widget/widget-setup.js';

/** Words only the erased contact wrote, and words another contact wrote, to look for everywhere. */
const secret = 'marmalade-7731';
const neighbour = 'quince-5512';

/**
 * A contact's data on request (GDPR articles 15 and 17), through the API on a real server: the export
 * holds everything stored of the contact; the erasure leaves their words in no table at all (where a
 * search, an export, the delivery log or a model prompt could read them), keeps scores and totals, and
 * touches no other contact.
 */
describe("a contact's data on request: export and erasure", () => {
  let openai: FakeOpenAIServer;
  let receiver: WebhookReceiver;
  let t: TestApp;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let otherAdmin: SignedInUser;
  let inboxId: string;
  let bridge: Record<string, string>;
  let messageIds = 0;

  beforeAll(async () => {
    // A model that repeats what it was told, as one saying it found nothing about "<their words>" does.
    openai = await startFakeOpenAIServer({ echoesUser: true });
    receiver = await startWebhookReceiver();
    t = await buildTestApp({ ...fastRetries, OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-contact-data' });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other shop');
    operator = await createUser(t.app, admin, 'operator');
    const agent = await createAgent(t.app, admin, { name: 'Desk', model: 'openai:gpt-4o-mini', visibility: 'tenant' });
    inboxId = (await createInbox(t.app, admin, { name: 'Chat app', kind: 'api', agentId: agent.id, csatEnabled: true }))
      .id;
    const webhook = await createWebhook(t.app, admin, {
      url: receiver.url,
      eventTypes: ['message.created', 'csat.submitted', 'contact.exported', 'contact.erased'],
    });
    receiver.secret = webhook.secret;
    const key = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: operator.headers,
      payload: { name: 'bridge' },
    });
    bridge = { authorization: `Bearer ${key.json<{ key: string }>().key}` };
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    await openai?.close();
  });

  const post = async (externalId: string, name: string, content: string) => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/inboxes/${inboxId}/messages`,
      headers: bridge,
      payload: { contact: { externalId, name }, content, messageId: `m-${++messageIds}` },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ conversation: { id: string }; contact: { id: string }; replyId: string }>();
  };
  const act = (user: SignedInUser, method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: user.headers, ...(method === 'POST' && { payload: payload ?? {} }) });
  /** Every row of every table (and pg-boss's) whose text holds `needle`, as `table: count`. */
  const tablesHolding = async (needle: string) => {
    const { rows } = await t.database.executeSql(
      `select table_schema, table_name from information_schema.tables
        where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
    );
    const found: Record<string, number> = {};
    for (const row of rows as { table_schema: string; table_name: string }[]) {
      const name = `"${row.table_schema}"."${row.table_name}"`;
      const counted = await t.database.executeSql(`select count(*)::int as n from ${name} t where t::text like $1`, [
        `%${needle}%`,
      ]);
      const n = (counted.rows[0] as { n: number }).n;
      if (n > 0) found[`${row.table_schema}.${row.table_name}`] = n;
    }
    return found;
  };

  it('exports everything stored of a contact, then erases their words from every table, keeping totals', async () => {
    const first = await post('+1 555 0100', 'Rosa Diaz', `My code is ${secret}, please help`);
    const contactId = first.contact.id;
    const supportId = first.conversation.id;
    await post('+1 555 0100', 'Rosa Diaz', `Again: ${secret}`);
    const other = await post('+1 555 0199', 'Ben Ode', `Mine is ${neighbour}`);
    // What the companion's memory job would keep of her, and what operators wrote about her.
    const desk = await t.database.executeSql(`select conversation_id from support_conversations where id = $1`, [
      supportId,
    ]);
    const chatId = (desk.rows[0] as { conversation_id: string }).conversation_id;
    await t.database.executeSql(
      `insert into agent_memories (id, tenant_id, agent_id, user_id, contact_id, content, fact_key)
       select gen_random_uuid(), c.tenant_id, c.agent_id, c.owner_id, $2, $3, 'code' from conversations c where c.id = $1`,
      [chatId, contactId, `Her code is ${secret}`],
    );
    expect((await act(operator, 'POST', `/v1/support-conversations/${supportId}/take`)).statusCode).toBe(200);
    expect(
      (await act(operator, 'POST', `/v1/support-conversations/${supportId}/notes`, { body: `Asked about ${secret}` }))
        .statusCode,
    ).toBe(201);
    const reply = await act(operator, 'POST', `/v1/support-conversations/${supportId}/messages`, {
      content: 'Sorted, thanks for waiting.',
    });
    expect(reply.statusCode, reply.body).toBe(201);
    expect((await act(operator, 'POST', `/v1/support-conversations/${supportId}/resolve`)).statusCode).toBe(200);
    const rated = await t.app.inject({
      method: 'POST',
      url: `/v1/inboxes/${inboxId}/conversations/${supportId}/csat`,
      headers: bridge,
      payload: { rating: 4, comment: `Fine, ${secret}` },
    });
    expect(rated.statusCode, rated.body).toBe(201);
    await eventually(async () => (receiver.received.some((d) => d.rawBody.includes(secret)) ? true : undefined));

    // Operators see the rating where they work: on the conversation and in the contact's list.
    const seen = await act(operator, 'GET', `/v1/support-conversations/${supportId}`);
    expect(seen.json()).toMatchObject({ rating: { rating: 4, comment: `Fine, ${secret}`, ratedFor: 'operator' } });
    const listed = await act(operator, 'GET', `/v1/contacts/${contactId}/conversations`);
    expect(listed.json<{ items: unknown[] }>().items).toEqual([
      expect.objectContaining({ id: supportId, rating: expect.objectContaining({ rating: 4 }) }),
    ]);

    // Only the tenant's admins: an operator is refused, another tenant finds nothing.
    expect((await act(operator, 'GET', `/v1/contacts/${contactId}/export`)).statusCode).toBe(403);
    expect((await act(otherAdmin, 'GET', `/v1/contacts/${contactId}/export`)).statusCode).toBe(404);
    expect((await act(otherAdmin, 'POST', `/v1/contacts/${contactId}/erase`)).statusCode).toBe(404);

    const exported = await act(admin, 'GET', `/v1/contacts/${contactId}/export`);
    expect(exported.statusCode, exported.body).toBe(200);
    expect(exported.headers['content-disposition']).toBe(`attachment; filename="contact-${contactId}.json"`);
    const data = exported.json<{
      contact: { name: string; externalId: string };
      conversations: {
        id: string;
        rating: { rating: number; comment: string };
        messages: { from: string; author: string | null; content: string }[];
        notes: { body: string }[];
      }[];
      memories: { content: string }[];
    }>();
    expect(data.contact).toMatchObject({ name: 'Rosa Diaz', externalId: '+1 555 0100' });
    expect(data.conversations).toHaveLength(1);
    const [conversation] = data.conversations;
    expect(conversation!.messages.filter((m) => m.from === 'contact').map((m) => m.content)).toEqual([
      `My code is ${secret}, please help`,
      `Again: ${secret}`,
    ]);
    // Who answered, by name: the AI agent's replies and the operator's.
    expect(conversation!.messages.find((m) => m.from === 'ai')).toMatchObject({
      author: 'Desk',
      content: `You wrote: My code is ${secret}, please help`,
    });
    expect(conversation!.messages.find((m) => m.from === 'operator')).toMatchObject({
      author: expect.any(String),
      content: 'Sorted, thanks for waiting.',
    });
    expect(conversation!.messages.every((m) => m.from !== 'contact' || m.author === null)).toBe(true);
    expect(conversation!.rating).toMatchObject({ rating: 4, comment: `Fine, ${secret}` });
    expect(conversation!.notes).toEqual([expect.objectContaining({ body: `Asked about ${secret}` })]);
    expect(data.memories).toEqual([expect.objectContaining({ content: `Her code is ${secret}` })]);
    expect(exported.body).not.toContain(neighbour);
    expect(Object.keys(await tablesHolding(secret)).length).toBeGreaterThan(3);

    const erased = await act(admin, 'POST', `/v1/contacts/${contactId}/erase`);
    expect(erased.statusCode, erased.body).toBe(200);
    const answer = erased.json<{
      contact: { name: null; displayName: string; externalId: null; erasedAt: string };
      erased: Record<string, number>;
    }>();
    expect(answer.contact).toMatchObject({ name: null, externalId: null });
    expect(answer.contact.erasedAt).toEqual(expect.any(String));
    expect(answer.contact.displayName).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+ [1-9]\d$/);
    expect(answer.erased).toMatchObject({ messages: 2, aiReplies: 2, notes: 1, memories: 1 });
    expect(answer.erased.webhookEvents).toBeGreaterThan(0);

    // Nowhere: no table of the application or of its job queue holds her words any more.
    expect(await tablesHolding(secret)).toEqual({});
    expect(Object.keys(await tablesHolding(neighbour)).length).toBeGreaterThan(0);
    const history = await act(admin, 'GET', `/v1/conversations/${chatId}/messages`);
    const items = history.json<{ items: { role: string; content: string }[] }>().items;
    expect(items.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['erased', 'erased']);
    // The AI's replies keep what was theirs; the contact's words they repeated are gone, and the
    // operator's reply stays as written.
    expect(items.filter((m) => m.role === 'assistant').map((m) => m.content)).toEqual([
      'You wrote: [erased]',
      'You wrote: [erased]',
      'Sorted, thanks for waiting.',
    ]);
    // Totals stay: the conversation and its score are still counted.
    const contactConversations = await act(admin, 'GET', `/v1/contacts/${contactId}/conversations`);
    expect(contactConversations.json<{ items: unknown[] }>().items).toHaveLength(1);
    const score = await t.database.executeSql(
      `select rating, comment from support_ratings where support_conversation_id = $1`,
      [supportId],
    );
    expect(score.rows).toEqual([{ rating: 4, comment: null }]);
    // The other contact is untouched, and searching for her by name finds nobody.
    expect((await act(admin, 'GET', `/v1/contacts/${other.contact.id}`)).json()).toMatchObject({ name: 'Ben Ode' });
    const search = await act(admin, 'GET', `/v1/contacts?q=Rosa`);
    expect(search.json<{ items: unknown[] }>().items).toEqual([]);
    await eventually(async () =>
      receiver.received.some((d) => d.payload?.type === 'contact.erased' && d.rawBody.includes(contactId))
        ? true
        : undefined,
    );

    // Erasing again erases nothing more, and says so.
    const again = await act(admin, 'POST', `/v1/contacts/${contactId}/erase`);
    expect(again.statusCode).toBe(200);
    expect(again.json<{ erased: Record<string, number> }>().erased).toEqual({
      messages: 0,
      aiReplies: 0,
      files: 0,
      notes: 0,
      memories: 0,
      webhookEvents: 0,
    });
  });
});
