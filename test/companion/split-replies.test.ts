import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, eventually, uiMessageParts } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { openSocket, type Frame } from '../realtime/realtime-client.js';
import { createWebhook, fastRetries } from '../webhooks/webhook-setup.js';
import { startWebhookReceiver, type WebhookReceiver } from '../webhooks/webhook-receiver.js';

interface Message {
  id: string;
  role: string;
  status: string;
  content: string;
  finishReason: string | null;
  replyGroup?: { id: string; position: number };
}

/**
 * Split replies (docs/companion.md) on the real app: the offline model's paragraphs and a fake OpenAI
 * server's structured answers become bubbles, each a stored message of its own after a typing pause,
 * delivered over SSE and a real WebSocket, counted as one turn, stoppable between bubbles.
 */
describe('split replies', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let receiver: WebhookReceiver;
  let admin: SignedInUser;
  let address: string;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    receiver = await startWebhookReceiver();
    t = await buildTestApp({ ...fastRetries, OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-split-test' });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    const webhook = await createWebhook(t.app, admin, { url: receiver.url, eventTypes: ['message.created'] });
    receiver.secret = webhook.secret;
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await openai.close();
    await receiver.close();
  }, 120_000);

  /** No pause at all, unless a test asks for one: the order is what is checked, never the time. */
  const splitAgent = (model: string, companion: Record<string, unknown> = {}) =>
    createAgent(t.app, admin, {
      name: `Split ${model}`,
      model,
      companion: { splitReplies: true, typingMsPerChar: 0, ...companion },
    });
  const send = async (conversationId: string, content: string) => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...admin.headers, accept: 'application/json' },
      payload: { content },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ userMessage: Message; assistantMessage: Message }>();
  };
  const history = async (conversationId: string): Promise<Message[]> => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: admin.headers,
    });
    return response.json<{ items: Message[] }>().items;
  };
  const replies = async (conversationId: string) =>
    (await history(conversationId)).filter((message) => message.role === 'assistant');
  const structured = (text: string) => openai.respondWith({ replyTokens: [text.slice(0, 7), text.slice(7)] });

  it('answers with the offline model in one bubble per paragraph, each a message of the same turn', async () => {
    const agent = await splitAgent('offline');
    const conversation = await createConversation(t.app, admin, agent.id);
    const { assistantMessage } = await send(conversation.id, 'What can you do?');
    expect(assistantMessage.content).toMatch(/^I can't answer "What can you do\?" because/);
    expect(assistantMessage.content).not.toContain('\n\n');
    const [head, second, ...rest] = await replies(conversation.id);
    expect(rest).toEqual([]);
    expect(head).toMatchObject({
      id: assistantMessage.id,
      status: 'complete',
      replyGroup: { id: head!.id, position: 0 },
    });
    expect(second).toMatchObject({ status: 'complete', replyGroup: { id: head!.id, position: 1 } });
    // A provider is configured, so the offline model points to it in its second paragraph.
    expect(second!.content).toMatch(/^Language models are configured on this Parley server/);
  });

  it('asks a provider for structured output and makes each listed message a bubble', async () => {
    const agent = await splitAgent('openai:gpt-4o-mini');
    const conversation = await createConversation(t.app, admin, agent.id);
    structured('{"messages": ["Hi there!", "Rex sounds lovely.", "What breed is he?"]}');
    await send(conversation.id, 'I have a dog called Rex.');
    const body = openai.lastRequest().body as { response_format?: { type: string; json_schema?: { name: string } } };
    expect(body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'chat_messages' } });
    expect((await replies(conversation.id)).map((reply) => reply.content)).toEqual([
      'Hi there!',
      'Rex sounds lovely.',
      'What breed is he?',
    ]);

    // The next turn's model sees the bubbles as the assistant's one reply.
    structured('{"messages": ["Got it."]}');
    await send(conversation.id, 'A beagle.');
    const next = openai.lastRequest().body as { messages: Array<{ role: string; content: unknown }> };
    const assistantTurns = next.messages.filter((message) => message.role === 'assistant');
    expect(assistantTurns).toHaveLength(1);
    expect(JSON.stringify(assistantTurns[0]!.content)).toContain(
      'Hi there!\\n\\nRex sounds lovely.\\n\\nWhat breed is he?',
    );
    // A one-message answer is a plain reply: no group.
    expect((await replies(conversation.id)).at(-1)).toMatchObject({ content: 'Got it.' });
    expect((await replies(conversation.id)).at(-1)!.replyGroup).toBeUndefined();
  });

  it.each([
    ['fenced JSON', '```json\n{"messages": ["One.", "Two."]}\n```', ['One.', 'Two.']],
    ['more bubbles than allowed (the rest join the last)', '{"messages": ["1", "2", "3", "4"]}', ['1', '2\n\n3\n\n4']],
    ['prose instead of JSON (one message)', 'Sorry, here is plain text.', ['Sorry, here is plain text.']],
    ['JSON of another shape (one message)', '{"reply": "x"}', ['{"reply": "x"}']],
  ])('takes %s', async (_label, answer, expected) => {
    const agent = await splitAgent('openai:gpt-4o-mini', { splitMaxBubbles: 2 });
    const conversation = await createConversation(t.app, admin, agent.id);
    structured(answer);
    await send(conversation.id, 'Hello');
    expect((await replies(conversation.id)).map((reply) => reply.content)).toEqual(expected);
  });

  it('never makes a failed model call a message', async () => {
    const agent = await splitAgent('openai:gpt-4o-mini');
    const conversation = await createConversation(t.app, admin, agent.id);
    openai.respondWith({ error: { status: 500, message: 'The provider broke' } });
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: { ...admin.headers, accept: 'application/json' },
      payload: { content: 'Hello?' },
    });
    expect(response.statusCode).toBeGreaterThanOrEqual(500);
    const [reply, ...others] = await replies(conversation.id);
    expect(others).toEqual([]);
    expect(reply).toMatchObject({ status: 'error', content: '' });
  });

  it('counts a split reply as one turn: a summary every 2 user turns, covering every bubble', async () => {
    const agent = await splitAgent('offline', { summaryEveryTurns: 2 });
    const conversation = await createConversation(t.app, admin, agent.id);
    await send(conversation.id, 'Alpha is my project.');
    // Three rows after one turn (a question and two bubbles), yet no summary: one user turn.
    expect(await history(conversation.id)).toHaveLength(3);
    const { rows: early } = await t.database.executeSql(
      `select 1 from pgboss.job where name = 'companion.summarize' and data->>'conversationId' = $1`,
      [conversation.id],
    );
    expect(early).toHaveLength(0);
    await send(conversation.id, 'Bravo leads it.');
    const lastBubble = (await replies(conversation.id)).at(-1)!;
    const summary = await eventually(async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: `/v1/conversations/${conversation.id}/summaries`,
        headers: admin.headers,
      });
      return response.json<{ items: Array<{ userTurns: number; lastMessageId: string; content: string }> }>().items[0];
    }, 30_000);
    expect(summary).toMatchObject({ userTurns: 2, lastMessageId: lastBubble.id });
    expect(summary.content).toContain('Language models are configured');
  });

  it('streams the bubbles over SSE as text parts of one UI message, each after its typing pause', async () => {
    const agent = await splitAgent('openai:gpt-4o-mini', { typingMsPerChar: 1, typingMaxPauseMs: 12 });
    const conversation = await createConversation(t.app, admin, agent.id);
    structured('{"messages": ["Short.", "A second, longer bubble."]}');
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: { ...admin.headers, accept: 'text/event-stream' },
      payload: { content: 'Talk to me' },
    });
    const { parts, isDone } = uiMessageParts(response.body);
    expect(isDone).toBe(true);
    const [, second] = await replies(conversation.id);
    const shown = parts
      .filter((part) => ['text-delta', 'data-typing', 'data-bubble', 'finish'].includes(part.type))
      .map((part) => [part.type, part.delta ?? part.data ?? null]);
    expect(shown).toEqual([
      ['text-delta', 'Short.'],
      // 24 characters at 1 ms each, capped at 12 ms.
      ['data-typing', { position: 1, pauseMs: 12 }],
      ['data-bubble', { messageId: second!.id, position: 1 }],
      ['text-delta', 'A second, longer bubble.'],
      ['finish', null],
    ]);
    expect(parts.at(-1)).toMatchObject({ messageMetadata: { bubbleMessageIds: [second!.id] } });
  });

  it('delivers the bubbles to a real WebSocket client in order, with the typing pause before each', async () => {
    const agent = await splitAgent('offline', { typingMsPerChar: 1, typingMaxPauseMs: 15 });
    const conversation = await createConversation(t.app, admin, agent.id);
    const socket = await openSocket(address, { headers: admin.headers });
    try {
      socket.send({ type: 'subscribe', id: 'sub', conversationId: conversation.id });
      await socket.next((frame) => frame.id === 'sub');
      socket.send({ type: 'send', id: 's1', conversationId: conversation.id, content: 'Hi', clientMessageId: 'c1' });
      await socket.next((frame) => frame.type === 'finished');
      const [head, second] = await replies(conversation.id);
      const seen = socket.frames
        .filter((frame: Frame) => ['text-delta', 'bubble-typing', 'message-created', 'finished'].includes(frame.type))
        .filter((frame) => frame.type !== 'message-created' || (frame.message as Message).role === 'assistant')
        .map((frame) => frame.type);
      expect(seen).toEqual(['text-delta', 'bubble-typing', 'message-created', 'finished']);
      expect(socket.frames.find((frame) => frame.type === 'bubble-typing')).toMatchObject({
        messageId: head!.id,
        position: 1,
        pauseMs: 15,
      });
      const created = socket.frames.find(
        (frame) => frame.type === 'message-created' && (frame.message as Message).id === second!.id,
      );
      expect(created).toMatchObject({ message: { replyGroup: { id: head!.id, position: 1 } } });
      expect(socket.frames.find((frame) => frame.type === 'finished')).toMatchObject({
        messageId: head!.id,
        message: { replyGroup: { id: head!.id, position: 0 } },
      });
    } finally {
      await socket.close();
    }
  });

  it('stops the bubbles still to come when the reply is stopped between them', async () => {
    // A pause far longer than the test: only the stop ends it.
    const agent = await splitAgent('offline', { typingMsPerChar: 200, typingMaxPauseMs: 10_000 });
    const conversation = await createConversation(t.app, admin, agent.id);
    const socket = await openSocket(address, { headers: admin.headers });
    try {
      socket.send({ type: 'subscribe', id: 'sub', conversationId: conversation.id });
      await socket.next((frame) => frame.id === 'sub');
      const sending = send(conversation.id, 'Tell me everything');
      const typing = await socket.next((frame) => frame.type === 'bubble-typing');
      const stopped = await t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages/${String(typing.messageId)}/stop`,
        headers: admin.headers,
      });
      expect(stopped.statusCode, stopped.body).toBe(200);
      expect(stopped.json()).toMatchObject({ status: 'stopped', finishReason: 'stopped' });
      await sending;
      const all = await replies(conversation.id);
      expect(all).toHaveLength(1);
      expect(all[0]!.content).toMatch(/^I can't answer/);
      expect(
        socket.frames.some(
          (frame) => frame.type === 'message-created' && (frame.message as Message).role === 'assistant',
        ),
      ).toBe(false);
    } finally {
      await socket.close();
    }
  });

  it('fires message.created once per stored bubble', async () => {
    const agent = await splitAgent('offline');
    const conversation = await createConversation(t.app, admin, agent.id);
    await send(conversation.id, 'Ping');
    const ids = (await replies(conversation.id)).map((reply) => reply.id);
    expect(ids).toHaveLength(2);
    const delivered = await eventually(async () => {
      const found = receiver.received.filter((delivery) =>
        ids.includes((delivery.payload?.data as { message?: { id: string } } | undefined)?.message?.id ?? ''),
      );
      return found.length >= 2 ? found : undefined;
    }, 30_000);
    expect(
      delivered.map((delivery) => (delivery.payload!.data as { message: { id: string } }).message.id).sort(),
    ).toEqual([...ids].sort());
    expect(delivered.every((delivery) => delivery.isVerified)).toBe(true);
  });

  it('answers the OpenAI-compatible API with the whole reply as one text, never structured output', async () => {
    const agent = await splitAgent('openai:gpt-4o-mini');
    openai.respondWith({ replyTokens: ['First thought.', '\n\nSecond thought.'] });
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: admin.headers,
      payload: { model: agent.id, messages: [{ role: 'user', content: 'Hi' }] },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().choices[0].message.content).toBe('First thought.\n\nSecond thought.');
    expect((openai.lastRequest().body as Record<string, unknown>).response_format).toBeUndefined();

    const offline = await splitAgent('offline');
    const joined = await t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: admin.headers,
      payload: { model: offline.id, messages: [{ role: 'user', content: 'Hi' }] },
    });
    expect(joined.json().choices[0].message.content).toMatch(
      /uses the built-in offline model[\s\S]*\n\nLanguage models are configured/,
    );
  });
});
