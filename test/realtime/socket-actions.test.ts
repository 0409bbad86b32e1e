import { SignJWT, decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { answerTo, isInLogOrder, isReplyFrame, openSocket, refusalOf } from './realtime-client.js';

const ticketTtlMs = 300;
const typingThrottleMs = 400;
// Three stored messages a statement: a replay of a dozen takes pages.
const replayPageSize = 3;
const tokens = Array.from({ length: 40 }, (_, index) => ` w${index}`);

/**
 * What a socket does besides watching, against the real server and a fake provider on 127.0.0.1: the
 * handshake's refusals of a credential whose time is up (an access token that expired, not a forged
 * one; a ticket past its life), `stop` and `retry` as frames, the typing throttle, a binary frame, and a
 * replay longer than a page.
 */
describe('acting over the realtime socket', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let admin: SignedInUser;
  let agentId: string;
  let address: string;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp(
      { OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-socket-actions' },
      {
        chat: { stopWaitMs: 2_000, replyLeaseRenewMs: 50 },
        realtime: { ticketTtlMs, typingThrottleMs, replayPageSize },
      },
    );
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    agentId = (await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini' })).id;
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t.close();
    await openai.close();
  });

  const watch = async (conversationId: string) => {
    const socket = await openSocket(address, { headers: admin.headers });
    socket.send({ type: 'subscribe', id: 'watch', conversationId });
    expect(await answerTo(socket, 'watch')).toMatchObject({ type: 'subscribed' });
    return socket;
  };
  const historyOf = async (conversationId: string) =>
    (await t.app.inject({ url: `/v1/conversations/${conversationId}/messages`, headers: admin.headers })).json<{
      items: { id: string; role: string; status: string; content: string; seq: number }[];
    }>().items;

  it("refuses an access token signed with the server's key whose time is up, with 401 and a sentence", async () => {
    const claims = decodeJwt(admin.headers.authorization.replace(/^Bearer /, ''));
    const now = Math.floor(Date.now() / 1000);
    const signed = (issuedAt: number, expiresAt: number) =>
      new SignJWT({ tid: claims.tid, sep: claims.sep, sid: claims.sid })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(claims.sub!)
        .setIssuer(claims.iss!)
        .setAudience(claims.aud!)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .setJti(crypto.randomUUID())
        .sign(t.keys.jwtSigningKey);
    // The same claims with time left open a socket: only the expiry differs between the two.
    const current = await openSocket(address, {
      headers: { authorization: `Bearer ${await signed(now - 60, now + 600)}` },
    });
    await current.close();
    const expired = await refusalOf(
      openSocket(address, { headers: { authorization: `Bearer ${await signed(now - 1_000, now - 100)}` } }),
    );
    expect(expired.status).toBe(401);
    expect(JSON.parse(expired.body).detail).toContain('expired');
  });

  it('refuses a ticket once its life is over, with 401', async () => {
    const issue = () => t.app.inject({ method: 'POST', url: '/v1/realtime/tickets', headers: admin.headers });
    const fresh = (await issue()).json<{ ticket: string }>().ticket;
    await (await openSocket(address, { ticket: fresh })).close();
    const late = (await issue()).json<{ ticket: string }>().ticket;
    await new Promise((resolve) => setTimeout(resolve, ticketTtlMs + 200));
    const refused = await refusalOf(openSocket(address, { ticket: late }));
    expect(refused.status).toBe(401);
  });

  it('stops the reply being written with a stop frame: ok, and what was said is kept as the reply', async () => {
    openai.respondWith({ replyTokens: tokens, tokenDelayMs: 50 });
    const conversation = await createConversation(t.app, admin, agentId);
    const socket = await watch(conversation.id);
    socket.send({
      type: 'send',
      id: 'send',
      conversationId: conversation.id,
      content: 'Go',
      clientMessageId: 'stop-1',
    });
    const replyId = String((await answerTo(socket, 'send')).replyMessageId);
    await socket.next((frame) => frame.type === 'text-delta' && frame.delta === tokens[2]);

    socket.send({ type: 'stop', id: 'stop', conversationId: conversation.id });
    expect(await answerTo(socket, 'stop')).toMatchObject({ type: 'ok', messageId: replyId });
    const finished = await socket.next((frame) => frame.type === 'finished' && isReplyFrame(replyId)(frame));
    const said = (finished.message as { content: string }).content;
    expect(finished.message).toMatchObject({ status: 'stopped', finishReason: 'stopped' });
    expect(said.length).toBeLessThan(tokens.join('').length);
    expect(tokens.join('').startsWith(said)).toBe(true);
    expect((await historyOf(conversation.id)).at(-1)).toMatchObject({ id: replyId, content: said });
    await socket.close();
  });

  it("retries a failed reply with a retry frame: ok, and the new attempt's events follow", async () => {
    openai.respondWith({ error: { status: 503 } });
    const conversation = await createConversation(t.app, admin, agentId);
    const socket = await watch(conversation.id);
    socket.send({
      type: 'send',
      id: 'send',
      conversationId: conversation.id,
      content: 'Hi',
      clientMessageId: 'retry-1',
    });
    const replyId = String((await answerTo(socket, 'send')).replyMessageId);
    await socket.next((frame) => frame.type === 'error' && isReplyFrame(replyId)(frame));
    expect((await historyOf(conversation.id)).at(-1)).toMatchObject({ id: replyId, status: 'error' });

    openai.respondWith({ replyTokens: ['Second', ' try'] });
    const from = socket.frames.length;
    socket.send({ type: 'retry', id: 'retry', conversationId: conversation.id, messageId: replyId });
    expect(await answerTo(socket, 'retry')).toMatchObject({ type: 'ok', messageId: replyId });
    const finished = await socket.next((frame) => frame.type === 'finished' && isReplyFrame(replyId)(frame), from);
    expect(finished.message).toMatchObject({ status: 'complete', content: 'Second try' });
    // The retry of someone else's reply, or of one that did not fail, is refused as over HTTP.
    socket.send({ type: 'retry', id: 'again', conversationId: conversation.id, messageId: replyId });
    expect(await answerTo(socket, 'again')).toMatchObject({ type: 'error', code: 'conflict' });
    await socket.close();
  });

  it('relays typing at most once per throttle window per socket and conversation', async () => {
    const conversation = await createConversation(t.app, admin, agentId);
    const [typist, reader] = await Promise.all([watch(conversation.id), watch(conversation.id)]);
    const typingsHeard = () => reader.frames.filter((frame) => frame.type === 'typing').length;
    for (let round = 0; round < 5; round += 1) typist.send({ type: 'typing', conversationId: conversation.id });
    typist.send({ type: 'ping', id: 'burst' });
    await answerTo(typist, 'burst');
    await reader.next((frame) => frame.type === 'typing');
    // The rest of the burst fell inside the window: the reader's ping answer comes after any relayed typing.
    reader.send({ type: 'ping', id: 'reader-1' });
    await answerTo(reader, 'reader-1');
    expect(typingsHeard()).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, typingThrottleMs + 100));
    typist.send({ type: 'typing', conversationId: conversation.id });
    await reader.next((frame) => frame.type === 'typing', reader.frames.findIndex((f) => f.type === 'typing') + 1);
    expect(typingsHeard()).toBe(2);
    await Promise.all([typist.close(), reader.close()]);
  });

  it('replays a log longer than a page, page after page: every event once, in order, the rename in its place', async () => {
    openai.respondWith({ replyTokens: ['Fine.'] });
    const conversation = await createConversation(t.app, admin, agentId);
    const sendOne = async (content: string) => {
      const sent = await t.app.inject({
        method: 'POST',
        url: `/v1/conversations/${conversation.id}/messages`,
        headers: { ...admin.headers, accept: 'application/json' },
        payload: { content },
      });
      expect(sent.statusCode).toBe(201);
    };
    for (const content of ['one', 'two', 'three']) await sendOne(content);
    const renamed = await t.app.inject({
      method: 'PATCH',
      url: `/v1/conversations/${conversation.id}`,
      headers: admin.headers,
      payload: { title: 'Paged' },
    });
    expect(renamed.statusCode).toBe(200);
    for (const content of ['four', 'five']) await sendOne(content);
    const stored = await historyOf(conversation.id);
    expect(stored).toHaveLength(10);

    for (const after of [0, 4]) {
      const socket = await openSocket(address, { headers: admin.headers });
      socket.send({ type: 'subscribe', id: 'replay', conversationId: conversation.id, after });
      const subscribed = await answerTo(socket, 'replay');
      // The log's events (a reply whose end is on a later page also brings its stream's parts, under its seq).
      const replayed = socket.frames.filter(
        (frame) =>
          typeof frame.seq === 'number' &&
          frame.type !== 'subscribed' &&
          !(typeof frame.part === 'number' && frame.part > 0),
      );
      const logFrames = socket.frames.filter((frame) => typeof frame.seq === 'number' && frame.type !== 'subscribed');
      // Failed once in CI on a loaded machine, not since: the frames as they came say where the order broke.
      expect(
        isInLogOrder(logFrames),
        JSON.stringify(logFrames.map((frame) => [frame.seq, frame.part ?? null, frame.type])),
      ).toBe(true);
      const seqs = replayed.map((frame) => frame.seq!);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
      expect(seqs.every((seq) => seq > after)).toBe(true);
      expect(subscribed.seq).toBe(seqs.at(-1));
      // Every event of the log after `after`, each seq once (a reply's start and end are two), and each
      // message's latest state among them.
      expect(seqs).toEqual(seqs.map((_, index) => after + 1 + index));
      const ids = replayed
        .filter((frame) => frame.type === 'message-created' || frame.type === 'finished')
        .map((frame) => (frame.message as { id: string }).id);
      expect(ids).toEqual(stored.filter((message) => message.seq > after).map((message) => message.id));
      // The rename last; before it, the title job's title if that came first and after `after`.
      const updates = replayed.filter((frame) => frame.type === 'conversation-updated');
      expect(updates.at(-1)).toMatchObject({ changes: { title: 'Paged' } });
      await socket.close();
    }
  });

  it('answers a binary frame with bad_frame and a sentence, and keeps the socket open', async () => {
    const socket = await openSocket(address, { headers: admin.headers });
    socket.ws.send(Buffer.from(JSON.stringify({ type: 'ping', id: 'binary' })), { binary: true });
    const refused = await socket.next((frame) => frame.type === 'error');
    expect(refused).toMatchObject({ code: 'bad_frame' });
    expect(String(refused.message)).toContain('binary frames are not accepted');
    socket.send({ type: 'ping', id: 'text' });
    expect(await answerTo(socket, 'text')).toMatchObject({ type: 'pong' });
    await socket.close();
  });
});
