import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, eventually, uiMessageParts } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { testStorage } from '../harness/test-database.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

interface StoredMessage {
  id: string;
  role: string;
  status: string;
  content: string;
  error: { code: string; message: string } | null;
}

describe('retrying a failed reply', () => {
  let openai: FakeOpenAIServer;
  let t: TestApp;
  let admin: SignedInUser;
  let otherTenantAdmin: SignedInUser;
  let agentId: string;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-test-0123456789' });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Retry tenant');
    otherTenantAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Other tenant');
    agentId = (await createAgent(t.app, admin, { name: 'GPT', model: 'openai:gpt-4o-mini', instructions: '' })).id;
  });
  afterAll(async () => {
    await t.close();
    await openai.close();
  });
  beforeEach(() => openai.respondWith({}));

  const send = (conversationId: string, content: string) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: admin.headers,
      payload: { content },
    });
  const retry = (conversationId: string, messageId: string, headers: Record<string, string> = admin.headers) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages/${messageId}/retry`,
      headers,
    });
  const history = async (conversationId: string): Promise<StoredMessage[]> =>
    (
      await t.app.inject({ method: 'GET', url: `/v1/conversations/${conversationId}/messages`, headers: admin.headers })
    ).json().items;
  const getConversation = async (conversationId: string) =>
    (await t.app.inject({ method: 'GET', url: `/v1/conversations/${conversationId}`, headers: admin.headers })).json();

  /** A conversation whose only exchange failed: the provider answers 500 the first time. */
  async function conversationWithFailedReply(title: string | undefined = 'Retry') {
    const conversation = await createConversation(t.app, admin, agentId, title ? { title } : {});
    openai.respondWith({ error: { status: 500 } });
    const failed = await send(conversation.id, 'Will this work?');
    expect(failed.statusCode).toBe(502);
    openai.respondWith({ replyTokens: ['Now', ' it', ' does.'] });
    return { conversationId: conversation.id, failedId: failed.json().assistantMessageId as string };
  }

  it('asks the model again for the preceding message, without storing the user message twice', async () => {
    const { conversationId, failedId } = await conversationWithFailedReply();
    const requestsBefore = openai.requests.length;

    const response = await retry(conversationId, failedId);

    expect(response.statusCode).toBe(200);
    const { userMessage, assistantMessage } = response.json();
    expect(userMessage).toMatchObject({ role: 'user', content: 'Will this work?' });
    expect(assistantMessage).toMatchObject({
      id: failedId,
      status: 'complete',
      content: 'Now it does.',
      error: null,
      model: 'openai:gpt-4o-mini',
      finishReason: 'stop',
      usage: { outputTokens: 3 },
      timeToFirstTokenMs: expect.any(Number),
    });
    expect(openai.requests.length).toBe(requestsBefore + 1);
    expect((openai.lastRequest().body as { messages: unknown[] }).messages).toEqual([
      { role: 'user', content: 'Will this work?' },
    ]);
    expect(await history(conversationId)).toEqual([userMessage, assistantMessage]);
    expect(await getConversation(conversationId)).toMatchObject({ messageCount: 2 });
  });

  it('streams the new attempt as a UI message stream under the same message id', async () => {
    const { conversationId, failedId } = await conversationWithFailedReply();

    const response = await retry(conversationId, failedId, { ...admin.headers, accept: 'text/event-stream' });

    expect(response.statusCode).toBe(200);
    expect(response.headers['x-vercel-ai-ui-message-stream']).toBe('v1');
    const { parts, isDone } = uiMessageParts(response.body);
    expect(isDone).toBe(true);
    expect(parts[0]).toMatchObject({ type: 'start', messageId: failedId });
    const text = parts.filter((part) => part.type === 'text-delta').map((part) => part.delta as string);
    expect(text.join('')).toBe('Now it does.');
    expect(parts.at(-1)).toMatchObject({
      type: 'finish',
      messageMetadata: { assistantMessageId: failedId, status: 'complete' },
    });
  });

  it('tells the client its reply was not kept when the conversation is deleted while it streams', async () => {
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Deleted mid-reply' });
    openai.respondWith({ replyTokens: ['One', ' two', ' three'], tokenDelayMs: 300 });
    const sending = send(conversation.id, 'Count slowly');
    await eventually(async () => ((await history(conversation.id)).length === 2 ? true : undefined));
    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/conversations/${conversation.id}`,
      headers: admin.headers,
    });
    expect(deleted.statusCode).toBe(204);
    // Before, the turn answered 201 'complete' with a message id that no longer existed.
    const answer = await sending;
    expect(answer.statusCode, answer.body).toBe(404);
    expect(answer.json().detail).toBe(
      'The conversation was deleted while its reply was being written, so the reply was not kept',
    );
  });

  it('stores a second failure the same way, and that one can be retried too', async () => {
    const { conversationId, failedId } = await conversationWithFailedReply();
    openai.respondWith({ error: { status: 429, retryAfterSeconds: 3 } });

    const again = await retry(conversationId, failedId);
    expect(again.statusCode).toBe(429);
    expect(again.json()).toMatchObject({ code: 'rate_limited', assistantMessageId: failedId });
    expect((await history(conversationId)).at(-1)).toMatchObject({ id: failedId, status: 'error' });

    openai.respondWith({ replyTokens: ['Third', ' time.'] });
    const third = await retry(conversationId, failedId);
    expect(third.statusCode).toBe(200);
    expect(third.json().assistantMessage).toMatchObject({ content: 'Third time.', status: 'complete' });
  });

  it('names the conversation after a successful retry when the failed attempt left it untitled', async () => {
    const { conversationId, failedId } = await conversationWithFailedReply(undefined);
    expect((await retry(conversationId, failedId)).statusCode).toBe(200);
    const titled = await eventually(async () => (await getConversation(conversationId)).title ?? undefined);
    expect(titled).toEqual(expect.any(String));
  });

  it('answers 409 with a sentence for a reply that did not fail, and for a user message', async () => {
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Fine' });
    const { userMessage, assistantMessage } = (await send(conversation.id, 'Hello')).json();

    const complete = await retry(conversation.id, assistantMessage.id);
    expect(complete.statusCode).toBe(409);
    expect(complete.json()).toMatchObject({
      code: 'conflict',
      detail: `Message '${assistantMessage.id}' is a reply that did not fail; only a reply that ended in an error can be retried`,
    });
    const ownMessage = await retry(conversation.id, userMessage.id);
    expect(ownMessage.statusCode).toBe(409);
    expect(ownMessage.json().detail).toContain('is not a reply');
  });

  it('answers 409 for a failed reply that is no longer the latest message, and leaves it as it was', async () => {
    const { conversationId, failedId } = await conversationWithFailedReply();
    expect((await send(conversationId, 'Something else')).statusCode).toBe(201);
    const requestsBefore = openai.requests.length;

    const response = await retry(conversationId, failedId);

    expect(response.statusCode).toBe(409);
    expect(response.json().detail).toContain('is not the latest failed reply of this conversation');
    expect(openai.requests.length).toBe(requestsBefore);
    const stored = await history(conversationId);
    expect(stored).toHaveLength(4);
    expect(stored[1]).toMatchObject({ id: failedId, status: 'error' });
  });

  it('runs one retry at a time: a second one while the first streams is a 409', async () => {
    const { conversationId, failedId } = await conversationWithFailedReply();
    openai.respondWith({ replyTokens: ['Slow', ' but', ' sure.'], tokenDelayMs: 60 });

    const first = retry(conversationId, failedId);
    await eventually(async () => ((await history(conversationId)).at(-1)?.status === 'streaming' ? true : undefined));
    const second = await retry(conversationId, failedId);

    expect(second.statusCode).toBe(409);
    expect(second.json().detail).toContain('is still being written');
    expect((await first).statusCode).toBe(200);
  });

  // PostgreSQL only: embedded storage has one session, so its statements never wait on each other's locks.
  it.skipIf(testStorage !== 'postgres')(
    'lets a delete of the conversation land while a retry reopens its reply, without a deadlock',
    async () => {
      const { conversationId, failedId } = await conversationWithFailedReply();
      // The reopen holds its locks while this trigger sleeps, so the delete surely arrives in that gap.
      await t.database.executeSql(
        `create function slow_reopen() returns trigger language plpgsql as $$ begin perform pg_sleep(1.5); return new; end $$`,
      );
      await t.database.executeSql(
        `create trigger slow_reopen before update on messages for each row
         when (old.id = '${failedId}' and new.status = 'streaming') execute function slow_reopen()`,
      );
      // A slow reply, so the delete (let through once the reopen commits) surely lands before it is written.
      openai.respondWith({ replyTokens: ['Too', ' late'], tokenDelayMs: 300 });
      const retrying = retry(conversationId, failedId);
      await eventually(async () => {
        const { rows } = await t.database.executeSql(`select 1 from pg_stat_activity where wait_event = 'PgSleep'`);
        return rows.length > 0 ? true : undefined;
      });
      const deleted = await t.app.inject({
        method: 'DELETE',
        url: `/v1/conversations/${conversationId}`,
        headers: admin.headers,
      });
      const retried = await retrying;
      // Before, the retry locked the reply and then the conversation, the delete the other way round, and
      // PostgreSQL ended one of them with a deadlock (a 500).
      expect([retried.statusCode, deleted.statusCode], `${retried.body} ${deleted.body}`).toEqual([404, 204]);
      expect(retried.json().detail).toMatch(/^The conversation was deleted while its reply was being written/);
      expect((await getConversation(conversationId)).status).toBe(404);
    },
  );

  it('answers 404 for a message of another conversation and for a conversation of another tenant', async () => {
    const { conversationId, failedId } = await conversationWithFailedReply();
    const elsewhere = await createConversation(t.app, admin, agentId, { title: 'Elsewhere' });

    const wrongConversation = await retry(elsewhere.id, failedId);
    expect(wrongConversation.statusCode).toBe(404);
    expect(wrongConversation.json().detail).toBe(`Message '${failedId}' was not found`);

    const otherTenant = await retry(conversationId, failedId, otherTenantAdmin.headers);
    expect(otherTenant.statusCode).toBe(404);
    expect((await history(conversationId)).at(-1)).toMatchObject({ id: failedId, status: 'error' });
  });

  it('answers 400 for a message id that is not a UUID', async () => {
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Bad id' });
    const response = await retry(conversation.id, 'not-an-id');
    expect(response.statusCode).toBe(400);
  });
});
