import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { openReplyStream, textDeltas } from '../harness/reply-stream.js';
import { startHttpMcpServer, type TestHttpMcpServer } from '../mcp/fixtures/http-server.js';
import { createAndSync, syncTools, testMcpBounds } from '../mcp/mcp-setup.js';

/**
 * The bound on replies one user has written at once (CONCURRENT_REPLIES_PER_USER, here 2). The fake
 * provider says one word and then goes silent, so each reply stays in flight until it is stopped.
 */
describe('replies one user has written at once', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let mcpServer: TestHttpMcpServer;
  let admin: SignedInUser;
  let member: SignedInUser;
  let agentId: string;
  let address: string;

  beforeAll(async () => {
    [openai, mcpServer] = await Promise.all([startFakeOpenAIServer(), startHttpMcpServer()]);
    t = await buildTestApp(
      {
        OPENAI_BASE_URL: openai.baseUrl,
        OPENAI_API_KEY: 'sk-slots-test',
        MODEL_TIMEOUT_MS: '120000',
        MODEL_STALL_TIMEOUT_MS: '120000',
        CONCURRENT_REPLIES_PER_USER: '2',
        OUTBOUND_ALLOW: '127.0.0.1',
      },
      { chat: { replayPollIntervalMs: 20, stopWaitMs: 5_000 }, mcp: testMcpBounds },
    );
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    member = await createUser(t.app, admin, 'member');
    agentId = (await createAgent(t.app, admin, { name: 'Slow', model: 'openai:gpt-4o-mini' })).id;
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
    await Promise.all([openai.close(), mcpServer.close()]);
  });

  const history = async (user: SignedInUser, conversationId: string) =>
    (
      await t.app.inject({ method: 'GET', url: `/v1/conversations/${conversationId}/messages`, headers: user.headers })
    ).json().items as Array<{ id: string; role: string; status: string }>;

  /** One OpenAI-compatible completion from the admin, not streamed. */
  const complete = () =>
    t.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: admin.headers,
      payload: { model: agentId, messages: [{ role: 'user', content: 'Hi' }] },
    });

  /** Stops the reply being written in the conversation, as its owner. */
  async function stopReply(user: SignedInUser, conversationId: string): Promise<void> {
    const replyId = await eventually(
      async () => (await history(user, conversationId)).find((message) => message.status === 'streaming')?.id,
    );
    const stopped = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages/${replyId}/stop`,
      headers: user.headers,
    });
    expect(stopped.statusCode).toBe(200);
  }

  it('refuses one more with a 429 that says why and stores nothing of it; retries, other users and later sends go through', async () => {
    openai.respondWith({ replyTokens: ['Hello', ' there'], stallAfterTokens: 1 });
    const [first, second, third] = await Promise.all(
      ['One', 'Two', 'Three'].map((title) => createConversation(t.app, admin, agentId, { title })),
    );
    const retryKey = { 'idempotency-key': 'slots-first-send' };
    const firstReply = await openReplyStream(address, first!.id, admin, 'One', retryKey);
    const secondReply = await openReplyStream(address, second!.id, admin, 'Two');
    await firstReply.readUntil(textDeltas(1));
    await secondReply.readUntil(textDeltas(1));

    const refused = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${third!.id}/messages`,
      headers: admin.headers,
      payload: { content: 'Three' },
    });
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.json()).toMatchObject({ code: 'rate_limited' });
    expect(refused.json().detail).toMatch(/already have 2 replies being written .*CONCURRENT_REPLIES_PER_USER/);
    expect(await history(admin, third!.id)).toEqual([]);

    // The OpenAI-compatible API calls the same models, so it counts against the same bound.
    const completion = await complete();
    expect(completion.statusCode).toBe(429);
    expect(completion.json().error.message).toMatch(/already have 2 replies being written/);

    // A retry of a send still running calls no model: it joins the first attempt instead of being refused.
    const retried = await openReplyStream(address, first!.id, admin, 'One', retryKey);
    expect(retried.status).toBe(200);
    // Each user's replies are their own to count.
    const memberAgent = await createAgent(t.app, member, { name: 'Mine', model: 'openai:gpt-4o-mini' });
    const memberConversation = await createConversation(t.app, member, memberAgent.id);
    const memberReply = await openReplyStream(address, memberConversation.id, member, 'Mine');
    await memberReply.readUntil(textDeltas(1));
    expect(openai.openExchangeCount()).toBe(3);

    // Once one of the user's replies ends, they may send again.
    await stopReply(admin, first!.id);
    await Promise.all([firstReply.readToEnd(), retried.readToEnd()]);
    const thirdReply = await openReplyStream(address, third!.id, admin, 'Three');
    expect(thirdReply.status).toBe(200);
    await thirdReply.readUntil(textDeltas(1));

    await Promise.all([
      stopReply(admin, second!.id),
      stopReply(admin, third!.id),
      stopReply(member, memberConversation.id),
    ]);
    await Promise.all([secondReply.readToEnd(), thirdReply.readToEnd(), memberReply.readToEnd()]);
    await eventually(async () => (openai.openExchangeCount() === 0 ? true : undefined));
  });

  it('holds an approved tool call waiting, not recorded, while its owner has no slot left', async () => {
    const synced = await createAndSync(t.app, admin, 'calc', mcpServer.url);
    expect(synced.statusCode, synced.body).toBe(200);
    const { echo } = await syncTools(
      t.app,
      admin,
      synced.json<{ items: Array<{ serverId: string }> }>().items[0]!.serverId,
    );
    const asks = await t.app.inject({
      method: 'PATCH',
      url: `/v1/mcp/tools/${echo!.id}`,
      headers: admin.headers,
      payload: { approval: 'needs_approval' },
    });
    expect(asks.statusCode, asks.body).toBe(200);
    const toolAgent = await createAgent(t.app, admin, {
      name: 'Asks',
      model: 'openai:gpt-4o-mini',
      toolKeys: [`mcp:${echo!.id}`],
    });
    const asking = await createConversation(t.app, admin, toolAgent.id, { title: 'Asks' });
    openai.respondWith({
      script: [{ toolCalls: [{ id: 'call_echo_1', name: 'echo', arguments: '{"message":"hi"}' }] }],
    });
    const waiting = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${asking.id}/messages`,
      headers: admin.headers,
      payload: { content: 'Echo hi' },
    });
    expect(waiting.json()).toMatchObject({ assistantMessage: { status: 'awaiting_approval' } });
    const replyId = waiting.json<{ assistantMessage: { id: string } }>().assistantMessage.id;

    openai.respondWith({ replyTokens: ['Hello', ' there'], stallAfterTokens: 1 });
    const busy = await Promise.all(['One', 'Two'].map((title) => createConversation(t.app, admin, agentId, { title })));
    const replies = await Promise.all(
      busy.map((conversation) => openReplyStream(address, conversation.id, admin, 'Go')),
    );
    await Promise.all(replies.map((reply) => reply.readUntil(textDeltas(1))));
    const approve = () =>
      t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${asking.id}/messages/${replyId}/tool-approvals`,
        headers: admin.headers,
        payload: { toolCallId: 'call_echo_1', approved: true },
      });
    const refused = await approve();
    expect(refused.statusCode).toBe(429);
    const calls = (await history(admin, asking.id)).find((message) => message.id === replyId);
    expect(calls).toMatchObject({ status: 'awaiting_approval' });

    await Promise.all(busy.map((conversation) => stopReply(admin, conversation.id)));
    await Promise.all(replies.map((reply) => reply.readToEnd()));
    openai.respondWith({ replyTokens: ['Echoed.'] });
    const approved = await approve();
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ assistantMessage: { status: 'complete', content: 'Echoed.' } });
  });

  it('gives the slot back however a reply ends: failed replies, finished completions and refused attachments', async () => {
    const conversation = await createConversation(t.app, admin, agentId, { title: 'Ends' });
    const send = (payload: Record<string, unknown>) =>
      t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: admin.headers,
        payload,
      });
    // More of each than the bound: a slot kept by any of them would turn a later one into a 429.
    openai.respondWith({ error: { status: 500 } });
    for (let attempt = 0; attempt < 3; attempt += 1) expect((await send({ content: 'Fails' })).statusCode).toBe(502);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const unknownFile = await send({ content: 'With a file', fileIds: ['01900000-0000-7000-8000-000000000000'] });
      expect(unknownFile.statusCode).toBe(404);
    }
    openai.respondWith({ replyTokens: ['Fine.'] });
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const completion = await complete();
      expect(completion.statusCode).toBe(200);
    }
    expect((await send({ content: 'Works' })).statusCode).toBe(201);
  });
});
