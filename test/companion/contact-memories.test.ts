import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signExternalId } from '../../src/modules/inbox/inboxes/identity-verification.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import {
  createInbox,
  sendAsVisitor,
  startConversation,
  startVisitor,
  type WidgetVisitor,
} from '../widget/widget-setup.js';

interface Memory {
  id: string;
  content: string;
}

/**
 * Long-term memory in support conversations belongs to the contact, not to the desk user that owns every
 * support chat: one customer's facts never reach another customer's prompt, a verified contact's facts
 * follow them to another device, an inbox keeps memory only when turned on, and operators see and delete
 * a contact's memories (never another tenant's). The model is a real-wire fake, so the prompt it was sent
 * is what is checked.
 */
describe('memory belongs to the contact', () => {
  let openai: FakeOpenAIServer;
  let t: TestApp;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let member: SignedInUser;
  let otherAdmin: SignedInUser;
  let rememberingInbox: { id: string; signingSecret: string };
  let forgettingInbox: { id: string };

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-contact-memory-test' });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Bakery');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other bakery');
    operator = await createUser(t.app, admin, 'operator');
    member = await createUser(t.app, admin, 'member');
    const agent = await createAgent(t.app, admin, {
      name: 'Front desk',
      model: 'openai:gpt-4o-mini',
      visibility: 'tenant',
      companion: { memory: true, utilityModel: 'offline' },
    });
    rememberingInbox = await createInbox(t.app, admin, { name: 'Remembers', agentId: agent.id, memory: true });
    forgettingInbox = await createInbox(t.app, admin, { name: 'Default', agentId: agent.id });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await openai?.close();
  });
  beforeEach(() => openai.respondWith({}));

  const systemPromptOf = (content: string) => {
    const request = openai.requests.findLast((candidate) => JSON.stringify(candidate.body).includes(content));
    const messages = (request?.body as { messages: { role: string; content: string }[] } | undefined)?.messages;
    if (!messages) throw new Error(`no model request carried "${content}"`);
    return messages.find((message) => message.role === 'system')?.content ?? '';
  };
  const memoriesOf = async (contactId: string, user = operator) => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/contacts/${contactId}/memories`,
      headers: user.headers,
    });
    return {
      status: response.statusCode,
      items: response.statusCode === 200 ? response.json<{ items: Memory[] }>().items : [],
    };
  };
  /** Sends as the visitor and waits until the memory job of that message has run. */
  const say = async (visitor: WidgetVisitor, conversationId: string, content: string) => {
    const sent = await sendAsVisitor(t.app, visitor, conversationId, content);
    expect(sent.statusCode, sent.body).toBe(200);
    await eventually(async () => {
      const { rows } = await t.database.executeSql(
        `select j.state from pgboss.job j join messages m on m.id = (j.data->>'messageId')::uuid
          where j.name = 'companion.remember' and m.content = $1`,
        [content],
      );
      return (rows as { state: string }[]).some((row) => row.state === 'completed') || undefined;
    }, 30_000);
    // The reply that answered it has been asked for.
    await eventually(
      async () => openai.requests.some((request) => JSON.stringify(request.body).includes(content)) || undefined,
    );
  };

  it("keeps a contact's facts as theirs: another contact of the same inbox never has them in its prompt", async () => {
    const alice = await startVisitor(t.app, rememberingInbox.id);
    const bob = await startVisitor(t.app, rememberingInbox.id);
    const aliceFirst = await startConversation(t.app, alice);
    await say(alice, aliceFirst.id, 'I am allergic to peanuts');
    expect((await memoriesOf(alice.contactId)).items.map((memory) => memory.content)).toEqual([
      'Is allergic to peanuts',
    ]);
    expect((await memoriesOf(bob.contactId)).items).toEqual([]);

    const bobFirst = await startConversation(t.app, bob);
    await say(bob, bobFirst.id, 'Do you sell rye bread?');
    expect(systemPromptOf('Do you sell rye bread?')).not.toContain('peanuts');

    const aliceNext = await startConversation(t.app, alice);
    await say(alice, aliceNext.id, 'Which cakes can I eat?');
    expect(systemPromptOf('Which cakes can I eat?')).toContain('- Is allergic to peanuts');
  });

  it('follows a verified contact to another device, and stays with an anonymous contact', async () => {
    const identifier = 'customer-4711';
    const signed = { identifier, identifierHash: signExternalId(rememberingInbox.signingSecret, identifier) };
    const laptop = await startVisitor(t.app, rememberingInbox.id, signed);
    await say(laptop, (await startConversation(t.app, laptop)).id, 'I am vegetarian');
    const phone = await startVisitor(t.app, rememberingInbox.id, signed);
    expect(phone.contactId).toBe(laptop.contactId);
    await say(phone, (await startConversation(t.app, phone)).id, 'What is in the quiche?');
    expect(systemPromptOf('What is in the quiche?')).toContain('- Is vegetarian');

    // Someone on another browser, not verified: a contact of their own, without the verified one's facts.
    const stranger = await startVisitor(t.app, rememberingInbox.id);
    await say(stranger, (await startConversation(t.app, stranger)).id, 'What is in the lasagne?');
    expect(systemPromptOf('What is in the lasagne?')).not.toContain('vegetarian');
  });

  it('keeps nothing for an inbox that did not turn memory on (the default)', async () => {
    const visitor = await startVisitor(t.app, forgettingInbox.id);
    await say(visitor, (await startConversation(t.app, visitor)).id, 'I am allergic to shellfish');
    expect((await memoriesOf(visitor.contactId)).items).toEqual([]);
    await say(visitor, (await startConversation(t.app, visitor)).id, 'Any fish pies today?');
    expect(systemPromptOf('Any fish pies today?')).not.toContain('shellfish');
    const inbox = await t.app.inject({
      method: 'GET',
      url: `/v1/inboxes/${forgettingInbox.id}`,
      headers: admin.headers,
    });
    expect(inbox.json()).toMatchObject({ memory: false });
  });

  it("lets operators see and delete a contact's memories; members and other tenants cannot", async () => {
    const visitor = await startVisitor(t.app, rememberingInbox.id);
    await say(visitor, (await startConversation(t.app, visitor)).id, 'I am based in Oslo');
    const [memory] = (await memoriesOf(visitor.contactId)).items;
    expect(memory).toMatchObject({ content: 'Is based in Oslo' });

    expect((await memoriesOf(visitor.contactId, member)).status).toBe(403);
    expect((await memoriesOf(visitor.contactId, otherAdmin)).status).toBe(404);
    const foreignDelete = await t.app.inject({
      method: 'DELETE',
      url: `/v1/contacts/${visitor.contactId}/memories/${memory!.id}`,
      headers: otherAdmin.headers,
    });
    expect(foreignDelete.statusCode).toBe(404);

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/contacts/${visitor.contactId}/memories/${memory!.id}`,
      headers: operator.headers,
    });
    expect(deleted.statusCode).toBe(204);
    expect((await memoriesOf(visitor.contactId)).items).toEqual([]);
    await say(visitor, (await startConversation(t.app, visitor)).id, 'Do you deliver?');
    expect(systemPromptOf('Do you deliver?')).not.toContain('Oslo');
  });
});
