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
import { createMaintenanceModule } from '../../src/modules/maintenance/index.js';
import { createLogger } from '../../src/platform/logger.js';
import { createDirectoryStorage } from '../../src/platform/storage/index.js';
import {
  answerTo,
  dedupeByLogPosition,
  isInLogOrder,
  isReplyFrame,
  logPositionOf,
  openSocket,
  refusalOf,
  type Frame,
  type TestSocket,
} from './realtime-client.js';

/**
 * The realtime socket against the real server (listening on 127.0.0.1) with real `ws` clients: who
 * may open it, what flows over it, and its limits. The fake provider streams slowly or stalls, so a
 * reply can be watched, joined and resumed while it is written.
 */
describe('realtime socket', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let platformAdmin: SignedInUser;
  let admin: SignedInUser;
  let agentId: string;
  let address: string;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp(
      {
        OPENAI_BASE_URL: openai.baseUrl,
        OPENAI_API_KEY: 'sk-realtime-test',
        MODEL_TIMEOUT_MS: '120000',
        MODEL_STALL_TIMEOUT_MS: '120000',
        CORS_ORIGINS: 'https://console.example.test',
      },
      {
        chat: { stopWaitMs: 2_000, replyLeaseRenewMs: 50 },
        realtime: { subscriptionsPerConnection: 3, connectionsPerUser: 4, framesPerSecond: 20, frameMaxBytes: 2048 },
      },
    );
    platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin);
    agentId = (await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini' })).id;
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
    await openai.close();
  });

  const sendOverHttp = (user: SignedInUser, conversationId: string, content: string) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...user.headers, accept: 'application/json' },
      payload: { content },
    });

  const stopReply = (user: SignedInUser, conversationId: string, messageId: string) =>
    t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages/${messageId}/stop`,
      headers: user.headers,
    });

  /** The events of a conversation's history (what carries a seq), not the answers to the client's frames. */
  const isConversationEvent = (conversationId: string) => (frame: Frame) =>
    frame.conversationId === conversationId && typeof frame.seq === 'number' && frame.type !== 'subscribed';

  /** The events of an SSE body, each with its `id`. */
  const sseEventsOf = (text: string) =>
    text
      .split('\n\n')
      // The last piece is what came after the last whole event: nothing, or part of one still arriving.
      .slice(0, -1)
      .filter((block) => block.includes('data: '))
      .map((block) => ({
        id: /^id: (.*)$/m.exec(block)?.[1],
        frame: JSON.parse(block.split('data: ')[1]!) as Frame,
      }));

  const seqsOf = (frames: Frame[]) =>
    frames.filter((frame) => typeof frame.seq === 'number').map((frame) => frame.seq!);

  describe('handshake', () => {
    it('refuses a socket without credentials with 401 and a sentence, before the upgrade', async () => {
      const refused = await refusalOf(openSocket(address));
      expect(refused.status).toBe(401);
      expect(JSON.parse(refused.body)).toMatchObject({ code: 'unauthenticated' });
      expect(JSON.parse(refused.body).detail).toContain('/v1/realtime/tickets');
    });

    it('refuses an expired or forged access token with 401', async () => {
      const refused = await refusalOf(openSocket(address, { headers: { authorization: 'Bearer not.a.token' } }));
      expect(refused.status).toBe(401);
    });

    it('refuses a browser origin that is neither the console nor a CORS origin with 403', async () => {
      const refused = await refusalOf(
        openSocket(address, { headers: { ...admin.headers, origin: 'https://evil.example.test' } }),
      );
      expect(refused.status).toBe(403);
      expect(JSON.parse(refused.body).detail).toContain('CORS_ORIGINS');
      const allowed = await openSocket(address, {
        headers: { ...admin.headers, origin: 'https://console.example.test' },
      });
      await allowed.close();
    });

    it('opens with a ticket once; the same ticket again is refused', async () => {
      const issued = await t.app.inject({ method: 'POST', url: '/v1/realtime/tickets', headers: admin.headers });
      expect(issued.statusCode).toBe(201);
      const { ticket } = issued.json<{ ticket: string }>();
      const socket = await openSocket(address, { ticket });
      expect(socket.frames[0]).toMatchObject({ type: 'hello', version: 1, userId: admin.userId });
      await socket.close();
      expect((await refusalOf(openSocket(address, { ticket }))).status).toBe(401);
    });

    it('closes an open socket at once (4001) when its user is disabled', async () => {
      const member = await createUser(t.app, admin);
      const socket = await openSocket(address, { headers: member.headers });
      const disabled = await t.app.inject({
        method: 'PATCH',
        url: `/v1/users/${member.userId}`,
        headers: admin.headers,
        payload: { disabled: true },
      });
      expect(disabled.statusCode).toBe(200);
      expect((await socket.closed).code).toBe(4001);
    });

    it('closes a socket opened with an API key (4001) when the key is deleted', async () => {
      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: admin.headers,
        payload: { name: 'rt' },
      });
      const key = created.json<{ id: string; key: string }>();
      const socket = await openSocket(address, { headers: { authorization: `Bearer ${key.key}` } });
      await t.app.inject({ method: 'DELETE', url: `/v1/api-keys/${key.id}`, headers: admin.headers });
      expect((await socket.closed).code).toBe(4001);
    });

    it('refuses a socket past the connections a user may hold with 429', async () => {
      const member = await createUser(t.app, admin);
      const open = await Promise.all([1, 2, 3, 4].map(() => openSocket(address, { headers: member.headers })));
      const refused = await refusalOf(openSocket(address, { headers: member.headers }));
      expect(refused.status).toBe(429);
      await Promise.all(open.map((socket) => socket.close()));
    });
  });

  describe('frames', () => {
    let socket: TestSocket;
    beforeAll(async () => {
      socket = await openSocket(address, { headers: admin.headers });
    });
    afterAll(() => socket.close());

    it.each([
      ['not JSON', '{"type": "subscribe"', 'bad_frame'],
      ['a JSON array', '[1,2]', 'bad_frame'],
      ['an unknown type', JSON.stringify({ type: 'dance', id: 'u1' }), 'unknown_type'],
      ['a subscribe without a conversation', JSON.stringify({ type: 'subscribe', id: 'v1' }), 'validation'],
      ['an unknown field', JSON.stringify({ type: 'ping', id: 'v2', extra: 1 }), 'validation'],
      ['a frame over the size limit', JSON.stringify({ type: 'ping', id: 'big', pad: 'x'.repeat(3000) }), 'too_large'],
    ])('answers %s with an error frame and keeps the socket open', async (_label, text, code) => {
      const from = socket.frames.length;
      socket.send(text);
      const error = await socket.next((frame) => frame.type === 'error', from);
      expect(error).toMatchObject({ code });
      expect(String(error.message).length).toBeGreaterThan(20);
      socket.send({ type: 'ping', id: `alive-${from}` });
      expect(await answerTo(socket, `alive-${from}`)).toMatchObject({ type: 'pong' });
    });

    it("answers not_found for another tenant's conversation, as over HTTP", async () => {
      const other = await createTenantWithAdmin(t.app, platformAdmin, 'Other');
      const otherAgent = await createAgent(t.app, other, { model: 'openai:gpt-4o-mini' });
      const theirs = await createConversation(t.app, other, otherAgent.id);
      socket.send({ type: 'subscribe', id: 'nf', conversationId: theirs.id });
      expect(await answerTo(socket, 'nf')).toMatchObject({ type: 'error', code: 'not_found' });
      socket.send({ type: 'send', id: 'nf2', conversationId: theirs.id, content: 'hi', clientMessageId: 'c-nf' });
      expect(await answerTo(socket, 'nf2')).toMatchObject({ type: 'error', code: 'not_found' });
    });

    it('refuses a subscription past the limit per connection', async () => {
      const conversations = await Promise.all([1, 2, 3, 4].map(() => createConversation(t.app, admin, agentId)));
      for (const [index, conversation] of conversations.entries()) {
        socket.send({ type: 'subscribe', id: `lim-${index}`, conversationId: conversation.id });
      }
      for (const index of [0, 1, 2])
        expect(await answerTo(socket, `lim-${index}`)).toMatchObject({ type: 'subscribed' });
      expect(await answerTo(socket, 'lim-3')).toMatchObject({ type: 'error', code: 'rate_limited' });
      for (const conversation of conversations) socket.send({ type: 'unsubscribe', conversationId: conversation.id });
    });

    it("answers frames past the rate with rate_limited and the dropped frame's id, then closes a client that keeps on (4008)", async () => {
      const flooder = await openSocket(address, { headers: admin.headers });
      for (let index = 0; index < 100; index++) flooder.send({ type: 'ping', id: `f${index}` });
      const refused = await flooder.next((frame) => frame.type === 'error');
      expect(refused).toMatchObject({ code: 'rate_limited', id: expect.stringMatching(/^f\d+$/) });
      expect((await flooder.closed).code).toBe(4008);
      // The frame named was dropped, not answered: a client waiting for its answer knows to send it again.
      expect(flooder.frames.filter((frame) => frame.id === refused.id).map((frame) => frame.type)).toEqual(['error']);
    });
  });

  describe('live conversations', () => {
    it('delivers a reply sent over HTTP to a subscriber, every event in order with increasing (seq, part)', async () => {
      openai.respondWith({ replyTokens: ['One', ' two', ' three', ' four'] });
      const conversation = await createConversation(t.app, admin, agentId);
      const watcher = await openSocket(address, { headers: admin.headers });
      watcher.send({ type: 'subscribe', id: 's1', conversationId: conversation.id });
      expect(await answerTo(watcher, 's1')).toMatchObject({ type: 'subscribed', conversationId: conversation.id });
      const sent = await sendOverHttp(admin, conversation.id, 'Count to four');
      expect(sent.statusCode).toBe(201);
      const replyId = sent.json<{ assistantMessage: { id: string } }>().assistantMessage.id;
      const finished = await watcher.next((frame) => frame.type === 'finished');
      expect(finished).toMatchObject({
        messageId: replyId,
        message: { content: 'One two three four', status: 'complete' },
      });
      const types = watcher.frames
        .filter((frame) => frame.conversationId === conversation.id && frame.seq)
        .map((f) => f.type);
      expect(types).toEqual([
        'message-created',
        'message-started',
        'text-delta',
        'text-delta',
        'text-delta',
        'text-delta',
        'finished',
      ]);
      const deltas = watcher.frames.filter((frame) => frame.type === 'text-delta').map((frame) => frame.delta);
      expect(deltas.join('')).toBe('One two three four');
      // The log: the user's message, the reply's stream (one seq, parts 0…4 with none skipped), its outcome.
      const events = watcher.frames.filter(isConversationEvent(conversation.id));
      expect(isInLogOrder(events)).toBe(true);
      const stream = events.filter((frame) => typeof frame.part === 'number');
      expect(stream.map((frame) => frame.part)).toEqual([0, 1, 2, 3, 4]);
      expect(new Set(stream.map((frame) => frame.seq)).size).toBe(1);
      expect(events[0]!.seq).toBeLessThan(stream[0]!.seq!);
      expect(finished.seq).toBeGreaterThan(stream[0]!.seq!);
      await watcher.close();
    });

    it('sends over the socket as POST …/messages does, once per clientMessageId', async () => {
      openai.respondWith({ replyTokens: ['Hi', ' there'] });
      const conversation = await createConversation(t.app, admin, agentId);
      const socket = await openSocket(address, { headers: admin.headers });
      const requestsBefore = openai.requests.length;
      socket.send({
        type: 'send',
        id: 'm1',
        conversationId: conversation.id,
        content: 'Hello',
        clientMessageId: 'client-1',
      });
      const accepted = await answerTo(socket, 'm1');
      expect(accepted).toMatchObject({ type: 'accepted', clientMessageId: 'client-1', isReplay: false });
      await socket.next((frame) => frame.type === 'finished');
      // The first exchange is titled by the model too, after the reply: counted before the resend.
      await eventually(async () => {
        const found = await t.app.inject({ url: `/v1/conversations/${conversation.id}`, headers: admin.headers });
        return found.json<{ title: string | null }>().title ?? undefined;
      });
      const requestsBeforeResend = openai.requests.length;
      socket.send({
        type: 'send',
        id: 'm2',
        conversationId: conversation.id,
        content: 'Hello',
        clientMessageId: 'client-1',
      });
      expect(await answerTo(socket, 'm2')).toMatchObject({
        type: 'accepted',
        messageId: accepted.messageId,
        isReplay: true,
      });
      expect(openai.requests.length).toBe(requestsBeforeResend);
      expect(requestsBeforeResend - requestsBefore).toBe(2);
      const history = await t.app.inject({
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: admin.headers,
      });
      expect(history.json<{ items: unknown[] }>().items).toHaveLength(2);
      await socket.close();
    });

    it("relays typing to the other watchers only, with the typist's display name", async () => {
      const conversation = await createConversation(t.app, admin, agentId);
      const [typist, reader] = await Promise.all([1, 2].map(() => openSocket(address, { headers: admin.headers })));
      for (const [socket, id] of [
        [typist!, 'ta'],
        [reader!, 'tb'],
      ] as const) {
        socket.send({ type: 'subscribe', id, conversationId: conversation.id });
        await answerTo(socket, id);
      }
      await t.database.executeSql(`update users set display_name = 'Ada Typist' where id = $1`, [admin.userId]);
      typist!.send({ type: 'typing', conversationId: conversation.id });
      expect(await reader!.next((frame) => frame.type === 'typing')).toMatchObject({
        conversationId: conversation.id,
        userId: admin.userId,
        name: 'Ada Typist',
      });
      typist!.send({ type: 'ping', id: 'after-typing' });
      await answerTo(typist!, 'after-typing');
      expect(typist!.frames.some((frame) => frame.type === 'typing')).toBe(false);
      await Promise.all([typist!.close(), reader!.close()]);
    });

    it('resumes with after in the middle of a reply: the reply again from its start, each part once by (seq, part), then the rest live', async () => {
      openai.respondWith({ replyTokens: ['a', 'b', 'c', 'd', 'e'], stallAfterTokens: 3 });
      const conversation = await createConversation(t.app, admin, agentId);
      const first = await openSocket(address, { headers: admin.headers });
      first.send({
        type: 'send',
        id: 'r1',
        conversationId: conversation.id,
        content: 'Spell',
        clientMessageId: 'resume-1',
      });
      const accepted = await answerTo(first, 'r1');
      const replyId = String(accepted.replyMessageId);
      await eventually(async () =>
        first.frames.filter((f) => f.type === 'text-delta').length === 3 ? true : undefined,
      );
      const seen = first.frames.filter(isConversationEvent(conversation.id));
      // The client lost the last two events it got, as a network drop would.
      const kept = seen.slice(0, -2);
      await first.close();

      const second = await openSocket(address, { headers: admin.headers });
      second.send({ type: 'subscribe', id: 'r2', conversationId: conversation.id, after: kept.at(-1)!.seq });
      const subscribed = await answerTo(second, 'r2');
      // `after` is a seq, and the reply's stream shares one: it comes again from its start (part 0).
      const replayed = second.frames.filter(isConversationEvent(conversation.id));
      expect(replayed.map(logPositionOf)).toEqual(seen.filter(isReplyFrame(replyId)).map(logPositionOf));
      expect(subscribed.seq).toBe(seen.at(-1)!.seq);
      expect((await stopReply(admin, conversation.id, replyId)).statusCode).toBe(200);
      const finished = await second.next((frame) => frame.type === 'finished' && isReplyFrame(replyId)(frame));
      expect(finished).toMatchObject({ message: { content: 'abc' } });
      // The server sends each part once on the new socket; the client keeps each (seq, part) once.
      const resumed = second.frames.filter(isConversationEvent(conversation.id));
      expect(isInLogOrder(resumed)).toBe(true);
      const all = dedupeByLogPosition([...kept, ...resumed]);
      expect(isInLogOrder(all)).toBe(true);
      expect(all.map((frame) => frame.type)).toEqual([
        'message-created',
        'message-started',
        'text-delta',
        'text-delta',
        'text-delta',
        'finished',
      ]);
      const deltas = all.filter((frame) => frame.type === 'text-delta').map((frame) => frame.delta);
      expect(deltas.join('')).toBe('abc');
      await second.close();
    });

    it('replays the events after a seq to a client that was away for whole replies', async () => {
      openai.respondWith({ replyTokens: ['Stored', ' reply'] });
      const conversation = await createConversation(t.app, admin, agentId);
      const socket = await openSocket(address, { headers: admin.headers });
      socket.send({ type: 'subscribe', id: 'z1', conversationId: conversation.id });
      const { seq: startSeq } = await answerTo(socket, 'z1');
      await socket.close();
      expect((await sendOverHttp(admin, conversation.id, 'While away')).statusCode).toBe(201);
      const back = await openSocket(address, { headers: admin.headers });
      back.send({ type: 'subscribe', id: 'z2', conversationId: conversation.id, after: startSeq });
      await answerTo(back, 'z2');
      // The events it missed, as they happened: the message, the reply's start and its end (whole).
      // (The title job's title is an event too, wherever it came: left out here.)
      const missed = back.frames.filter(
        (frame) => typeof frame.seq === 'number' && !['subscribed', 'conversation-updated'].includes(frame.type),
      );
      expect(missed.map((frame) => frame.type)).toEqual(['message-created', 'message-started', 'finished']);
      expect((missed[0]!.message as { content: string }).content).toBe('While away');
      expect((missed[2]!.message as { content: string }).content).toBe('Stored reply');
      // Resuming from the last seq it got gives nothing again.
      const last = seqsOf(back.frames).at(-1);
      back.send({ type: 'subscribe', id: 'z3', conversationId: conversation.id, after: last });
      await answerTo(back, 'z3');
      expect(back.frames.filter((frame) => frame.type === 'message-created')).toHaveLength(1);
      await back.close();
    });

    it("tells a user's other sockets of activity in any of their conversations (per-user channel)", async () => {
      openai.respondWith({ replyTokens: ['ok'] });
      const conversation = await createConversation(t.app, admin, agentId);
      const sidebar = await openSocket(address, { headers: admin.headers });
      expect((await sendOverHttp(admin, conversation.id, 'Ping the sidebar')).statusCode).toBe(201);
      expect(await sidebar.next((frame) => frame.type === 'conversation-activity')).toMatchObject({
        conversationId: conversation.id,
        preview: 'Ping the sidebar',
      });
      await sidebar.close();
    });

    it("tells a user's sockets of a conversation made, renamed, archived or titled by the title job", async () => {
      const sidebar = await openSocket(address, { headers: admin.headers });
      const conversation = await createConversation(t.app, admin, agentId);
      expect(
        await sidebar.next(
          (frame) => frame.type === 'conversation-created' && frame.conversationId === conversation.id,
        ),
      ).toMatchObject({ conversation: { id: conversation.id, ownerId: admin.userId } });
      // A socket watching the conversation gets the title in its place in the log, once.
      const watcher = await openSocket(address, { headers: admin.headers });
      watcher.send({ type: 'subscribe', id: 'tw', conversationId: conversation.id });
      await answerTo(watcher, 'tw');

      openai.respondWith({ replyTokens: ['Named', ' by', ' the', ' job'] });
      const sent = await sendOverHttp(admin, conversation.id, 'Give this a title');
      expect(sent.statusCode).toBe(201);
      const titled = await sidebar.next(
        (frame) => frame.type === 'conversation-updated' && frame.conversationId === conversation.id,
      );
      expect(typeof (titled.changes as { title: unknown }).title).toBe('string');
      // The title job's write took the seq after the stored reply's.
      expect(titled.seq).toBe(sent.json<{ assistantMessage: { seq: number } }>().assistantMessage.seq + 1);
      // The user's channel reaches this socket too: an earlier test's conversation may be titled meanwhile.
      const watched = await watcher.next(
        (frame) => frame.type === 'conversation-updated' && frame.conversationId === conversation.id,
      );
      expect(watched).toMatchObject({ seq: titled.seq, changes: titled.changes });
      const events = watcher.frames.filter(isConversationEvent(conversation.id));
      expect(isInLogOrder(events)).toBe(true);
      expect(events.filter((frame) => frame.type === 'conversation-updated')).toHaveLength(1);
      await watcher.close();

      const from = sidebar.frames.length;
      const patched = await t.app.inject({
        method: 'PATCH',
        url: `/v1/conversations/${conversation.id}`,
        headers: admin.headers,
        payload: { title: 'Renamed', archived: true },
      });
      expect(patched.statusCode).toBe(200);
      const renamed = await sidebar.next((frame) => frame.type === 'conversation-updated', from);
      expect(renamed).toMatchObject({
        conversationId: conversation.id,
        changes: { title: 'Renamed', archived: true, projectId: null },
      });
      expect(renamed.seq).toBe(titled.seq! + 1);
      await sidebar.close();
    });

    it("tells a reply's watchers its final error when the lease sweep fails it (its node was killed)", async () => {
      openai.respondWith({ replyTokens: ['Half', ' written'] });
      const conversation = await createConversation(t.app, admin, agentId);
      const sent = await sendOverHttp(admin, conversation.id, 'Then the node dies');
      const replyId = sent.json<{ assistantMessage: { id: string } }>().assistantMessage.id;
      // As a killed node leaves it: still streaming, its lease last renewed two minutes ago.
      await t.database.executeSql(
        `update messages set status = 'streaming', completed_at = null, alive_at = now() - interval '2 minutes'
          where id = $1`,
        [replyId],
      );
      const watcher = await openSocket(address, { headers: admin.headers });
      watcher.send({ type: 'subscribe', id: 'k1', conversationId: conversation.id });
      const { seq: subscribedSeq } = await answerTo(watcher, 'k1');
      const sweeper = createMaintenanceModule({
        db: t.database.db,
        logger: createLogger({ level: 'silent' }),
        modelTimeoutMs: 60_000,
        storage: createDirectoryStorage(t.config.filesDir),
        onRepliesAbandoned: (replies) => t.app.publishAbandonedReplies(replies),
      });
      expect((await sweeper.service.sweep()).abandonedReplies).toBe(1);
      const final = await watcher.next((frame) => frame.type === 'error' && frame.messageId === replyId);
      expect(final).toMatchObject({ conversationId: conversation.id, code: 'not_ready', reply: { status: 'error' } });
      expect(final.seq).toBeGreaterThan(subscribedSeq as number);
      await watcher.close();
    });

    it('streams a reply as SSE from where Last-Event-ID (seq.part) left it, and a stored one as its outcome', async () => {
      openai.respondWith({ replyTokens: ['x', 'y', 'z'], stallAfterTokens: 2 });
      const conversation = await createConversation(t.app, admin, agentId);
      const socket = await openSocket(address, { headers: admin.headers });
      socket.send({ type: 'send', id: 'e1', conversationId: conversation.id, content: 'Go', clientMessageId: 'sse-1' });
      const replyId = String((await answerTo(socket, 'e1')).replyMessageId);
      await eventually(async () =>
        socket.frames.filter((f) => f.type === 'text-delta').length === 2 ? true : undefined,
      );
      const streamUrl = `${address}/v1/conversations/${conversation.id}/messages/${replyId}/stream`;
      // A first client reads the reply so far (the model has stalled after 'y'), then drops.
      const aborted = new AbortController();
      const first = await fetch(streamUrl, { headers: admin.headers, signal: aborted.signal });
      expect(first.headers.get('content-type')).toContain('text/event-stream');
      const reader = first.body!.getReader();
      let text = '';
      while (sseEventsOf(text).filter((event) => event.frame.type === 'text-delta').length < 2) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
      aborted.abort();
      const before = sseEventsOf(text);
      expect(before.map((event) => event.frame.type)).toEqual(['message-started', 'text-delta', 'text-delta']);
      expect(before.map((event) => event.id)).toEqual(
        before.map((event) => `${event.frame.seq}.${String(event.frame.part)}`),
      );
      expect(before.map((event) => event.frame.part)).toEqual([0, 1, 2]);

      // It got 'x' but lost 'y': resuming after the id of 'x' gives 'y' (same id as before) and the rest, once.
      const [, sawX, lostY] = before;
      const response = await fetch(streamUrl, { headers: { ...admin.headers, 'last-event-id': sawX!.id! } });
      const stopped = stopReply(admin, conversation.id, replyId);
      const events = sseEventsOf(await response.text());
      expect((await stopped).statusCode).toBe(200);
      expect(events.map((event) => event.frame.type)).toEqual(['text-delta', 'finished']);
      expect(events[0]).toMatchObject({ id: lostY!.id, frame: { delta: 'y' } });
      expect(events[1]!.id).toBe(String(events[1]!.frame.seq));
      expect(isInLogOrder([...before.slice(0, 2), ...events].map((event) => event.frame))).toBe(true);

      const stored = await fetch(streamUrl, { headers: admin.headers }).then((answer) => answer.text());
      expect(stored).toContain('"type":"finished"');
      // After the outcome's own id there is nothing more to say.
      const done = await fetch(streamUrl, { headers: { ...admin.headers, 'last-event-id': events[1]!.id! } });
      expect(sseEventsOf(await done.text())).toEqual([]);
      const malformed = await fetch(streamUrl, { headers: { ...admin.headers, 'last-event-id': '12.x' } });
      expect(malformed.status).toBe(400);
      await socket.close();
    });
  });

  describe('heartbeat', () => {
    it('closes (4002) a socket that stops answering pings, counted from its answers', async () => {
      const quick = await buildTestApp({}, { realtime: { heartbeatMs: 150 }, sharedDatabase: t.database });
      try {
        const quickAddress = await quick.app.listen({ port: 0, host: '127.0.0.1' });
        const silent = await openSocket(quickAddress, { headers: admin.headers, autoPong: false });
        const answering = await openSocket(quickAddress, { headers: admin.headers });
        expect((await silent.closed).code).toBe(4002);
        expect(answering.ws.readyState).toBe(answering.ws.OPEN);
        await answering.close();
      } finally {
        await quick.app.close();
      }
    });
  });
});
