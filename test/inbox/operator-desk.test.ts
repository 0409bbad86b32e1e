import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handoffLine } from '../../src/modules/inbox/desk/handoff-tool.js';
import { messages, supportConversations } from '../../src/platform/db/schema/index.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { answerTo, openSocket, type Frame } from '../realtime/realtime-client.js';

type Method = 'GET' | 'POST' | 'PUT';

/**
 * The operator's side of the desk against the real app, a fake OpenAI server and real `ws` clients:
 * replies delivered live, taking over while the AI writes, the AI's handoff tool and the notice every
 * online operator gets. The chat conversation behind a support conversation is linked here as the
 * widget links it (ADR 16), with the admin's chat standing in for the contact's.
 */
describe('the operator side of the support desk', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let admin: SignedInUser;
  let operator: SignedInUser;
  let secondOperator: SignedInUser;
  let member: SignedInUser;
  let otherAdmin: SignedInUser;
  let agentId: string;
  let inboxId: string;
  let address: string;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp(
      {
        OPENAI_BASE_URL: openai.baseUrl,
        OPENAI_API_KEY: 'sk-desk-test',
        MODEL_TIMEOUT_MS: '120000',
        MODEL_STALL_TIMEOUT_MS: '120000',
      },
      { chat: { stopWaitMs: 5_000 } },
    );
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Shop');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other shop');
    operator = await createUser(t.app, admin, 'operator');
    secondOperator = await createUser(t.app, admin, 'operator');
    member = await createUser(t.app, admin, 'member');
    agentId = (await createAgent(t.app, admin, { name: 'Front desk', model: 'openai:gpt-4o-mini' })).id;
    inboxId = (await created(admin, '/v1/inboxes', { name: 'Website', agentId })).id;
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  }, 120_000);
  afterAll(async () => {
    await t.close();
    await openai.close();
  }, 120_000);

  const call = (user: SignedInUser, method: Method, url: string, payload?: object) =>
    t.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });
  async function created(user: SignedInUser, url: string, payload: object) {
    const response = await call(user, 'POST', url, payload);
    expect(response.statusCode, response.body).toBe(201);
    return response.json();
  }
  const base = '/v1/support-conversations';

  /** A support conversation the AI answers, with a chat conversation linked to it as the widget does. */
  async function supportConversation(options: { isLinked?: boolean } = {}) {
    const contact = await created(admin, '/v1/contacts', { name: 'Ada Visitor' });
    const support = await created(admin, base, { inboxId, contactId: contact.id });
    if (options.isLinked === false) return { support, conversationId: undefined };
    const chat = await createConversation(t.app, admin, agentId);
    await t.database.db
      .update(supportConversations)
      .set({ conversationId: chat.id })
      .where(eq(supportConversations.id, support.id));
    return { support, conversationId: chat.id };
  }

  /** The contact's message and the AI's whole reply (the admin's chat stands in for the widget). */
  const contactWrites = (conversationId: string, content: string) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...admin.headers, accept: 'application/json' },
      payload: { content },
    });

  describe('operator replies', () => {
    it('takes a conversation the AI answers, stores the reply with its author, and lists it', async () => {
      openai.respondWith({});
      const { support, conversationId } = await supportConversation();
      expect((await contactWrites(conversationId!, 'Where is my parcel?')).statusCode).toBe(201);
      await created(operator, `${base}/${support.id}/notes`, { body: 'VIP customer, private' });

      const reply = await created(operator, `${base}/${support.id}/messages`, { content: 'Hello, I am on it.' });
      expect(reply).toMatchObject({ role: 'operator', content: 'Hello, I am on it.', authorId: operator.userId });
      expect(reply.authorName).toBeTruthy();
      const taken = (await call(operator, 'GET', `${base}/${support.id}`)).json();
      expect(taken).toMatchObject({ status: 'open', assigneeId: operator.userId });

      const listed = await call(operator, 'GET', `${base}/${support.id}/messages`);
      expect(listed.statusCode).toBe(200);
      const items: Frame[] = listed.json().items;
      expect(items.map((item) => item.role)).toEqual(['system', 'contact', 'assistant', 'system', 'operator']);
      expect(items[3]).toMatchObject({ event: { action: 'take', from: 'bot', to: 'open' } });
      expect(listed.body).not.toContain('VIP customer');
      const [stored] = await t.database.db.select().from(messages).where(eq(messages.id, reply.id));
      expect(stored).toMatchObject({ role: 'assistant', authorId: operator.userId, status: 'complete' });
    });

    it('pages the lines with a cursor', async () => {
      const { support } = await supportConversation({ isLinked: false });
      for (const content of ['one', 'two', 'three'])
        await created(operator, `${base}/${support.id}/messages`, { content });
      const first = (await call(operator, 'GET', `${base}/${support.id}/messages?limit=2`)).json();
      expect(first.items).toHaveLength(2);
      const rest = (await call(operator, 'GET', `${base}/${support.id}/messages?after=${first.nextCursor}`)).json();
      expect([...first.items, ...rest.items].map((item: Frame) => item.content).slice(-3)).toEqual([
        'one',
        'two',
        'three',
      ]);
      expect(rest.nextCursor).toBeUndefined();
    });

    it('lets only the assignee or an admin reply; a member is refused, another tenant gets 404', async () => {
      const { support } = await supportConversation();
      await created(operator, `${base}/${support.id}/messages`, { content: 'Mine now.' });
      const other = await call(secondOperator, 'POST', `${base}/${support.id}/messages`, { content: 'Me too?' });
      expect(other.statusCode).toBe(403);
      expect(other.json().detail).toContain('transfer');
      await created(admin, `${base}/${support.id}/messages`, { content: 'An admin may.' });
      expect((await call(member, 'POST', `${base}/${support.id}/messages`, { content: 'x' })).statusCode).toBe(403);
      const foreign = await call(otherAdmin, 'POST', `${base}/${support.id}/messages`, { content: 'x' });
      expect(foreign.statusCode).toBe(404);
      expect((await call(otherAdmin, 'GET', `${base}/${support.id}/messages`)).statusCode).toBe(404);
      await call(operator, 'POST', `${base}/${support.id}/resolve`, {});
      const afterResolve = await call(operator, 'POST', `${base}/${support.id}/messages`, { content: 'late' });
      expect(afterResolve.statusCode).toBe(409);
      expect(afterResolve.json().detail).toContain('reopen it');
    });

    it('links a chat conversation owned by the desk user when none is linked, and stores a resend once', async () => {
      const { support } = await supportConversation({ isLinked: false });
      const first = await created(operator, `${base}/${support.id}/messages`, {
        content: 'Hi',
        clientMessageId: 'c-1',
      });
      const again = await created(operator, `${base}/${support.id}/messages`, {
        content: 'Hi',
        clientMessageId: 'c-1',
      });
      expect(again.id).toBe(first.id);
      const linked = (await call(operator, 'GET', `${base}/${support.id}`)).json();
      expect(linked.conversationId).toEqual(expect.any(String));
      const rows = await t.database.db
        .select()
        .from(messages)
        .where(eq(messages.conversationId, linked.conversationId));
      expect(rows).toHaveLength(1);
      const chat = await call(admin, 'GET', `/v1/conversations/${linked.conversationId}`);
      expect(chat.statusCode).toBe(200);
      expect(chat.json().ownerId).not.toBe(admin.userId);
    });

    it('stores a reply sent again under the same Idempotency-Key once, and refuses a key that is not one', async () => {
      const { support, conversationId } = await supportConversation();
      const send = (headers: Record<string, string>) =>
        t.app.inject({
          method: 'POST',
          url: `${base}/${support.id}/messages`,
          headers: { ...operator.headers, ...headers },
          payload: { content: 'Once only' },
        });
      const first = await send({ 'idempotency-key': 'desk-retry-1' });
      const again = await send({ 'idempotency-key': 'desk-retry-1' });
      expect([first.statusCode, again.statusCode]).toEqual([201, 201]);
      expect(again.json().id).toBe(first.json().id);
      const rows = await t.database.db.select().from(messages).where(eq(messages.conversationId, conversationId!));
      expect(rows.filter((row) => row.content === 'Once only')).toHaveLength(1);
      const unreadable = await send({ 'idempotency-key': 'not\u00e9ascii' });
      expect(unreadable.statusCode).toBe(400);
      expect(unreadable.json().detail).toContain('idempotency-key');
    });

    it('delivers the reply live to a socket watching the conversation, with the operator name', async () => {
      const { support, conversationId } = await supportConversation();
      const watcher = await openSocket(address, { headers: secondOperator.headers });
      try {
        watcher.send({ type: 'subscribe', id: 's1', conversationId });
        expect((await answerTo(watcher, 's1')).type).toBe('subscribed');
        const reply = await created(operator, `${base}/${support.id}/messages`, { content: 'Live hello' });
        const frame = await watcher.next((item) => item.type === 'message-created');
        expect(frame).toMatchObject({
          conversationId,
          message: {
            id: reply.id,
            role: 'assistant',
            content: 'Live hello',
            author: { kind: 'operator', name: reply.authorName },
          },
        });
        const joined = await watcher.next((item) => item.type === 'support-status');
        expect(joined).toMatchObject({ status: 'open', assignee: { id: operator.userId } });
      } finally {
        await watcher.close();
      }
    });
  });

  describe('taking over', () => {
    it('stops the AI reply being written the moment an operator takes the conversation', async () => {
      const tokens = Array.from({ length: 200 }, (_, index) => ` word${index}`);
      openai.respondWith({ replyTokens: tokens, tokenDelayMs: 50 });
      const { support, conversationId } = await supportConversation();
      const sending = contactWrites(conversationId!, 'Tell me everything');
      await eventually(async () => {
        const rows = await t.database.db.select().from(messages).where(eq(messages.conversationId, conversationId!));
        return rows.some((row) => row.role === 'assistant' && row.status === 'streaming') ? true : undefined;
      }, 30_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const taken = await call(operator, 'POST', `${base}/${support.id}/take`, {});
      expect(taken.statusCode).toBe(200);
      const answer = await sending;
      expect(answer.statusCode).toBe(201);
      const reply = answer.json().assistantMessage;
      expect(reply).toMatchObject({ status: 'stopped', finishReason: 'stopped' });
      expect(reply.content.length).toBeGreaterThan(0);
      expect(reply.content.length).toBeLessThan(tokens.join('').length);
      openai.respondWith({});
    }, 60_000);
  });

  describe('the handoff_to_human tool and the notice to operators', () => {
    it('moves the conversation to pending with the reason, ends the turn with a line, and notifies operators live', async () => {
      const { support, conversationId } = await supportConversation();
      const operatorSocket = await openSocket(address, { headers: operator.headers });
      const memberSocket = await openSocket(address, { headers: member.headers });
      try {
        openai.respondWith({
          // After the tool call, every request (the summary, the conversation's title) gets this text.
          replyTokens: ['Refund for order 42.'],
          script: [
            { toolCalls: [{ id: 'call-1', name: 'handoff_to_human', arguments: '{"reason":"wants a refund"}' }] },
            { replyTokens: ['Refund for order 42.'] },
          ],
        });
        const requestsBefore = openai.requests.length;
        const answer = await contactWrites(conversationId!, 'I want my money back for order 42?');
        expect(answer.statusCode).toBe(201);
        expect(answer.json().assistantMessage.content).toContain(handoffLine);

        const notice = await operatorSocket.next((frame) => frame.type === 'support-pending');
        expect(notice).toMatchObject({
          supportConversationId: support.id,
          inboxId,
          inboxName: 'Website',
          contact: { name: 'Ada Visitor' },
          summary: 'I want my money back for order 42?',
          reason: 'wants a refund',
        });
        const pending = (await call(operator, 'GET', `${base}/${support.id}`)).json();
        expect(pending.status).toBe('pending');
        const events = (await call(operator, 'GET', `${base}/${support.id}/events`)).json().items;
        expect(events.at(-1)).toMatchObject({ action: 'request_human', to: 'pending', reason: 'wants a refund' });

        // The inbox agent's model writes the summary after the notice; it replaces the extracted one.
        const improved = await operatorSocket.next((frame) => frame.type === 'support-summary');
        expect(improved).toMatchObject({ supportConversationId: support.id, summary: 'Refund for order 42.' });
        expect((await call(operator, 'GET', `${base}/${support.id}`)).json().summary).toBe('Refund for order 42.');
        // The turn called the model once: the loop stopped at the tool instead of asking it again.
        const turnCalls = openai.requests
          .slice(requestsBefore)
          .filter((request) => JSON.stringify(request.body).includes('handoff_to_human'));
        expect(turnCalls).toHaveLength(1);
        expect(memberSocket.frames.some((frame) => frame.type.startsWith('support-'))).toBe(false);
      } finally {
        openai.respondWith({});
        await operatorSocket.close();
        await memberSocket.close();
      }
    }, 60_000);

    it('is not offered outside support conversations', async () => {
      openai.respondWith({});
      const chat = await createConversation(t.app, admin, agentId);
      expect((await contactWrites(chat.id, 'Hello')).statusCode).toBe(201);
      expect(JSON.stringify(openai.lastRequest().body)).not.toContain('handoff_to_human');
    });
  });

  describe('queue tabs', () => {
    it('counts mine, unassigned and all, and lists a tab longest waiting first', async () => {
      const before = (await call(secondOperator, 'GET', `${base}/counts`)).json();
      const { support: mine } = await supportConversation({ isLinked: false });
      await supportConversation({ isLinked: false });
      await call(secondOperator, 'POST', `${base}/${mine.id}/take`, {});
      const after = (await call(secondOperator, 'GET', `${base}/counts`)).json();
      expect(after.mine - before.mine).toBe(1);
      expect(after.unassigned - before.unassigned).toBe(1);
      expect(after.all - before.all).toBe(2);
      const listed = (await call(secondOperator, 'GET', `${base}?view=mine`)).json();
      expect(listed.items.map((item: Frame) => item.id)).toEqual([mine.id]);
      const unassigned = (await call(secondOperator, 'GET', `${base}?view=unassigned&limit=100`)).json().items;
      expect(unassigned.every((item: Frame) => item.assigneeId === null && item.status !== 'resolved')).toBe(true);
    });
  });

  describe('reply suggestion', () => {
    it('drafts a reply from the conversation with the inbox agent model, and sends nothing', async () => {
      const { support, conversationId } = await supportConversation();
      openai.respondWith({});
      await contactWrites(conversationId!, 'Do you ship to Norway?');
      openai.respondWith({ replyTokens: ['Yes, we ship to Norway.'] });
      const rowsBefore = await t.database.db
        .select()
        .from(messages)
        .where(eq(messages.conversationId, conversationId!));
      const suggestion = await call(operator, 'POST', `${base}/${support.id}/reply-suggestion`);
      expect(suggestion.statusCode, suggestion.body).toBe(200);
      expect(suggestion.json()).toEqual({ draft: 'Yes, we ship to Norway.' });
      expect(JSON.stringify(openai.lastRequest().body)).toContain('Do you ship to Norway?');
      const rowsAfter = await t.database.db.select().from(messages).where(eq(messages.conversationId, conversationId!));
      expect(rowsAfter).toHaveLength(rowsBefore.length);
      openai.respondWith({});
    });

    it('answers 422 with a sentence when the contact has written nothing', async () => {
      const { support } = await supportConversation({ isLinked: false });
      const suggestion = await call(operator, 'POST', `${base}/${support.id}/reply-suggestion`);
      expect(suggestion.statusCode).toBe(422);
      expect(suggestion.json().detail).toContain('no message from the contact');
    });
  });
});
