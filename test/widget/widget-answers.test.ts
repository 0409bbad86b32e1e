import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { supportEvents, supportRatings, widgetMessageClaims } from '../../src/platform/db/schema/index.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { createInbox, sendAsVisitor, startConversation, startVisitor, type WidgetVisitor } from './widget-setup.js';

interface WidgetMessage {
  author: string;
  content: string;
  status: string;
}

describe('who answers a contact: the AI in bot, nobody’s model in pending or open', () => {
  let openai: FakeOpenAIServer;
  let t: TestApp;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let otherAdmin: SignedInUser;
  let aiInbox: { id: string };
  let humanInbox: { id: string };
  let closedInbox: { id: string };
  let closedHumanInbox: { id: string };

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-server-secret-0123456789' });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other shop');
    operator = await createUser(t.app, admin, 'operator');
    const agent = await createAgent(t.app, admin, {
      name: 'Front desk',
      model: 'openai:gpt-4o-mini',
      visibility: 'tenant',
    });
    aiInbox = await createInbox(t.app, admin, { agentId: agent.id, csatEnabled: true });
    humanInbox = await createInbox(t.app, admin, { name: 'People only' });
    // Open one minute a week, at a time that is not now: a person is always "back later".
    const closedDay = (new Date().getUTCDay() + 3) % 7;
    closedInbox = await createInbox(t.app, admin, {
      name: 'Closed',
      agentId: agent.id,
      businessHours: { timeZone: 'UTC', days: [{ weekday: closedDay, opens: '09:00', closes: '09:01' }] },
    });
    closedHumanInbox = await createInbox(t.app, admin, {
      name: 'People only, closed',
      businessHours: { timeZone: 'UTC', days: [{ weekday: closedDay, opens: '09:00', closes: '09:01' }] },
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await openai?.close();
  });
  beforeEach(() => openai.respondWith({}));

  /**
   * Calls that answer the contact. The one call allowed once a person is asked for is the summary written for
   * the operators (desk-ai.ts): it answers nobody, and is counted apart.
   */
  const isSummaryCall = (body: unknown) => JSON.stringify(body).includes('You help a customer-service team');
  const completions = () => openai.requests.filter((request) => request.path.endsWith('/chat/completions'));
  const modelCalls = () => completions().filter((request) => !isSummaryCall(request.body)).length;
  const summaryCalls = () => completions().filter((request) => isSummaryCall(request.body)).length;
  const messagesOf = async (visitor: WidgetVisitor, id: string) => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/widget/conversations/${id}/messages`,
      headers: visitor.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ items: WidgetMessage[] }>().items;
  };
  const aiReplyIn = (visitor: WidgetVisitor, id: string, count = 1) =>
    eventually(async () => {
      const replies = (await messagesOf(visitor, id)).filter(
        (message) => message.author === 'ai' && message.status === 'complete',
      );
      return replies.length >= count ? replies : undefined;
    }, 20_000);
  const operatorAct = (id: string, action: string) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/support-conversations/${id}/${action}`,
      headers: operator.headers,
      payload: {},
    });
  const statusOf = async (visitor: WidgetVisitor, id: string) =>
    (await t.app.inject({ method: 'GET', url: `/v1/widget/conversations/${id}`, headers: visitor.headers })).json<{
      status: string;
      operatorName: string | null;
      canRate: boolean;
    }>();

  it('the AI answers in bot; once a person has it, no model call is made at all', async () => {
    const visitor = await startVisitor(t.app, aiInbox.id);
    const conversation = await startConversation(t.app, visitor);
    expect(conversation.status).toBe('bot');
    const before = modelCalls();
    const sent = await sendAsVisitor(t.app, visitor, conversation.id, 'Where is my parcel?');
    expect(sent.statusCode, sent.body).toBe(200);
    expect(sent.json().replyId).toEqual(expect.any(String));
    const [reply] = await aiReplyIn(visitor, conversation.id);
    expect(reply!.content).toBe('Hello from the fake model.');
    expect(modelCalls()).toBe(before + 1);

    const handoff = await t.app.inject({
      method: 'POST',
      url: `/v1/widget/conversations/${conversation.id}/handoff`,
      headers: visitor.headers,
    });
    expect(handoff.statusCode, handoff.body).toBe(200);
    expect(handoff.json().conversation.status).toBe('pending');
    const pending = await sendAsVisitor(t.app, visitor, conversation.id, 'Hello? Anyone there?');
    expect(pending.json().replyId).toBeNull();
    expect((await operatorAct(conversation.id, 'take')).statusCode).toBe(200);
    const open = await statusOf(visitor, conversation.id);
    expect(open.status).toBe('open');
    expect(open.operatorName).toEqual(expect.any(String));
    const inOpen = await sendAsVisitor(t.app, visitor, conversation.id, 'Thanks for taking it');
    expect(inOpen.statusCode).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(modelCalls()).toBe(before + 1);
    expect(summaryCalls()).toBeLessThanOrEqual(1); // written in the background when it went pending
    const events = await t.database.db
      .select()
      .from(supportEvents)
      .where(eq(supportEvents.supportConversationId, conversation.id));
    expect(events.map((event) => [event.actorKind, event.action, event.toStatus])).toEqual(
      expect.arrayContaining([
        ['contact', 'request_human', 'pending'],
        ['operator', 'take', 'open'],
      ]),
    );
    const authors = (await messagesOf(visitor, conversation.id)).map((message) => message.author);
    expect(authors).toEqual(['contact', 'ai', 'system', 'contact', 'contact']);
  });

  it('a handoff keyword (English or Chinese) goes to pending without a model call', async () => {
    for (const words of ['I want to talk to a human please', '请帮我转人工']) {
      const visitor = await startVisitor(t.app, aiInbox.id);
      const conversation = await startConversation(t.app, visitor);
      const before = modelCalls();
      const sent = await sendAsVisitor(t.app, visitor, conversation.id, words);
      expect(sent.json().conversation.status).toBe('pending');
      expect(sent.json().replyId).toBeNull();
      expect(modelCalls()).toBe(before);
    }
    // A word that merely contains a keyword is not one.
    const visitor = await startVisitor(t.app, aiInbox.id);
    const conversation = await startConversation(t.app, visitor);
    const sent = await sendAsVisitor(t.app, visitor, conversation.id, 'What is on the agenda?');
    expect(sent.json().conversation.status).toBe('bot');
    await aiReplyIn(visitor, conversation.id);
  });

  it('a human-only inbox starts pending and never calls a model', async () => {
    const visitor = await startVisitor(t.app, humanInbox.id);
    const conversation = await startConversation(t.app, visitor);
    expect(conversation.status).toBe('pending');
    const before = modelCalls();
    const sent = await sendAsVisitor(t.app, visitor, conversation.id, 'Hello');
    expect(sent.json()).toMatchObject({ replyId: null, conversation: { status: 'pending' } });
    expect(modelCalls()).toBe(before);
  });

  it('a human-only inbox outside business hours tells the contact when a person is back, from the first message', async () => {
    const visitor = await startVisitor(t.app, closedHumanInbox.id);
    const conversation = await startConversation(t.app, visitor);
    const sent = await sendAsVisitor(t.app, visitor, conversation.id, 'Is anyone there?');
    expect(sent.statusCode, sent.body).toBe(200);
    expect(sent.json().conversation.status).toBe('pending');
    const backAt = new Date(sent.json().personBackAt as string);
    expect(backAt.getUTCHours()).toBe(9);
    expect(backAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('outside business hours the contact hears when a person is back, and can leave an email', async () => {
    const visitor = await startVisitor(t.app, closedInbox.id);
    const conversation = await startConversation(t.app, visitor);
    const handoff = await t.app.inject({
      method: 'POST',
      url: `/v1/widget/conversations/${conversation.id}/handoff`,
      headers: visitor.headers,
    });
    const backAt = new Date(handoff.json().personBackAt as string);
    expect(backAt.getUTCHours()).toBe(9);
    expect(backAt.getUTCMinutes()).toBe(0);
    expect(backAt.getTime()).toBeGreaterThan(Date.now());
    const left = await t.app.inject({
      method: 'PATCH',
      url: '/v1/widget/contact',
      headers: visitor.headers,
      payload: { email: 'ann@shop.example' },
    });
    expect(left.statusCode, left.body).toBe(204);
    const contact = await t.app.inject({
      method: 'GET',
      url: `/v1/contacts/${visitor.contactId}`,
      headers: admin.headers,
    });
    expect(contact.json().email).toBe('ann@shop.example');
  });

  it('a resolved conversation reopens when the contact writes: to the AI if the inbox has one, else to pending', async () => {
    const visitor = await startVisitor(t.app, aiInbox.id);
    const conversation = await startConversation(t.app, visitor);
    await sendAsVisitor(t.app, visitor, conversation.id, 'A question');
    await aiReplyIn(visitor, conversation.id);
    expect((await operatorAct(conversation.id, 'resolve')).statusCode).toBe(200);
    const sent = await sendAsVisitor(t.app, visitor, conversation.id, 'One more question');
    expect(sent.json().conversation.status).toBe('bot');
    await aiReplyIn(visitor, conversation.id, 2);

    const people = await startVisitor(t.app, humanInbox.id);
    const waiting = await startConversation(t.app, people);
    expect((await operatorAct(waiting.id, 'resolve')).statusCode).toBe(200);
    const again = await sendAsVisitor(t.app, people, waiting.id, 'Back again');
    expect(again.json().conversation.status).toBe('pending');
  });

  it('a snoozed conversation the contact writes to opens again, with no model call', async () => {
    const visitor = await startVisitor(t.app, aiInbox.id);
    const conversation = await startConversation(t.app, visitor);
    expect((await operatorAct(conversation.id, 'take')).statusCode).toBe(200);
    const snoozed = await t.app.inject({
      method: 'POST',
      url: `/v1/support-conversations/${conversation.id}/snooze`,
      headers: operator.headers,
      payload: { until: '2099-01-31T09:00:00Z' },
    });
    expect(snoozed.statusCode, snoozed.body).toBe(200);
    const before = modelCalls();
    const sent = await sendAsVisitor(t.app, visitor, conversation.id, 'Are you still there?');
    expect(sent.json()).toMatchObject({ replyId: null, conversation: { status: 'open' } });
    expect(modelCalls()).toBe(before);
  });

  it('a resent clientMessageId stores one message and calls the model once', async () => {
    const visitor = await startVisitor(t.app, aiInbox.id);
    const conversation = await startConversation(t.app, visitor);
    const before = modelCalls();
    const first = await sendAsVisitor(t.app, visitor, conversation.id, 'Only once', 'same-id');
    await aiReplyIn(visitor, conversation.id);
    const second = await sendAsVisitor(t.app, visitor, conversation.id, 'Only once', 'same-id');
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ isReplay: true, message: { id: first.json().message.id } });
    expect(modelCalls()).toBe(before + 1);
    expect((await messagesOf(visitor, conversation.id)).filter((message) => message.author === 'contact')).toHaveLength(
      1,
    );
  });

  // What a lost answer leaves: the message stored and its claim gone (the old send dropped its claim when a
  // step after the commit failed, or a connection cut at the commit read as a failure). The resend must
  // still store nothing new: the database keeps one message per client id, for the AI and for a person.
  it.each([
    ['the AI answers', () => aiInbox],
    ['a person answers', () => humanInbox],
  ])('a resend whose claim was lost after its message was stored stores nothing new (%s)', async (_, inbox) => {
    const visitor = await startVisitor(t.app, inbox().id);
    const conversation = await startConversation(t.app, visitor);
    const before = modelCalls();
    const first = await sendAsVisitor(t.app, visitor, conversation.id, 'Stored, then its answer lost', 'lost-answer');
    expect(first.statusCode, first.body).toBe(200);
    if (inbox() === aiInbox) await aiReplyIn(visitor, conversation.id);
    await t.database.db
      .delete(widgetMessageClaims)
      .where(eq(widgetMessageClaims.supportConversationId, conversation.id));
    const resent = await sendAsVisitor(t.app, visitor, conversation.id, 'Stored, then its answer lost', 'lost-answer');
    expect(resent.statusCode, resent.body).toBe(200);
    expect(resent.json().message.id).toBe(first.json().message.id);
    expect(modelCalls()).toBe(before + (inbox() === aiInbox ? 1 : 0));
    const contactMessages = (await messagesOf(visitor, conversation.id)).filter(
      (message) => message.author === 'contact',
    );
    expect(contactMessages).toHaveLength(1);
  });

  it('CSAT: only once resolved, once per resolution, stored with the operator or as the AI’s', async () => {
    const visitor = await startVisitor(t.app, aiInbox.id);
    const conversation = await startConversation(t.app, visitor);
    const rate = (id: string, body: object, by = visitor) =>
      t.app.inject({ method: 'POST', url: `/v1/widget/conversations/${id}/csat`, headers: by.headers, payload: body });
    expect((await rate(conversation.id, { rating: 5 })).statusCode).toBe(409);
    expect((await operatorAct(conversation.id, 'take')).statusCode).toBe(200);
    expect((await operatorAct(conversation.id, 'resolve')).statusCode).toBe(200);
    expect((await statusOf(visitor, conversation.id)).canRate).toBe(true);
    expect((await rate(conversation.id, { rating: 6 })).statusCode).toBe(400);
    const rated = await rate(conversation.id, { rating: 4, comment: 'Quick answer' });
    expect(rated.statusCode, rated.body).toBe(201);
    expect(rated.json()).toMatchObject({ rating: 4, ratedFor: 'operator' });
    expect((await rate(conversation.id, { rating: 1 })).statusCode).toBe(409);
    expect((await statusOf(visitor, conversation.id)).canRate).toBe(false);
    const [stored] = await t.database.db
      .select()
      .from(supportRatings)
      .where(eq(supportRatings.supportConversationId, conversation.id));
    expect(stored).toMatchObject({ rating: 4, comment: 'Quick answer', operatorId: operator.userId, isAiOnly: false });

    // Reopened and resolved again: rated anew, the new rating in place of the first; once again only.
    expect((await operatorAct(conversation.id, 'reopen')).statusCode).toBe(200);
    expect((await rate(conversation.id, { rating: 2 })).statusCode).toBe(409);
    expect((await operatorAct(conversation.id, 'resolve')).statusCode).toBe(200);
    expect(await statusOf(visitor, conversation.id)).toMatchObject({ canRate: true, isRated: false });
    const again = await rate(conversation.id, { rating: 2, comment: 'Came back' });
    expect(again.statusCode, again.body).toBe(201);
    expect(await statusOf(visitor, conversation.id)).toMatchObject({ canRate: false, isRated: true });
    expect((await rate(conversation.id, { rating: 5 })).statusCode).toBe(409);
    const ratings = await t.database.db
      .select()
      .from(supportRatings)
      .where(eq(supportRatings.supportConversationId, conversation.id));
    expect(ratings).toEqual([expect.objectContaining({ rating: 2, comment: 'Came back' })]);

    // Resolved straight from bot: nobody had it, so the rating is the AI's.
    const aiOnly = await startVisitor(t.app, aiInbox.id);
    const aiConversation = await startConversation(t.app, aiOnly);
    expect((await operatorAct(aiConversation.id, 'resolve')).statusCode).toBe(200);
    expect((await rate(aiConversation.id, { rating: 5 }, aiOnly)).json()).toMatchObject({ ratedFor: 'ai' });

    // An inbox without CSAT refuses ratings with a sentence.
    const people = await startVisitor(t.app, humanInbox.id);
    const noCsat = await startConversation(t.app, people);
    expect((await operatorAct(noCsat.id, 'resolve')).statusCode).toBe(200);
    const refused = await rate(noCsat.id, { rating: 5 }, people);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().detail).toContain('CSAT');
  });

  it('one visitor never reaches another visitor’s, inbox’s or tenant’s conversation: 404', async () => {
    const owner = await startVisitor(t.app, aiInbox.id);
    const conversation = await startConversation(t.app, owner);
    const neighbour = await startVisitor(t.app, aiInbox.id);
    const otherInboxVisitor = await startVisitor(t.app, humanInbox.id);
    const otherTenantInbox = await createInbox(t.app, otherAdmin);
    const otherTenantVisitor = await startVisitor(t.app, otherTenantInbox.id);
    for (const stranger of [neighbour, otherInboxVisitor, otherTenantVisitor]) {
      for (const [method, path, payload] of [
        ['GET', '', undefined],
        ['GET', '/messages', undefined],
        ['GET', '/events', undefined],
        ['POST', '/messages', { content: 'hi', clientMessageId: 'x' }],
        ['POST', '/handoff', undefined],
        ['POST', '/csat', { rating: 3 }],
      ] as const) {
        const response = await t.app.inject({
          method,
          url: `/v1/widget/conversations/${conversation.id}${path}`,
          headers: stranger.headers,
          ...(payload && { payload }),
        });
        expect(response.statusCode, `${method} ${path}`).toBe(404);
      }
      const list = await t.app.inject({ method: 'GET', url: '/v1/widget/conversations', headers: stranger.headers });
      expect(list.json().items).toEqual([]);
    }
    const ratings = await t.database.db
      .select()
      .from(supportRatings)
      .where(eq(supportRatings.supportConversationId, conversation.id));
    expect(ratings).toEqual([]);
  });
});
