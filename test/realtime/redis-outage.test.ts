import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { startCuttableRedis } from '../harness/cuttable-redis.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { testStorage } from '../harness/test-database.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { answerTo, isReplyFrame, openSocket, type TestSocket } from './realtime-client.js';

const isScaledOut = testStorage === 'postgres' && Boolean(process.env.TEST_REDIS_URL);
const outageLine = 'realtime events do not reach other nodes';

/**
 * Two nodes whose Redis goes away (a TCP relay the test cuts) and comes back: the node writing a reply
 * keeps serving its own sockets and says so once in its log; once Redis is back, the other node's
 * subscribers catch up on what they missed (as a client resuming with `after` does), and events cross
 * between nodes again.
 */
describe.skipIf(!isScaledOut)('realtime while Redis is unreachable', { timeout: 120_000 }, () => {
  let redis: Awaited<ReturnType<typeof startCuttableRedis>>;
  let openai: FakeOpenAIServer;
  let writer: TestApp;
  let other: TestApp;
  let admin: SignedInUser;
  let agentId: string;
  const writerLog: { msg?: string }[] = [];

  beforeAll(async () => {
    redis = await startCuttableRedis(new URL(process.env.TEST_REDIS_URL!));
    openai = await startFakeOpenAIServer({ replyTokens: ['Still', ' served', ' here'] });
    const env = { OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-outage', LOG_LEVEL: 'info' };
    writer = await buildTestApp(env, {
      redisUrl: redis.url,
      logDestination: { write: (line: string) => void writerLog.push(JSON.parse(line) as { msg?: string }) },
    });
    other = await buildTestApp(
      { ...env, LOG_LEVEL: 'silent' },
      { redisUrl: redis.url, sharedDatabase: writer.database },
    );
    admin = await createTenantWithAdmin(writer.app, await registerPlatformAdmin(writer.app));
    agentId = (await createAgent(writer.app, admin, { model: 'openai:gpt-4o-mini' })).id;
  }, 120_000);
  afterAll(async () => {
    await redis?.restore();
    await other?.close();
    await writer?.close();
    await openai?.close();
  });

  const listen = (t: TestApp) => t.app.listen({ port: 0, host: '127.0.0.1' });
  const send = (conversationId: string, content: string) =>
    writer.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...admin.headers, accept: 'application/json' },
      payload: { content },
    });
  const subscribe = async (socket: TestSocket, conversationId: string, id: string, after?: number) => {
    socket.send({ type: 'subscribe', id, conversationId, ...(after !== undefined && { after }) });
    return answerTo(socket, id);
  };
  const logged = (text: string) => writerLog.filter((line) => line.msg?.includes(text));

  it("keeps serving a node's own sockets, logs once, and its clients elsewhere catch up with after", async () => {
    const [writerAddress, otherAddress] = [await listen(writer), await listen(other)];
    const conversation = await createConversation(writer.app, admin, agentId);
    const near = await openSocket(writerAddress, { headers: admin.headers });
    const far = await openSocket(otherAddress, { headers: admin.headers });
    await subscribe(near, conversation.id, 'near');
    const { seq: farSeq } = await subscribe(far, conversation.id, 'far');

    await redis.cut();
    for (const content of ['During the outage', 'Still during it']) {
      const sent = await send(conversation.id, content);
      expect(sent.statusCode, sent.body).toBe(201);
      const replyId = sent.json<{ assistantMessage: { id: string } }>().assistantMessage.id;
      // The writer's own socket hears the reply whole, without Redis.
      const finished = await near.next((frame) => frame.type === 'finished' && isReplyFrame(replyId)(frame));
      expect(finished).toMatchObject({ message: { content: 'Still served here' } });
    }
    // Two replies' worth of events failed to reach Redis: said once.
    await eventually(async () => (logged(outageLine).length > 0 ? true : undefined));
    expect(logged(outageLine)).toHaveLength(1);
    expect(far.frames.some((frame) => frame.type === 'finished')).toBe(false);

    await redis.restore();
    const missedContents = ['During the outage', 'Still served here', 'Still during it', 'Still served here'];
    // The messages as stored: the user's as created, each reply as it finished.
    const createdContents = (socket: TestSocket) =>
      socket.frames
        .filter((frame) => frame.type === 'message-created' || frame.type === 'finished')
        .map((frame) => (frame.message as { content: string }).content);
    // Once Redis is back, the far node's subscribers catch up on their own: the events they missed, from
    // the conversation's log, each once.
    await eventually(async () => (createdContents(far).length >= 4 ? true : undefined), 60_000);
    expect(createdContents(far)).toEqual(missedContents);
    // A client that reconnects instead resumes from the last seq it had, with the same result.
    await far.close();
    const back = await openSocket(otherAddress, { headers: admin.headers });
    await subscribe(back, conversation.id, 'back', farSeq);
    expect(createdContents(back)).toEqual(missedContents);

    // Once Redis answers again, a reply written on one node is live on the other, and the log says so.
    await eventually(
      async () => {
        const sent = await send(conversation.id, 'After the outage');
        const replyId = sent.json<{ assistantMessage: { id: string } }>().assistantMessage.id;
        const arrived = await Promise.race([
          back.next((frame) => frame.type === 'finished' && isReplyFrame(replyId)(frame)).then(() => true),
          new Promise<undefined>((resolve) => setTimeout(resolve, 2_000)),
        ]);
        return arrived;
      },
      60_000,
      0,
    );
    await eventually(async () => (logged('reach other nodes again').length > 0 ? true : undefined));
    await Promise.all([near.close(), back.close()]);
  });
});
