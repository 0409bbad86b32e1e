import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

/**
 * The promise: "a front end using the AI SDK's useChat works against it unchanged". useChat
 * talks through `DefaultChatTransport`, which is driven here exactly as useChat drives it, with no
 * option but the URL and the bearer token, against the app listening on a real port.
 */
describe("the AI SDK's DefaultChatTransport, unchanged", () => {
  let t: TestApp;
  let admin: SignedInUser;
  let agentId: string;
  let address: string;

  beforeAll(async () => {
    t = await buildTestApp();
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    agentId = (await createAgent(t.app, admin, { name: 'Offline helper' })).id;
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t.close());

  const transportFor = (conversationId: string) =>
    new DefaultChatTransport<UIMessage>({
      api: `${address}/v1/conversations/${conversationId}/messages`,
      headers: { authorization: admin.headers.authorization },
    });

  const userMessage = (id: string, text: string): UIMessage => ({
    id,
    role: 'user',
    parts: [{ type: 'text', text }],
  });

  async function readAll(stream: ReadableStream<UIMessageChunk>): Promise<UIMessageChunk[]> {
    const chunks: UIMessageChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    return chunks;
  }

  it('streams the reply that is then stored, message by message', async () => {
    const conversation = await createConversation(t.app, admin, agentId, { title: 'useChat' });
    const transport = transportFor(conversation.id);
    const first = userMessage('u1', 'Hello from useChat');

    const stream = await transport.sendMessages({
      chatId: conversation.id,
      messages: [first],
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
    });
    let assistant: UIMessage | undefined;
    for await (const message of readUIMessageStream({ stream })) assistant = message;

    const stored = await t.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: admin.headers,
    });
    const [question, reply] = stored.json().items as { role: string; content: string; id: string }[];
    expect(question).toMatchObject({ role: 'user', content: 'Hello from useChat' });
    expect(reply?.role).toBe('assistant');
    const streamedText = assistant?.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
    expect(streamedText).toBe(reply?.content);
    expect(reply?.content.length).toBeGreaterThan(0);

    // The next send carries the whole list, as useChat does; only the last message is new.
    const again = await readAll(
      await transport.sendMessages({
        chatId: conversation.id,
        messages: [first, assistant!, userMessage('u2', 'And again')],
        trigger: 'submit-message',
        messageId: undefined,
        abortSignal: undefined,
      }),
    );
    expect(again.map((chunk) => chunk.type)).toContain('text-delta');
    expect(again.at(-1)?.type).toBe('finish');
  });

  it("answers JSON to the same body when the client asks for JSON by name, and refuses fields useChat doesn't send", async () => {
    const conversation = await createConversation(t.app, admin, agentId, { title: 'JSON' });
    const url = `/v1/conversations/${conversation.id}/messages`;
    const body = { id: conversation.id, trigger: 'submit-message', messages: [userMessage('u1', 'As JSON')] };

    const json = await t.app.inject({
      method: 'POST',
      url,
      headers: { ...admin.headers, accept: 'application/json' },
      payload: body,
    });
    expect(json.statusCode).toBe(201);
    expect(json.json().userMessage.content).toBe('As JSON');

    const unknown = await t.app.inject({
      method: 'POST',
      url,
      headers: admin.headers,
      payload: { content: 'hi', temperature: 2 },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.body).toContain('temperature');

    const regenerate = await t.app.inject({
      method: 'POST',
      url,
      headers: admin.headers,
      payload: { ...body, trigger: 'regenerate-message' },
    });
    expect(regenerate.statusCode).toBe(400);
    expect(regenerate.json().detail).toContain('/retry');
  });
});
