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
import { createSource, uploadAccepted, waitForDocument } from '../knowledge/knowledge-setup.js';
import {
  createInbox,
  openEvents,
  sendAsVisitor,
  siteOrigin,
  startConversation,
  startVisitor,
  type WidgetVisitor,
} from './widget-setup.js';

const faq = [
  '# Returns',
  '',
  'Parcels can be returned within 30 days of delivery. The return label is printed from your account page.',
].join('\n');

describe('the widget live: AI answers from knowledge, streamed; handover when it cannot help', () => {
  let openai: FakeOpenAIServer;
  let t: TestApp;
  let address: string;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let knowledgeInbox: { id: string };
  let stayingInbox: { id: string };
  let failingInbox: { id: string };
  let realModelInbox: { id: string };
  let noAnswerInbox: { id: string };
  const noAnswerReply = "Sorry, I don't know that. A colleague will help you.";

  beforeAll(async () => {
    openai = await startFakeOpenAIServer({ error: { status: 500 } });
    t = await buildTestApp(
      { OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-server-secret-0123456789' },
      { chat: { heartbeatMs: 1_000 } },
    );
    address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
    operator = await createUser(t.app, admin, 'operator');
    const sourceId = (await createSource(t.app, admin, { name: 'FAQ' })).id;
    const document = await uploadAccepted(t.app, admin, sourceId, Buffer.from(faq), { filename: 'faq.md' });
    expect((await waitForDocument(t.app, admin, sourceId, document.id)).status).toBe('ready');
    const offline = await createAgent(t.app, admin, {
      name: 'FAQ bot',
      model: 'offline',
      visibility: 'tenant',
      knowledgeSourceIds: [sourceId],
    });
    const failing = await createAgent(t.app, admin, {
      name: 'Broken',
      model: 'openai:gpt-4o-mini',
      visibility: 'tenant',
    });
    knowledgeInbox = await createInbox(t.app, admin, { agentId: offline.id });
    stayingInbox = await createInbox(t.app, admin, { agentId: offline.id, handoff: { onAiFailure: 'stay' } });
    failingInbox = await createInbox(t.app, admin, { agentId: failing.id });
    const realModel = await createAgent(t.app, admin, {
      name: 'Real model with the FAQ',
      model: 'openai:gpt-4o-mini',
      visibility: 'tenant',
      knowledgeSourceIds: [sourceId],
    });
    realModelInbox = await createInbox(t.app, admin, { agentId: realModel.id });
    noAnswerInbox = await createInbox(t.app, admin, { agentId: realModel.id, handoff: { noAnswerReply } });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await openai?.close();
  }, 120_000);

  const statusOf = async (visitor: WidgetVisitor, id: string) =>
    (await t.app.inject({ method: 'GET', url: `/v1/widget/conversations/${id}`, headers: visitor.headers })).json<{
      status: string;
    }>().status;

  it('streams the offline model’s answer from a knowledge source, then a person joining', async () => {
    const visitor = await startVisitor(t.app, knowledgeInbox.id);
    const conversation = await startConversation(t.app, visitor);
    const live = await openEvents(address, visitor, conversation.id);
    try {
      await live.until((events) => events.some((event) => event.type === 'status'));
      await sendAsVisitor(t.app, visitor, conversation.id, 'How many days do I have to return a parcel?');
      await live.until((events) =>
        events.some(
          (event) => event.type === 'message' && event.message?.author === 'ai' && event.message.status === 'complete',
        ),
      );
      expect(live.events.some((event) => event.type === 'delta')).toBe(true);
      const answer = live.events.find((event) => event.message?.author === 'ai')!.message!;
      expect(answer.content).toContain('30 days');
      expect(live.events.some((event) => event.message?.author === 'contact')).toBe(true);
      expect(await statusOf(visitor, conversation.id)).toBe('bot');

      await t.app.inject({
        method: 'POST',
        url: `/v1/widget/conversations/${conversation.id}/handoff`,
        headers: visitor.headers,
      });
      await t.app.inject({
        method: 'POST',
        url: `/v1/support-conversations/${conversation.id}/take`,
        headers: operator.headers,
        payload: {},
      });
      await live.until((events) => events.some((event) => event.conversation?.status === 'open'));
      const joined = live.events.find((event) => event.conversation?.status === 'open')!;
      expect(joined.conversation!.operatorName).toEqual(expect.any(String));
      // Resuming after the last message seen replays nothing already had.
      const lastId = live.events.filter((event) => event.id).at(-1)!.id!;
      const resumed = await openEvents(address, visitor, conversation.id, { 'last-event-id': lastId });
      try {
        await resumed.until((events) => events.some((event) => event.type === 'status'));
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(resumed.events.filter((event) => event.type === 'message')).toEqual([]);
      } finally {
        await resumed.close();
      }
    } finally {
      await live.close();
    }
  });

  it('a real model that greets or asks back without citing keeps the conversation with the AI', async () => {
    try {
      const visitor = await startVisitor(t.app, realModelInbox.id);
      const conversation = await startConversation(t.app, visitor);
      const aiReplies = async (count: number) =>
        eventually(async () => {
          const response = await t.app.inject({
            method: 'GET',
            url: `/v1/widget/conversations/${conversation.id}/messages`,
            headers: visitor.headers,
          });
          const items = response.json<{ items: { author: string; status: string }[] }>().items;
          return (
            items.filter((item) => item.author === 'ai' && item.status === 'complete').length >= count || undefined
          );
        }, 20_000);
      // Passages are retrieved for both messages; the model cites none of them, as real models do.
      openai.respondWith({ replyTokens: ['Hello!', ' How can I help', ' you today?'] });
      await sendAsVisitor(t.app, visitor, conversation.id, 'Hi there, about returning a parcel');
      await aiReplies(1);
      openai.respondWith({ replyTokens: ['Which order', ' is it about?'] });
      await sendAsVisitor(t.app, visitor, conversation.id, 'I want to return a parcel');
      await aiReplies(2);
      // The hand-over would follow the reply: give it the time it would take.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await statusOf(visitor, conversation.id)).toBe('bot');
    } finally {
      openai.respondWith({ error: { status: 500 } });
    }
  });

  it('a real model that replies the inbox’s “no answer” form hands over; one that greets does not', async () => {
    try {
      const visitor = await startVisitor(t.app, noAnswerInbox.id);
      const conversation = await startConversation(t.app, visitor);
      openai.respondWith({ replyTokens: ['Hello!', ' How can I help', ' you today?'] });
      const requestsBefore = openai.requests.length;
      await sendAsVisitor(t.app, visitor, conversation.id, 'Hi');
      // The model was told the form where it reads what the handoff tool is for.
      const told = await eventually(async () => {
        const withTools = openai.requests
          .slice(requestsBefore)
          .map((request) => (request.body as { tools?: { function: { description: string } }[] }).tools)
          .find((tools) => tools !== undefined);
        return withTools?.map((tool) => tool.function.description).join(' ');
      }, 20_000);
      expect(told).toContain(`reply exactly "${noAnswerReply}"`);
      await eventually(async () => {
        const response = await t.app.inject({
          method: 'GET',
          url: `/v1/widget/conversations/${conversation.id}/messages`,
          headers: visitor.headers,
        });
        const items = response.json<{ items: { author: string; status: string }[] }>().items;
        return items.some((item) => item.author === 'ai' && item.status === 'complete') || undefined;
      }, 20_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await statusOf(visitor, conversation.id)).toBe('bot');

      openai.respondWith({ replyTokens: ['"Sorry, I don’t know that.', ' A colleague will help you."'] });
      await sendAsVisitor(t.app, visitor, conversation.id, 'Do you ship zeppelins to Mars?');
      await eventually(async () => ((await statusOf(visitor, conversation.id)) === 'pending' ? true : undefined), 20_000);
    } finally {
      openai.respondWith({ error: { status: 500 } });
    }
  });

  it('when the offline model finds nothing it hands over, or stays and says so, as the inbox says', async () => {
    const visitor = await startVisitor(t.app, knowledgeInbox.id);
    const conversation = await startConversation(t.app, visitor);
    await sendAsVisitor(t.app, visitor, conversation.id, 'Do you sell zeppelins?');
    await eventually(async () => ((await statusOf(visitor, conversation.id)) === 'pending' ? true : undefined), 20_000);

    const stays = await startVisitor(t.app, stayingInbox.id);
    const staying = await startConversation(t.app, stays);
    await sendAsVisitor(t.app, stays, staying.id, 'Do you sell zeppelins?');
    const messages = await eventually(async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/widget/conversations/${staying.id}/messages`,
        headers: stays.headers,
      });
      const items = response.json<{ items: { author: string; content: string; status: string }[] }>().items;
      return items.some((item) => item.author === 'ai' && item.status === 'complete') ? items : undefined;
    }, 20_000);
    expect(messages.find((item) => item.author === 'ai')!.content).toContain("couldn't find");
    expect(await statusOf(stays, staying.id)).toBe('bot');
  });

  it('when the model fails the conversation is handed to a person', async () => {
    const visitor = await startVisitor(t.app, failingInbox.id);
    const conversation = await startConversation(t.app, visitor);
    const sent = await sendAsVisitor(t.app, visitor, conversation.id, 'Hello?');
    expect(sent.statusCode, sent.body).toBe(200);
    await eventually(async () => ((await statusOf(visitor, conversation.id)) === 'pending' ? true : undefined), 20_000);
  });

  it('the widget’s origin is checked on the stream too', async () => {
    const visitor = await startVisitor(t.app, knowledgeInbox.id);
    const conversation = await startConversation(t.app, visitor);
    const response = await fetch(`${address}/v1/widget/conversations/${conversation.id}/events`, {
      headers: { ...visitor.headers, origin: 'https://evil.example' },
    });
    expect(response.status).toBe(403);
    expect(siteOrigin).not.toBe('https://evil.example');
  });
});
