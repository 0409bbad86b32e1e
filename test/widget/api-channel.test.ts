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
import { startWebhookReceiver, type ReceivedDelivery, type WebhookReceiver } from '../webhooks/webhook-receiver.js';
import { createWebhook, fastRetries } from '../webhooks/webhook-setup.js';
import { createInbox, siteOrigin } from './widget-setup.js';

interface SupportData {
  supportConversation: { id: string; status: string };
  inbox: { id: string; kind: string };
  contact: { id: string; externalId: string | null };
  author?: { kind: string; name: string | null };
}

/** The API channel's whole loop, with the bridge's webhook receiver verifying every delivery's signature. */
describe('the API channel: a bridge posts a contact’s messages and hears the replies by webhook', () => {
  let openai: FakeOpenAIServer;
  let receiver: WebhookReceiver;
  let t: TestApp;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let otherAdmin: SignedInUser;
  let apiInbox: { id: string };
  let humanApiInbox: { id: string };
  let widgetInbox: { id: string };
  let bridge: Record<string, string>;
  let memberKey: Record<string, string>;
  let messageIds = 0;

  const keyHeaders = async (user: SignedInUser, name: string) => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: user.headers,
      payload: { name },
    });
    expect(response.statusCode, response.body).toBe(201);
    return { authorization: `Bearer ${response.json<{ key: string }>().key}` };
  };

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    receiver = await startWebhookReceiver();
    t = await buildTestApp({
      ...fastRetries,
      OPENAI_BASE_URL: openai.baseUrl,
      OPENAI_API_KEY: 'sk-server-secret-0123456789',
    });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other shop');
    operator = await createUser(t.app, admin, 'operator');
    const agent = await createAgent(t.app, admin, {
      name: 'Front desk',
      model: 'openai:gpt-4o-mini',
      visibility: 'tenant',
    });
    apiInbox = await createInbox(t.app, admin, { name: 'WhatsApp', kind: 'api', agentId: agent.id, csatEnabled: true });
    humanApiInbox = await createInbox(t.app, admin, { name: 'E-mail', kind: 'api' });
    widgetInbox = await createInbox(t.app, admin, { name: 'Website' });
    const webhook = await createWebhook(t.app, admin, {
      url: receiver.url,
      eventTypes: ['message.created', 'conversation.status_changed', 'handoff.requested', 'csat.submitted'],
    });
    receiver.secret = webhook.secret;
    bridge = await keyHeaders(operator, 'WhatsApp bridge');
    memberKey = await keyHeaders(await createUser(t.app, admin, 'member'), 'A member’s key');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
    await openai?.close();
  });

  const post = (inboxId: string, body: object, headers = bridge) =>
    t.app.inject({ method: 'POST', url: `/v1/inboxes/${inboxId}/messages`, headers, payload: body });
  const contactMessage = (externalId: string, content: string, messageId = `wa-${++messageIds}`) => ({
    contact: { externalId, name: 'Ann Lee' },
    content,
    messageId,
  });
  const operatorAct = (id: string, action: string, payload: object = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/support-conversations/${id}/${action}`,
      headers: operator.headers,
      payload,
    });

  /** The verified deliveries of one type that match, waiting until one arrived. */
  async function delivered(type: string, matches: (data: Record<string, unknown>) => boolean) {
    const deadline = Date.now() + 30_000;
    const find = (): ReceivedDelivery[] =>
      receiver.received.filter((delivery) => delivery.payload?.type === type && matches(delivery.payload.data));
    while (find().length === 0) {
      if (Date.now() > deadline) throw new Error(`no ${type} delivery arrived`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const found = find();
    expect(found.every((delivery) => delivery.isVerified)).toBe(true);
    return found[0]!.payload!.data as Record<string, unknown> & { support: SupportData };
  }
  const inConversation = (id: string) => (data: Record<string, unknown>) =>
    (data.support as SupportData | undefined)?.supportConversation.id === id;

  it('runs the loop: AI reply, handoff, the operator’s reply, resolve and the contact’s rating, each by webhook', async () => {
    const externalId = '+49 151 1234567';
    const first = await post(apiInbox.id, contactMessage(externalId, 'Where is my parcel?'));
    expect(first.statusCode, first.body).toBe(201);
    const sent = first.json<{
      conversation: { id: string; status: string };
      contact: { id: string; externalId: string };
      replyId: string;
      message: { id: string; author: string };
    }>();
    expect(sent.conversation.status).toBe('bot');
    expect(sent.contact.externalId).toBe(externalId);
    expect(sent.message.author).toBe('contact');
    const conversationId = sent.conversation.id;

    const aiReply = await delivered('message.created', (data) => (data.message as { id: string }).id === sent.replyId);
    expect(aiReply.support).toMatchObject({
      supportConversation: { id: conversationId },
      inbox: { id: apiInbox.id, kind: 'api' },
      contact: { id: sent.contact.id, externalId },
      author: { kind: 'ai', name: null },
    });
    expect(aiReply.message).toMatchObject({ role: 'assistant', status: 'complete' });
    const contactLine = await delivered(
      'message.created',
      (data) => (data.message as { id: string }).id === sent.message.id,
    );
    expect(contactLine.support.author).toEqual({ kind: 'contact', name: null });

    // The contact asks for a person in words: no model is asked, the conversation waits for an operator.
    const calls = openai.requests.length;
    const asked = await post(apiInbox.id, contactMessage(externalId, 'Can I talk to a person please?'));
    expect(asked.statusCode, asked.body).toBe(201);
    expect(asked.json<{ conversation: { id: string; status: string } }>().conversation).toMatchObject({
      id: conversationId,
      status: 'pending',
    });
    const handoff = await delivered('handoff.requested', inConversation(conversationId));
    expect(handoff.support.contact.externalId).toBe(externalId);

    expect((await operatorAct(conversationId, 'take')).statusCode).toBe(200);
    const note = await operatorAct(conversationId, 'notes', { body: 'Private: she called twice already' });
    expect(note.statusCode, note.body).toBe(201);
    const replied = await operatorAct(conversationId, 'messages', { content: 'Hello Ann, I am on it.' });
    expect(replied.statusCode, replied.body).toBe(201);
    const reply = replied.json<{ id: string; authorName: string }>();
    const operatorReply = await delivered(
      'message.created',
      (data) => (data.message as { id: string }).id === reply.id,
    );
    expect(operatorReply.support).toMatchObject({
      supportConversation: { id: conversationId, status: 'open' },
      contact: { externalId },
      author: { kind: 'operator', name: reply.authorName },
    });
    expect(reply.authorName.length).toBeGreaterThan(0);
    expect(operatorReply.message).toMatchObject({ content: 'Hello Ann, I am on it.', role: 'assistant' });

    expect((await operatorAct(conversationId, 'resolve')).statusCode).toBe(200);
    const resolved = await delivered(
      'conversation.status_changed',
      (data) => inConversation(conversationId)(data) && data.toStatus === 'resolved',
    );
    expect(resolved.support.contact.externalId).toBe(externalId);
    const rated = await t.app.inject({
      method: 'POST',
      url: `/v1/inboxes/${apiInbox.id}/conversations/${conversationId}/csat`,
      headers: bridge,
      payload: { rating: 5, comment: 'Quick and kind' },
    });
    expect(rated.statusCode, rated.body).toBe(201);
    expect(rated.json()).toEqual({ rating: 5, comment: 'Quick and kind', ratedFor: 'operator' });
    const csat = await delivered('csat.submitted', inConversation(conversationId));
    expect(csat.rating).toMatchObject({ supportConversationId: conversationId, rating: 5, ratedFor: 'operator' });
    expect(csat.support.contact.externalId).toBe(externalId);

    // Private notes never leave; no model was asked after the contact wanted a person (but the summary).
    expect(receiver.received.some((delivery) => delivery.rawBody.includes('called twice'))).toBe(false);
    const answering = openai.requests
      .slice(calls)
      .filter((request) => !JSON.stringify(request.body).includes('You help a customer-service team'));
    expect(answering.filter((request) => request.path.endsWith('/chat/completions'))).toHaveLength(0);
  });

  it('stores a retried post once, whether the retry comes after the first or beside it', async () => {
    const body = contactMessage('mail:bob@shop.example', 'My invoice is wrong', 'mail-77');
    const first = await post(humanApiInbox.id, body);
    expect(first.statusCode, first.body).toBe(201);
    const again = await post(humanApiInbox.id, body);
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ isReplay: true, message: { id: first.json().message.id } });

    const racing = contactMessage('mail:bob@shop.example', 'And the address too', 'mail-78');
    const answers = await Promise.all([post(humanApiInbox.id, racing), post(humanApiInbox.id, racing)]);
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual(
      answers.some((answer) => answer.statusCode === 409) ? [201, 409] : [200, 201],
    );
    const conversationId = first.json<{ conversation: { id: string } }>().conversation.id;
    const listed = await t.app.inject({
      method: 'GET',
      url: `/v1/inboxes/${humanApiInbox.id}/conversations/${conversationId}/messages`,
      headers: bridge,
    });
    expect(listed.statusCode, listed.body).toBe(200);
    const contents = listed
      .json<{ items: { author: string; content: string }[] }>()
      .items.filter((message) => message.author === 'contact')
      .map((message) => message.content);
    expect(contents).toEqual(['My invoice is wrong', 'And the address too']);
  });

  it('keeps each kind of inbox to its channel, with a 409 that says which', async () => {
    const toWidget = await post(widgetInbox.id, contactMessage('x-1', 'Hello'));
    expect(toWidget.statusCode).toBe(409);
    expect(toWidget.json().detail).toMatch(/widget inbox.*"kind": "api"/);
    const session = await t.app.inject({
      method: 'POST',
      url: `/v1/widget/inboxes/${apiInbox.id}/sessions`,
      headers: { origin: siteOrigin },
      payload: {},
    });
    expect(session.statusCode).toBe(409);
    expect(session.json().detail).toMatch(/API inbox/);
  });

  it('answers 404 for another tenant’s inbox, contact or conversation, and 403 for a member’s key', async () => {
    const otherInbox = await createInbox(t.app, otherAdmin, { name: 'Theirs', kind: 'api' });
    expect((await post(otherInbox.id, contactMessage('x-2', 'Hello'))).statusCode).toBe(404);
    const theirs = await post(
      otherInbox.id,
      contactMessage('x-3', 'Hello'),
      await keyHeaders(otherAdmin, 'Their bridge'),
    );
    expect(theirs.statusCode, theirs.body).toBe(201);
    const { conversation, contact } = theirs.json<{ conversation: { id: string }; contact: { id: string } }>();
    const byTheirContact = await post(humanApiInbox.id, { contact: { id: contact.id }, content: 'Hi', messageId: 'z' });
    expect(byTheirContact.statusCode).toBe(404);
    expect(byTheirContact.json().detail).toBe(`Contact '${contact.id}' was not found`);
    const theirConversation = await t.app.inject({
      method: 'GET',
      url: `/v1/inboxes/${humanApiInbox.id}/conversations/${conversation.id}/messages`,
      headers: bridge,
    });
    expect(theirConversation.statusCode).toBe(404);
    const asMember = await post(humanApiInbox.id, contactMessage('x-4', 'Hello'), memberKey);
    expect(asMember.statusCode).toBe(403);
  });

  it('refuses bad input with a sentence per field, and a rating in an inbox that asks for none', async () => {
    const cases: [object, RegExp][] = [
      [{ content: 'Hi', messageId: 'a' }, /contact/],
      [{ contact: {}, content: 'Hi', messageId: 'a' }, /exactly one of id/],
      [{ contact: { id: crypto.randomUUID(), externalId: 'x' }, content: 'Hi', messageId: 'a' }, /exactly one of id/],
      [{ contact: { externalId: 'x' }, content: '   ', messageId: 'a' }, /must not be empty/],
      [{ contact: { externalId: 'x' }, content: 'Hi', messageId: 'a'.repeat(201) }, /messageId/],
      [{ contact: { externalId: 'x', phone: 'call me' }, content: 'Hi', messageId: 'a' }, /phone number/],
      [{ contact: { externalId: 'x' }, content: 'Hi', messageId: 'a', extra: true }, /extra/],
    ];
    for (const [body, problem] of cases) {
      const answer = await post(humanApiInbox.id, body);
      expect(answer.statusCode, answer.body).toBe(400);
      expect(answer.body).toMatch(problem);
    }
    expect((await post('not-an-id', contactMessage('x', 'Hi'))).statusCode).toBe(400);

    const open = await post(humanApiInbox.id, contactMessage('x-5', 'Hello'));
    const conversationId = open.json<{ conversation: { id: string } }>().conversation.id;
    const early = await t.app.inject({
      method: 'POST',
      url: `/v1/inboxes/${humanApiInbox.id}/conversations/${conversationId}/csat`,
      headers: bridge,
      payload: { rating: 4 },
    });
    expect(early.statusCode).toBe(422);
    expect(early.json().detail).toMatch(/does not ask for ratings/);
  });
});
