import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineTitle } from '../../src/ai/offline-model.js';
import { conversations, messages } from '../../src/platform/db/schema/index.js';
import { createShutdown } from '../../src/platform/shutdown.js';
import { createAgent, createConversation, eventually, uiMessageParts } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

describe('chat with the offline model', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let agentId: string;

  beforeAll(async () => {
    t = await buildTestApp();
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    agentId = (await createAgent(t.app, admin, { name: 'Offline helper' })).id;
  });
  afterAll(() => t.close());

  const send = (conversationId: string, payload: object, headers: Record<string, string> = {}) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...admin.headers, ...headers },
      payload,
    });
  const getConversation = async (id: string) =>
    (await t.app.inject({ method: 'GET', url: `/v1/conversations/${id}`, headers: admin.headers })).json();
  const history = async (id: string) =>
    (await t.app.inject({ method: 'GET', url: `/v1/conversations/${id}/messages`, headers: admin.headers })).json()
      .items;

  it('stores the user message and the reply with usage, timings and finish reason', async () => {
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Fixed' });
    const response = await send(conversation.id, { content: 'What is Parley?' });
    expect(response.statusCode).toBe(201);
    const { userMessage, assistantMessage } = response.json();
    expect(userMessage).toMatchObject({
      role: 'user',
      content: 'What is Parley?',
      status: 'complete',
      usage: null,
      error: null,
    });
    expect(assistantMessage).toMatchObject({
      role: 'assistant',
      status: 'complete',
      model: 'offline',
      finishReason: 'stop',
      error: null,
      reasoning: null,
      usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number), totalTokens: expect.any(Number) },
      timeToFirstTokenMs: expect.any(Number),
      durationMs: expect.any(Number),
      completedAt: expect.any(String),
    });
    expect(assistantMessage.content).toContain('"What is Parley?"');
    expect(await history(conversation.id)).toEqual([userMessage, assistantMessage]);
    expect(await getConversation(conversation.id)).toMatchObject({ messageCount: 2, title: 'Fixed' });
  });

  it('streams a UI message stream: parts in order, ids in metadata, ending with [DONE]', async () => {
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Stream' });
    const response = await send(conversation.id, { content: 'Stream please' }, { accept: 'text/event-stream' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream');
    expect(response.headers['x-vercel-ai-ui-message-stream']).toBe('v1');
    expect(response.headers['x-request-id']).toEqual(expect.any(String));
    const { parts, isDone } = uiMessageParts(response.body);
    expect(isDone).toBe(true);
    const types = parts.map((part) => part.type);
    const deltas = types.filter((type) => type === 'text-delta').length;
    expect(deltas).toBeGreaterThan(5);
    expect(types).toEqual([
      'start',
      'start-step',
      'text-start',
      ...Array(deltas).fill('text-delta'),
      'text-end',
      'finish-step',
      'finish',
    ]);

    const [userMessage, assistantMessage] = await history(conversation.id);
    expect(parts[0]).toMatchObject({
      messageId: assistantMessage.id,
      messageMetadata: {
        conversationId: conversation.id,
        userMessageId: userMessage.id,
        assistantMessageId: assistantMessage.id,
        model: 'offline',
      },
    });
    const text = parts
      .filter((part) => part.type === 'text-delta')
      .map((part) => part.delta)
      .join('');
    expect(text).toBe(assistantMessage.content);
    expect(parts.at(-1)).toMatchObject({
      type: 'finish',
      finishReason: 'stop',
      messageMetadata: {
        status: 'complete',
        usage: assistantMessage.usage,
        timeToFirstTokenMs: assistantMessage.timeToFirstTokenMs,
      },
    });
  });

  it('names an untitled conversation after its first exchange, and keeps the agent state', async () => {
    const conversation = await createConversation(t.app, admin, agentId);
    expect(conversation.title).toBeNull();
    const first = 'How do I plan a vegetable garden for a small balcony in spring?';
    expect((await send(conversation.id, { content: first })).statusCode).toBe(201);
    const titled = await eventually(async () => {
      const current = await getConversation(conversation.id);
      return current.title ? current : undefined;
    });
    expect(titled.title).toBe(offlineTitle(first));

    expect((await send(conversation.id, { content: 'And in autumn?' })).statusCode).toBe(201);
    const current = await getConversation(conversation.id);
    expect(current.title).toBe(offlineTitle(first));
    // The state carried between turns, as stored and as the API shows it.
    const [row] = await t.database.db
      .select({ state: conversations.state })
      .from(conversations)
      .where(eq(conversations.id, conversation.id));
    expect(row?.state).toEqual({ lastModel: 'offline', turns: 2 });
    expect(current.state).toEqual({ lastModel: 'offline', turns: 2 });
  });

  it('accepts the body useChat sends, taking the last user message', async () => {
    const conversation = await createConversation(t.app, admin, agentId, { title: 'useChat' });
    // Asked for as JSON by name; without it this body streams (test/chat/use-chat-transport.test.ts).
    const asJson = { accept: 'application/json' };
    const response = await send(
      conversation.id,
      {
        id: 'chat-1',
        trigger: 'submit-message',
        messages: [
          { id: 'a', role: 'user', parts: [{ type: 'text', text: 'earlier' }] },
          {
            id: 'b',
            role: 'user',
            parts: [{ type: 'step-start' }, { type: 'text', text: 'Hi from ' }, { type: 'text', text: 'useChat' }],
          },
        ],
      },
      asJson,
    );
    expect(response.statusCode).toBe(201);
    expect(response.json().userMessage.content).toBe('Hi from useChat');
  });

  it('refuses an empty, oversized or missing message with 400 and stores nothing', async () => {
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Invalid' });
    for (const payload of [
      { content: '' },
      { content: '   \n' },
      { content: 'x'.repeat(32_001) },
      {},
      { content: 42 },
    ]) {
      const response = await send(conversation.id, payload);
      expect(response.statusCode, JSON.stringify(payload).slice(0, 40)).toBe(400);
      expect(response.json().errors[0].field).toBe('content');
    }
    // A useChat body is answered about its messages, the field it sent.
    const asJson = { accept: 'application/json' };
    for (const [payload, message] of [
      [{ messages: [{ role: 'user', parts: [{ type: 'nope' }] }] }, /must end with the user's message/],
      [
        { messages: [{ role: 'assistant', parts: [{ type: 'text', text: 'hi' }] }] },
        /must end with the user's message/,
      ],
      [{ content: 'hi', messages: [{ role: 'user', parts: [{ type: 'text', text: 'hi' }] }] }, /not both/],
    ] as const) {
      const response = await send(conversation.id, payload, asJson);
      expect(response.statusCode).toBe(400);
      expect(response.json().errors).toEqual([{ field: 'messages', message: expect.stringMatching(message) }]);
    }
    const badKey = await send(conversation.id, { content: 'hi' }, { 'idempotency-key': 'k'.repeat(201) });
    expect(badKey.statusCode).toBe(400);
    expect((await getConversation(conversation.id)).messageCount).toBe(0);
  });

  it('refuses a send to an agent whose provider was removed with a clear 400, before storing anything', async () => {
    const provider = await t.app.inject({
      method: 'POST',
      url: '/v1/providers',
      headers: admin.headers,
      payload: { name: 'nowhere', kind: 'anthropic', apiKey: 'sk-ant-unused', models: ['some-model'] },
    });
    expect(provider.statusCode, provider.body).toBe(201);
    const broken = await createAgent(t.app, admin, { name: 'Broken', model: 'nowhere:some-model' });
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/v1/providers/${provider.json<{ id: string }>().id}`,
      headers: admin.headers,
    });
    expect(removed.statusCode).toBe(204);
    const conversation = await createConversation(t.app, admin, broken.id, { title: 'Broken' });
    const response = await send(conversation.id, { content: 'hello?' });
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toContain("uses provider 'nowhere', which is not configured");
    // A member chatting with it may not have chosen that model: the answer says who can change it.
    expect(response.json().detail).toMatch(
      /^This agent cannot answer: .* The agent's owner or an administrator can give it another model\.$/,
    );
    expect((await getConversation(conversation.id)).messageCount).toBe(0);
    expect(await history(conversation.id)).toEqual([]);
  });

  it('answers a retried send from its first result even after the agent was deleted, and refuses a new one', async () => {
    const doomed = await createAgent(t.app, admin, { name: 'Doomed' });
    const conversation = await createConversation(t.app, admin, doomed.id, { title: 'Doomed' });
    const headers = { 'idempotency-key': `doomed-${conversation.id}` };
    const first = await send(conversation.id, { content: 'Still there?' }, headers);
    expect(first.statusCode).toBe(201);
    const deleted = await t.app.inject({ method: 'DELETE', url: `/v1/agents/${doomed.id}`, headers: admin.headers });
    expect(deleted.statusCode).toBe(204);

    const retried = await send(conversation.id, { content: 'Still there?' }, headers);
    expect(retried.statusCode).toBe(201);
    expect(retried.headers['idempotent-replayed']).toBe('true');
    expect(retried.json()).toEqual(first.json());
    const fresh = await send(conversation.id, { content: 'Still there?' });
    expect(fresh.statusCode).toBe(422);
    expect(fresh.json().detail).toContain('agent no longer exists or is no longer available');
    expect(await history(conversation.id)).toHaveLength(2);
  });

  it('answers 404 for a conversation that does not exist', async () => {
    const response = await send('01a1ff47-5a70-733e-b14c-43db2cc96421', { content: 'anyone?' });
    expect(response.statusCode).toBe(404);
  });
});

describe('chat on a node that is stopping', () => {
  it('refuses every request with 503, Retry-After and Connection: close once the node drains, and stores nothing', async () => {
    const shutdown = createShutdown();
    const t = await buildTestApp({}, { shutdown });
    try {
      const admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
      const agent = await createAgent(t.app, admin, { name: 'Offline helper' });
      const conversation = await createConversation(t.app, admin, agent.id);
      shutdown.beginDraining();
      const refused = await t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: admin.headers,
        payload: { content: 'Still there?' },
      });
      expect(refused.statusCode).toBe(503);
      expect(refused.headers).toMatchObject({ 'retry-after': '1', connection: 'close' });
      expect(refused.headers['content-type']).toContain('application/problem+json');
      expect(refused.json()).toMatchObject({
        code: 'not_ready',
        detail: 'This server is stopping; send the request again',
      });
      // Reads too: another node answers them (the balancer's next connection goes there).
      const read = await t.app.inject({ method: 'GET', url: '/v1/conversations', headers: admin.headers });
      expect(read.statusCode).toBe(503);
      const stored = await t.database.db
        .select({ id: messages.id })
        .from(messages)
        .where(eq(messages.conversationId, conversation.id));
      expect(stored).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
