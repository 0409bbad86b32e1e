import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { answerTo, openSocket } from '../realtime/realtime-client.js';

interface Message {
  id: string;
  role: string;
  readAt: string | null;
}

/**
 * Read receipts (docs/companion.md) on the real app with the offline model: only POST …/read marks
 * anything read, messages carry `readAt` for the other side, lists carry unread counts, and watchers
 * hear a `read` frame over the real socket.
 */
describe('read receipts', () => {
  let t: TestApp;
  let platformAdmin: SignedInUser;
  let admin: SignedInUser;
  let member: SignedInUser;
  let operator: SignedInUser;
  let agentId: string;
  let address: string;

  beforeAll(async () => {
    t = await buildTestApp();
    platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin);
    member = await createUser(t.app, admin);
    operator = await createUser(t.app, admin, 'operator');
    agentId = (await createAgent(t.app, admin, { name: 'Receipts', model: 'offline' })).id;
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  }, 120_000);
  afterAll(() => t.close(), 120_000);

  const send = async (user: SignedInUser, conversationId: string, content: string) => {
    const response = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...user.headers, accept: 'application/json' },
      payload: { content },
    });
    expect(response.statusCode).toBe(201);
    return response.json<{ userMessage: Message; assistantMessage: Message }>();
  };
  const markRead = (user: SignedInUser, conversationId: string, upToMessageId: unknown) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/read`,
      headers: user.headers,
      payload: { upToMessageId },
    });
  const history = async (user: SignedInUser, conversationId: string): Promise<Message[]> =>
    (
      await t.app.inject({ method: 'GET', url: `/v1/conversations/${conversationId}/messages`, headers: user.headers })
    ).json<{ items: Message[] }>().items;
  const unreadOf = async (user: SignedInUser, conversationId: string): Promise<number | undefined> => {
    const list = await t.app.inject({ method: 'GET', url: '/v1/conversations?limit=100', headers: user.headers });
    expect(list.statusCode).toBe(200);
    const items = list.json<{ items: { id: string; unreadCount?: number }[] }>().items;
    return items.find((item) => item.id === conversationId)?.unreadCount;
  };

  it("counts the agent's replies as the owner's unread, and GET marks nothing read", async () => {
    const conversation = await createConversation(t.app, member, agentId);
    await send(member, conversation.id, 'First question');
    const { assistantMessage } = await send(member, conversation.id, 'Second question');
    expect(await unreadOf(member, conversation.id)).toBe(2);
    // Reading the conversation and its messages, twice, changes nothing.
    for (const _ of [1, 2]) {
      await t.app.inject({ method: 'GET', url: `/v1/conversations/${conversation.id}`, headers: member.headers });
      expect((await history(member, conversation.id)).every((message) => message.readAt === null)).toBe(true);
    }
    expect(await unreadOf(member, conversation.id)).toBe(2);
    // The operator counts the owner's messages instead.
    expect(await unreadOf(operator, conversation.id)).toBe(2);

    const read = await markRead(member, conversation.id, assistantMessage.id);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({
      conversationId: conversation.id,
      readThroughMessageId: assistantMessage.id,
      markedCount: 2,
      readAt: expect.any(String),
    });
    const messages = await history(member, conversation.id);
    expect(messages.filter((message) => message.role === 'assistant').every((message) => message.readAt)).toBe(true);
    expect(messages.filter((message) => message.role === 'user').every((message) => message.readAt === null)).toBe(
      true,
    );
    expect(await unreadOf(member, conversation.id)).toBe(0);
    expect(await unreadOf(operator, conversation.id)).toBe(2);
  });

  it('never moves back: reading an earlier message keeps the later position', async () => {
    const conversation = await createConversation(t.app, member, agentId);
    const first = await send(member, conversation.id, 'One');
    const second = await send(member, conversation.id, 'Two');
    expect((await markRead(member, conversation.id, second.assistantMessage.id)).json().markedCount).toBe(2);
    const again = await markRead(member, conversation.id, first.assistantMessage.id);
    expect(again.json()).toMatchObject({ readThroughMessageId: second.assistantMessage.id, markedCount: 0 });
    expect(await unreadOf(member, conversation.id)).toBe(0);
    // A new reply is unread again.
    await send(member, conversation.id, 'Three');
    expect(await unreadOf(member, conversation.id)).toBe(1);
  });

  it("lets an operator read the owner's messages, and the owner's socket hears it live", async () => {
    const conversation = await createConversation(t.app, member, agentId);
    const { userMessage } = await send(member, conversation.id, 'Is anyone there?');
    const socket = await openSocket(address, { headers: member.headers });
    try {
      socket.send({ type: 'subscribe', id: 's1', conversationId: conversation.id });
      expect(await answerTo(socket, 's1')).toMatchObject({ type: 'subscribed' });
      const read = await markRead(operator, conversation.id, userMessage.id);
      expect(read.json()).toMatchObject({ markedCount: 1 });
      const frame = await socket.next((candidate) => candidate.type === 'read');
      expect(frame).toMatchObject({
        conversationId: conversation.id,
        readerId: operator.userId,
        side: 'others',
        readThroughMessageId: userMessage.id,
      });
      const [stamped] = await history(member, conversation.id);
      expect(stamped).toMatchObject({ id: userMessage.id, readAt: expect.any(String) });
    } finally {
      await socket.close();
    }
  });

  it("tells an operator watching the conversation when its owner read the agent's messages", async () => {
    const conversation = await createConversation(t.app, member, agentId);
    const { assistantMessage } = await send(member, conversation.id, 'Hello');
    const socket = await openSocket(address, { headers: operator.headers });
    try {
      socket.send({ type: 'subscribe', id: 's2', conversationId: conversation.id });
      expect(await answerTo(socket, 's2')).toMatchObject({ type: 'subscribed' });
      await markRead(member, conversation.id, assistantMessage.id);
      expect(await socket.next((frame) => frame.type === 'read')).toMatchObject({
        readerId: member.userId,
        side: 'owner',
        readThroughMessageId: assistantMessage.id,
      });
    } finally {
      await socket.close();
    }
  });

  it('with read receipts off, counts still clear but no message carries readAt', async () => {
    const quiet = await createAgent(t.app, admin, {
      name: 'No receipts',
      model: 'offline',
      companion: { readReceipts: false },
    });
    const conversation = await createConversation(t.app, member, quiet.id);
    const { assistantMessage } = await send(member, conversation.id, 'Hi');
    expect((await markRead(member, conversation.id, assistantMessage.id)).json()).toMatchObject({ markedCount: 0 });
    expect((await history(member, conversation.id)).every((message) => message.readAt === null)).toBe(true);
    expect(await unreadOf(member, conversation.id)).toBe(0);
  });

  it('refuses a message of another conversation, bad input, and conversations the caller may not see', async () => {
    const conversation = await createConversation(t.app, member, agentId);
    const elsewhere = await createConversation(t.app, member, agentId);
    const { assistantMessage } = await send(member, elsewhere.id, 'Elsewhere');
    const wrong = await markRead(member, conversation.id, assistantMessage.id);
    expect(wrong.statusCode).toBe(404);
    expect(wrong.json().detail).toContain(assistantMessage.id);
    expect((await markRead(member, conversation.id, 'not-an-id')).statusCode).toBe(400);
    const extra = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/read`,
      headers: member.headers,
      payload: { upToMessageId: assistantMessage.id, everything: true },
    });
    expect(extra.statusCode).toBe(400);
    // Another member, and another tenant's admin, get the 404 a missing conversation gets.
    const otherMember = await createUser(t.app, admin);
    expect((await markRead(otherMember, elsewhere.id, assistantMessage.id)).statusCode).toBe(404);
    const otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other');
    expect((await markRead(otherAdmin, elsewhere.id, assistantMessage.id)).statusCode).toBe(404);
    expect(await unreadOf(member, elsewhere.id)).toBe(1);
  });
});
