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
  startConversation,
  startVisitor,
  type WidgetVisitor,
} from './widget-setup.js';

const faq = '# Returns\n\nParcels can be returned within 30 days of delivery.';

/**
 * One contact's day at the desk with a model that behaves like a real one (the scripted OpenAI-compatible
 * server): it greets, asks back, answers from its own knowledge without citing the passages it was given,
 * reports no usage, streams slowly while an operator takes over, and fails mid-stream. What the contact
 * sees, who answers, and what the ledger charges must hold at each step.
 */
describe('the desk with a real-like model, through the widget', () => {
  let openai: FakeOpenAIServer;
  let t: TestApp;
  let address: string;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let inbox: { id: string };

  beforeAll(async () => {
    openai = await startFakeOpenAIServer({ omitsUsage: true });
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-real-like-0123456789' });
    address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app), 'Real-like shop');
    operator = await createUser(t.app, admin, 'operator');
    const sourceId = (await createSource(t.app, admin, { name: 'FAQ' })).id;
    const document = await uploadAccepted(t.app, admin, sourceId, Buffer.from(faq), { filename: 'faq.md' });
    expect((await waitForDocument(t.app, admin, sourceId, document.id)).status).toBe('ready');
    const agent = await createAgent(t.app, admin, {
      name: 'Front desk',
      model: 'openai:gpt-4o-mini',
      visibility: 'tenant',
      knowledgeSourceIds: [sourceId],
    });
    inbox = await createInbox(t.app, admin, { agentId: agent.id });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await openai?.close();
  });

  const statusOf = async (visitor: WidgetVisitor, id: string) =>
    (await t.app.inject({ method: 'GET', url: `/v1/widget/conversations/${id}`, headers: visitor.headers })).json<{
      status: string;
    }>().status;
  const shown = async (visitor: WidgetVisitor, id: string) =>
    (
      await t.app.inject({ method: 'GET', url: `/v1/widget/conversations/${id}/messages`, headers: visitor.headers })
    ).json<{ items: { author: string; content: string; status: string }[] }>().items;
  const aiReplies = (visitor: WidgetVisitor, id: string, count: number) =>
    eventually(async () => {
      const replies = (await shown(visitor, id)).filter((item) => item.author === 'ai' && item.status !== 'streaming');
      return replies.length >= count ? replies : undefined;
    }, 20_000);
  const ledger = async () =>
    (
      await t.database.executeSql(
        `select path, outcome, input_tokens, output_tokens from usage_ledger where path = 'support' order by created_at`,
      )
    ).rows as { path: string; outcome: string; input_tokens: number; output_tokens: number }[];

  it('greets, asks back and answers without citing: the AI keeps the conversation, each call charged by its own count', async () => {
    const visitor = await startVisitor(t.app, inbox.id);
    const conversation = await startConversation(t.app, visitor);
    const before = (await ledger()).length;
    const turns = [
      { says: 'Hi', reply: ['Hello!', ' How can I help', ' you today?'] },
      { says: 'I want to send something back', reply: ['Which order', ' is it about?'] },
      // Passages about returns were retrieved; the model answers from its own words and cites none.
      { says: 'Order 42, how long do I have?', reply: ['You have a month', ' to return it.'] },
    ];
    for (const [index, turn] of turns.entries()) {
      openai.respondWith({ omitsUsage: true, replyTokens: turn.reply });
      const sent = await sendAsVisitor(t.app, visitor, conversation.id, turn.says);
      expect(sent.statusCode, sent.body).toBe(200);
      const replies = await aiReplies(visitor, conversation.id, index + 1);
      expect(replies.at(-1)).toMatchObject({ content: turn.reply.join(''), status: 'complete' });
    }
    // A hand-over would follow the last reply at once: give it the time it would take.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await statusOf(visitor, conversation.id)).toBe('bot');
    // The provider reported no usage: each call is charged by Parley's own count, never 0.
    const charged = (await ledger()).slice(before);
    expect(charged).toHaveLength(3);
    for (const row of charged) {
      expect(row.outcome).toBe('finished');
      expect(row.input_tokens).toBeGreaterThan(0);
      expect(row.output_tokens).toBeGreaterThan(0);
    }
  });

  it('a slow reply an operator takes over mid-stream reaches the contact as stopped, never as complete', async () => {
    const visitor = await startVisitor(t.app, inbox.id);
    const conversation = await startConversation(t.app, visitor);
    const live = await openEvents(address, visitor, conversation.id);
    try {
      openai.respondWith({ omitsUsage: true, replyTokens: Array(40).fill(' word'), tokenDelayMs: 50 });
      await sendAsVisitor(t.app, visitor, conversation.id, 'Tell me everything about returns');
      await live.until((events) => events.filter((event) => event.type === 'delta').length >= 2);
      const take = await t.app.inject({
        method: 'POST',
        url: `/v1/support-conversations/${conversation.id}/take`,
        headers: operator.headers,
        payload: {},
      });
      expect(take.statusCode, take.body).toBe(200);
      await live.until((events) =>
        events.some((event) => event.type === 'message' && event.message?.author === 'ai' && event.message.status !== 'streaming'),
      );
      const final = live.events.find((event) => event.type === 'message' && event.message?.author === 'ai')!.message!;
      expect(final.status).toBe('stopped');
      expect(final.content.length).toBeGreaterThan(0);
      expect(final.content.length).toBeLessThan(' word'.length * 40);
      expect((await shown(visitor, conversation.id)).filter((item) => item.author === 'ai')).toEqual([
        expect.objectContaining({ status: 'stopped', content: final.content }),
      ]);
      // The stopped call is charged what it produced (counted by Parley: the provider reported nothing).
      const stopped = await eventually(async () => (await ledger()).find((row) => row.outcome === 'stopped'), 20_000);
      expect(stopped.output_tokens).toBeGreaterThan(0);
    } finally {
      await live.close();
    }
  });

  it('a model that fails mid-stream hands the contact to a person', async () => {
    const visitor = await startVisitor(t.app, inbox.id);
    const conversation = await startConversation(t.app, visitor);
    openai.respondWith({
      omitsUsage: true,
      replyTokens: ['Let me', ' check', ' that'],
      insertedEvent: { afterTokens: 1, data: '{"error":{"message":"The server had an error","type":"server_error"}}' },
    });
    const sent = await sendAsVisitor(t.app, visitor, conversation.id, 'Where is my parcel?');
    expect(sent.statusCode, sent.body).toBe(200);
    await eventually(async () => ((await statusOf(visitor, conversation.id)) === 'pending' ? true : undefined), 20_000);
    const reply = (await aiReplies(visitor, conversation.id, 1)).at(-1)!;
    expect(reply.status).toBe('error');
  });
});
