import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgent, createConversation, createPlainAndToolAgents, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { testStorage } from '../harness/test-database.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { createShutdown } from '../../src/platform/shutdown.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { openReplyStream, textDeltas } from '../harness/reply-stream.js';
import { startFakeEmbeddingsServer, type FakeEmbeddingsServer } from '../knowledge/fake-embeddings-server.js';
import { createSource, uploadAccepted, waitForDocument } from '../knowledge/knowledge-setup.js';

/** The server's OpenAI provider on the fake, with bounds far beyond any test: only a stop ends a silent reply. */
const slowProviderEnv = (openai: FakeOpenAIServer) => ({
  OPENAI_BASE_URL: openai.baseUrl,
  OPENAI_API_KEY: 'sk-stop-test',
  MODEL_TIMEOUT_MS: '120000',
  MODEL_STALL_TIMEOUT_MS: '120000',
});

/**
 * Stopping a reply while it is written (POST …/messages/:messageId/stop): the model call ends at the
 * provider, what was written is the stored reply (`complete`, finish reason `stopped`), and the
 * reader of the stream sees it end as usual. The fake provider streams two words, then goes silent
 * without closing: only a stop ends such a reply before the stall bound, which is set far away.
 */
describe('stopping a reply', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let embeddings: FakeEmbeddingsServer;
  let admin: SignedInUser;
  let plainAgentId: string;
  let toolAgentId: string;
  let address: string;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    embeddings = await startFakeEmbeddingsServer();
    t = await buildTestApp(
      {
        ...slowProviderEnv(openai),
        OPENAI_COMPATIBLE_BASE_URL: embeddings.baseUrl,
        OPENAI_COMPATIBLE_NAME: 'embedhost',
      },
      {
        chat: { replayPollIntervalMs: 20, stopWaitMs: 400, replyLeaseRenewMs: 50 },
      },
    );
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    ({ plainAgentId, toolAgentId } = await createPlainAndToolAgents(t.app, admin));
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
    await openai.close();
    await embeddings.close();
  });

  const stop = (conversationId: string, messageId: string, user: SignedInUser = admin) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages/${messageId}/stop`,
      headers: user.headers,
    });

  const history = async (conversationId: string) =>
    (
      await t.app.inject({
        method: 'GET',
        url: `/v1/conversations/${conversationId}/messages`,
        headers: admin.headers,
      })
    ).json().items as Array<{ id: string; role: string; status: string; content: string; finishReason: string }>;

  /** The id of the reply being written, as the stored history shows it. */
  async function streamingReplyId(conversationId: string): Promise<string> {
    return eventually(async () => (await history(conversationId)).find((m) => m.status === 'streaming')?.id);
  }

  it.each([
    ['a plain reply', () => plainAgentId],
    ["a tool agent's reply (the SDK's tool loop)", () => toolAgentId],
  ])('%s: the provider call ends and what was written is kept', async (_kind, agentId) => {
    openai.respondWith({ replyTokens: ['Hello', ' from', ' far', ' away'], stallAfterTokens: 2 });
    const conversation = await createConversation(t.app, admin, agentId(), { title: 'Stop' });
    const reply = await openReplyStream(address, conversation.id, admin, 'Tell me a long story');
    await reply.readUntil(textDeltas(2));
    expect(openai.openExchangeCount()).toBe(1);

    const stopped = await stop(conversation.id, await streamingReplyId(conversation.id));

    expect(stopped.statusCode).toBe(200);
    expect(stopped.json()).toMatchObject({ status: 'stopped', finishReason: 'stopped', content: 'Hello from' });
    expect(stopped.json().error).toBeNull();
    const parts = await reply.readToEnd();
    expect(reply.isDone()).toBe(true);
    expect(parts.at(-1)?.type).toBe('finish');
    expect(parts.some((part) => part.type === 'error')).toBe(false);
    expect(reply.textOf()).toBe('Hello from');
    await eventually(async () => (openai.openExchangeCount() === 0 ? true : undefined));
    const [question, stored] = await history(conversation.id);
    expect(question).toMatchObject({ role: 'user', content: 'Tell me a long story' });
    expect(stored).toMatchObject({ status: 'stopped', finishReason: 'stopped', content: 'Hello from' });
  });

  it('a reply stopped before its first word is kept empty, and the next turn leaves it out of what the model reads', async () => {
    openai.respondWith({ replyTokens: ['Never', ' said'], stallAfterTokens: 0 });
    const conversation = await createConversation(t.app, admin, plainAgentId, { title: 'Silent' });
    const reply = await openReplyStream(address, conversation.id, admin, 'First question');
    await eventually(async () => (openai.openExchangeCount() === 1 ? true : undefined));

    const stopped = await stop(conversation.id, await streamingReplyId(conversation.id));
    expect(stopped.json()).toMatchObject({ status: 'stopped', finishReason: 'stopped', content: '' });
    await reply.readToEnd();

    openai.respondWith({ replyTokens: ['Answered.'] });
    const next = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: admin.headers,
      payload: { content: 'Second question' },
    });
    expect(next.statusCode).toBe(201);
    const sent = openai.lastRequest().body as { messages: Array<{ role: string; content: unknown }> };
    expect(sent.messages.filter((message) => message.role !== 'system')).toEqual([
      { role: 'user', content: 'First question' },
      { role: 'user', content: 'Second question' },
    ]);
  });

  it("a reply stopped while its agent's sources are searched calls no model and is kept empty", async () => {
    const source = await createSource(t.app, admin, { embeddingModel: 'embedhost:embed-small' });
    const document = await uploadAccepted(t.app, admin, source.id, Buffer.from('The handbook says little.'), {
      filename: 'handbook.txt',
    });
    expect((await waitForDocument(t.app, admin, source.id, document.id)).status).toBe('ready');
    // The question's embedding is held, as by a slow provider, until the test ends.
    const search = embeddings.hold();
    try {
      const agent = await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini', knowledgeSourceIds: [source.id] });
      const conversation = await createConversation(t.app, admin, agent.id, { title: 'Searching' });
      const completionsBefore = openai.requests.length;
      const reply = await openReplyStream(address, conversation.id, admin, 'What does the handbook say?');
      await search.reached;

      const stopped = await stop(conversation.id, await streamingReplyId(conversation.id));

      expect(stopped.statusCode).toBe(200);
      expect(stopped.json()).toMatchObject({ status: 'stopped', finishReason: 'stopped', content: '' });
      const parts = await reply.readToEnd();
      expect(parts.some((part) => part.type === 'error')).toBe(false);
      expect(openai.requests.length).toBe(completionsBefore);
    } finally {
      search.release();
    }
  });

  it('a stop sent while a dead node held the reply does not cancel the retry that follows', async () => {
    openai.respondWith({ replyTokens: ['First', ' answer'] });
    const conversation = await createConversation(t.app, admin, plainAgentId, { title: 'Dead node' });
    const sent = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: admin.headers,
      payload: { content: 'Hello?' },
    });
    const replyId = sent.json().assistantMessage.id as string;
    // As a node that died while writing the reply left it: streaming, and running nowhere.
    await t.database.executeSql("update messages set status = 'streaming', completed_at = null where id = $1", [
      replyId,
    ]);
    expect((await stop(conversation.id, replyId)).statusCode).toBe(202);
    // Then the sweep finds its lease stale and fails it.
    await t.database.executeSql("update messages set status = 'error', finish_reason = 'error' where id = $1", [
      replyId,
    ]);

    openai.respondWith({ replyTokens: ['Second', ' answer'] });
    const retried = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages/${replyId}/retry`,
      headers: admin.headers,
    });

    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json().assistantMessage).toMatchObject({ status: 'complete', content: 'Second answer' });
  });

  it('renews the lease of a reply while it is written, saving what it said so far (a killed node loses only the rest)', async () => {
    openai.respondWith({ replyTokens: ['Hello', ' from', ' far', ' away'], stallAfterTokens: 2 });
    const conversation = await createConversation(t.app, admin, plainAgentId, { title: 'Lease' });
    const reply = await openReplyStream(address, conversation.id, admin, 'Keep going');
    await reply.readUntil(textDeltas(2));
    const replyId = await streamingReplyId(conversation.id);
    const stored = async () => {
      const { rows } = await t.database.executeSql('select alive_at, content, status from messages where id = $1', [
        replyId,
      ]);
      const row = rows[0] as { alive_at: string | Date; content: string; status: string };
      return { aliveAt: new Date(row.alive_at).getTime(), content: row.content, status: row.status };
    };
    const first = await stored();
    await eventually(async () => ((await stored()).aliveAt > first.aliveAt ? true : undefined));
    expect(await stored()).toMatchObject({ status: 'streaming', content: 'Hello from' });

    await stop(conversation.id, replyId);
    await reply.readToEnd();
  });

  it.each([
    ['deleting', { method: 'DELETE' as const }],
    ['disabling', { method: 'PATCH' as const, payload: { disabled: true } }],
  ])('%s a user ends the provider calls of their replies at once', async (_action, change) => {
    openai.respondWith({ replyTokens: ['Hello', ' from', ' far', ' away'], stallAfterTokens: 2 });
    const member = await createUser(t.app, admin, 'member');
    const conversation = await createConversation(t.app, member, plainAgentId, { title: 'Leaving' });
    const reply = await openReplyStream(address, conversation.id, member, 'Go on');
    await reply.readUntil(textDeltas(2));
    expect(openai.openExchangeCount()).toBe(1);

    const changed = await t.app.inject({ url: `/v1/users/${member.userId}`, headers: admin.headers, ...change });
    expect(changed.statusCode, changed.body).toBeLessThan(300);

    await eventually(async () => (openai.openExchangeCount() === 0 ? true : undefined));
    await reply.readToEnd();
    expect(reply.isDone()).toBe(true);
  });

  it('deleting the conversation ends the provider call at once; the stream says the reply was not kept', async () => {
    openai.respondWith({ replyTokens: ['Hello', ' from', ' far', ' away'], stallAfterTokens: 2 });
    const conversation = await createConversation(t.app, admin, plainAgentId, { title: 'Deleted' });
    const reply = await openReplyStream(address, conversation.id, admin, 'Go on');
    await reply.readUntil(textDeltas(2));

    const deleted = await t.app.inject({
      method: 'DELETE',
      url: `/v1/conversations/${conversation.id}`,
      headers: admin.headers,
    });
    expect(deleted.statusCode).toBe(204);

    const parts = await reply.readToEnd();
    expect(parts.find((part) => part.type === 'error')?.errorText).toMatch(/deleted while its reply was being written/);
    // The reply's last word agrees: it ended in that error, not complete.
    expect(parts.at(-1)).toMatchObject({
      type: 'finish',
      messageMetadata: { status: 'error', error: { code: 'not_found' } },
    });
    await eventually(async () => (openai.openExchangeCount() === 0 ? true : undefined));
  });

  it('answers what cannot be stopped: not a reply being written (409), not yours (403), not visible (404)', async () => {
    openai.respondWith({ replyTokens: ['Done.'] });
    const member = await createUser(t.app, admin, 'member');
    const memberAgent = await createAgent(t.app, member, { name: 'Mine', model: 'openai:gpt-4o-mini' });
    const conversation = await createConversation(t.app, member, memberAgent.id, { title: 'Finished' });
    const sent = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: member.headers,
      payload: { content: 'Hi' },
    });
    const { userMessage, assistantMessage } = sent.json<{
      userMessage: { id: string };
      assistantMessage: { id: string };
    }>();

    const finished = await stop(conversation.id, assistantMessage.id, member);
    expect(finished.statusCode).toBe(409);
    expect(finished.json().detail).toMatch(/not being written \(complete\); only a reply still being written/);
    const question = await stop(conversation.id, userMessage.id, member);
    expect(question.statusCode).toBe(409);
    expect(question.json().detail).toMatch(/is not a reply/);
    // An admin sees the member's conversation, but the reply is the member's to stop, as to send.
    expect((await stop(conversation.id, assistantMessage.id, admin)).statusCode).toBe(403);
    const otherMember = await createUser(t.app, admin, 'member');
    expect((await stop(conversation.id, assistantMessage.id, otherMember)).statusCode).toBe(404);
    const unknown = await stop(conversation.id, '01900000-0000-7000-8000-000000000000', member);
    expect(unknown.statusCode).toBe(404);
  });
});

/**
 * Scaled out, the node that hears the stop need not be the one writing the reply. With Redis (the
 * PostgreSQL run) the stop reaches the writer through pub/sub; without it (embedded storage has one
 * node, so a second one here is only a way to show it) the stop cannot travel, and the answer says
 * the reply was not stored in time (202) instead of waiting for ever.
 */
describe('stopping a reply written by another node', () => {
  let writer: TestApp;
  let other: TestApp;
  let openai: FakeOpenAIServer;
  let admin: SignedInUser;
  let agentId: string;
  let address: string;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    const env = slowProviderEnv(openai);
    const chat = { replayPollIntervalMs: 20, stopWaitMs: 1_000 };
    writer = await buildTestApp(env, { chat });
    other = await buildTestApp(env, { chat, sharedDatabase: writer.database });
    admin = await createTenantWithAdmin(writer.app, await registerPlatformAdmin(writer.app));
    agentId = (await createAgent(writer.app, admin, { name: 'Plain', model: 'openai:gpt-4o-mini' })).id;
    address = await writer.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await other.close();
    await writer.close();
    await openai.close();
  });

  it(
    testStorage === 'postgres'
      ? 'reaches the writing node through Redis: 200 with the stopped reply'
      : 'without Redis it cannot reach the writer: 202 with the reply still streaming',
    async () => {
      openai.respondWith({ replyTokens: ['Hello', ' from', ' far', ' away'], stallAfterTokens: 2 });
      const conversation = await createConversation(writer.app, admin, agentId, { title: 'Two nodes' });
      const reply = await openReplyStream(address, conversation.id, admin, 'Tell me');
      await reply.readUntil(textDeltas(2));
      const messages = await other.app.inject({
        method: 'GET',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: admin.headers,
      });
      const replyId = (messages.json().items as Array<{ id: string; status: string }>).find(
        (message) => message.status === 'streaming',
      )?.id;

      const stopped = await other.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages/${replyId}/stop`,
        headers: admin.headers,
      });

      if (testStorage === 'postgres') {
        expect(stopped.statusCode).toBe(200);
        expect(stopped.json()).toMatchObject({ status: 'stopped', finishReason: 'stopped', content: 'Hello from' });
      } else {
        expect(stopped.statusCode).toBe(202);
        expect(stopped.json()).toMatchObject({ status: 'streaming' });
        // The writer itself still can.
        const here = await writer.app.inject({
          method: 'POST',
          url: `/v1/conversations/${conversation.id}/messages/${replyId}/stop`,
          headers: admin.headers,
        });
        expect(here.json()).toMatchObject({ status: 'stopped', finishReason: 'stopped' });
      }
      await reply.readToEnd();
      expect(reply.textOf()).toBe('Hello from');
    },
  );
});

/**
 * The other way a reply is cut short: the node's shutdown grace is over (serve.ts). The reply keeps
 * what was written but fails, saying to send the message again — for the tool loop as for a plain
 * stream, whose SDKs report a cancelled call differently.
 */
describe('a reply cut short because its node stopped', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let admin: SignedInUser;
  let address: string;
  const shutdown = createShutdown();

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp(slowProviderEnv(openai), { shutdown });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
    await openai.close();
  });

  it('fails both kinds of reply with the sentence to send again, keeping what was written', async () => {
    openai.respondWith({ replyTokens: ['Hello', ' from', ' far', ' away'], stallAfterTokens: 2 });
    const { plainAgentId, toolAgentId } = await createPlainAndToolAgents(t.app, admin);
    const conversations = [
      await createConversation(t.app, admin, plainAgentId),
      await createConversation(t.app, admin, toolAgentId),
    ];
    const replies = await Promise.all(
      conversations.map((conversation) => openReplyStream(address, conversation.id, admin, 'Go on')),
    );
    await Promise.all(replies.map((reply) => reply.readUntil(textDeltas(2))));

    shutdown.endRunningWork();

    for (const [index, reply] of replies.entries()) {
      const parts = await reply.readToEnd();
      expect(parts.find((part) => part.type === 'error')?.errorText).toMatch(/server stopped before it finished/);
      const stored = await t.app.inject({
        method: 'GET',
        url: `/v1/conversations/${conversations[index]!.id}/messages`,
        headers: admin.headers,
      });
      expect(stored.json().items[1]).toMatchObject({
        status: 'error',
        content: 'Hello from',
        error: { message: expect.stringMatching(/server stopped before it finished/) },
      });
    }
  });
});

/**
 * A retry (same Idempotency-Key) that reaches another node while the first request's reply is still
 * `streaming`: that node waits as long as a model call may take, then, if the reply is still not
 * stored (its node may have been killed), answers that it is still being written, not 2xx with an
 * empty reply.
 */
describe('a retry while the first reply is still being written elsewhere', () => {
  let writer: TestApp;
  let quickRetrier: TestApp;
  let patientRetrier: TestApp;
  let openai: FakeOpenAIServer;
  let admin: SignedInUser;
  let address: string;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    // The writer renews no lease during a test: the test says when its node is dead.
    writer = await buildTestApp(slowProviderEnv(openai), { chat: { replyLeaseRenewMs: 600_000 } });
    const retrier = (env: Record<string, string>) =>
      buildTestApp(env, { chat: { replayPollIntervalMs: 20, replayGraceMs: 0 }, sharedDatabase: writer.database });
    // Waits out a model call of 1 s; the other one, of 120 s, only a lease gone stale ends its wait early.
    quickRetrier = await retrier({ ...slowProviderEnv(openai), MODEL_TIMEOUT_MS: '1000' });
    patientRetrier = await retrier(slowProviderEnv(openai));
    admin = await createTenantWithAdmin(writer.app, await registerPlatformAdmin(writer.app));
    address = await writer.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await Promise.all([quickRetrier.close(), patientRetrier.close()]);
    await writer.close();
    await openai.close();
  });

  /** A first request, keyed, whose reply the writer is still writing (the provider went silent). */
  async function firstRequestInFlight() {
    openai.respondWith({ replyTokens: ['Hello', ' from', ' far', ' away'], stallAfterTokens: 2 });
    const agentId = (await createAgent(writer.app, admin, { name: 'Plain', model: 'openai:gpt-4o-mini' })).id;
    const conversation = await createConversation(writer.app, admin, agentId, { title: 'Retry' });
    const key = `retry-${conversation.id}`;
    const first = await fetch(`${address}/v1/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: {
        ...admin.headers,
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'idempotency-key': key,
      },
      body: JSON.stringify({ content: 'Tell me' }),
    });
    const reader = first.body!.getReader();
    await reader.read();
    const messages = await writer.app.inject({
      method: 'GET',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: admin.headers,
    });
    const replyId = (messages.json().items as Array<{ id: string; role: string }>).find(
      (m) => m.role === 'assistant',
    )!.id;
    const retry = (node: TestApp, accept: Record<string, string> = {}) =>
      node.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: { ...admin.headers, ...accept, 'idempotency-key': key },
        payload: { content: 'Tell me' },
      });
    const end = async () => {
      await reader.cancel();
      await writer.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages/${replyId}/stop`,
        headers: admin.headers,
      });
    };
    return { replyId, retry, end };
  }

  const notStoredYet = /not stored yet: it is still being written, or its server stopped/;

  it('answers JSON with 409 once a model call would have ended: not a success with an empty reply', async () => {
    const first = await firstRequestInFlight();
    const retried = await first.retry(quickRetrier);
    expect(retried.statusCode, retried.body).toBe(409);
    expect(retried.json()).toMatchObject({ code: 'conflict', detail: expect.stringMatching(notStoredYet) });
    await first.end();
  });

  it('answers a stream with an error part, not a finish with an empty reply', async () => {
    const first = await firstRequestInFlight();
    const retried = await first.retry(quickRetrier, { accept: 'text/event-stream' });
    expect(retried.statusCode).toBe(200);
    expect(retried.body).toContain('"type":"error"');
    expect(retried.body).toMatch(notStoredYet);
    await first.end();
  });

  it('answers at once when the reply lease went stale (its node died), without waiting out the model timeout', async () => {
    const first = await firstRequestInFlight();
    await writer.database.executeSql(`update messages set alive_at = now() - interval '5 minutes' where id = $1`, [
      first.replyId,
    ]);
    const retried = await first.retry(patientRetrier);
    expect(retried.statusCode, retried.body).toBe(409);
    expect(retried.json()).toMatchObject({ code: 'conflict', detail: expect.stringMatching(notStoredYet) });
    await first.end();
  });
});
