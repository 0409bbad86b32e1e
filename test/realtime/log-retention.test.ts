import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMaintenanceModule } from '../../src/modules/maintenance/index.js';
import { createLogger } from '../../src/platform/logger.js';
import { createDirectoryStorage } from '../../src/platform/storage/index.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { answerTo, openSocket, type Frame } from './realtime-client.js';

/**
 * The conversation log's retention (docs/realtime.md): the sweep drops events past 30 days, and a resume
 * from before the oldest one kept gets one `snapshot` frame, then the log it keeps; never a silent jump.
 */
describe("the conversation log's retention", () => {
  let openai: FakeOpenAIServer;
  let t: TestApp;
  let admin: SignedInUser;
  let agentId: string;
  let address: string;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer({ replyTokens: ['Kept', ' a while'] });
    t = await buildTestApp({ OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: 'sk-retention' });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    agentId = (await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini' })).id;
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t?.close();
    await openai?.close();
  });

  const send = async (conversationId: string, content: string) => {
    const sent = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversationId}/messages`,
      headers: { ...admin.headers, accept: 'application/json' },
      payload: { content },
    });
    expect(sent.statusCode, sent.body).toBe(201);
  };
  const resume = async (conversationId: string, after: number) => {
    const socket = await openSocket(address, { headers: admin.headers });
    socket.send({ type: 'subscribe', id: 'r', conversationId, after });
    const subscribed = await answerTo(socket, 'r');
    await socket.close();
    const frames = socket.frames.filter((frame: Frame) => typeof frame.seq === 'number' && frame.type !== 'subscribed');
    return { frames, seq: Number(subscribed.seq) };
  };

  it('answers a resume from before the kept log with a snapshot, then the events it keeps', async () => {
    const conversation = await createConversation(t.app, admin, agentId);
    await send(conversation.id, 'Long ago');
    const renamed = await t.app.inject({
      method: 'PATCH',
      url: `/v1/conversations/${conversation.id}`,
      headers: admin.headers,
      payload: { title: 'Old times' },
    });
    expect(renamed.statusCode).toBe(200);
    const { seq: prunedThrough } = await resume(conversation.id, 0);
    // A month passes: every event so far is past retention, and the sweep drops them.
    await t.database.executeSql(
      `update conversation_events set created_at = created_at - interval '31 days' where conversation_id = $1`,
      [conversation.id],
    );
    const sweeper = createMaintenanceModule({
      db: t.database.db,
      logger: createLogger({ level: 'silent' }),
      modelTimeoutMs: 60_000,
      storage: createDirectoryStorage(t.config.filesDir),
    });
    expect((await sweeper.service.sweep()).conversationEvents).toBe(prunedThrough);
    await send(conversation.id, 'Lately');

    const { frames, seq } = await resume(conversation.id, 0);
    expect(frames[0]).toMatchObject({
      type: 'snapshot',
      conversationId: conversation.id,
      seq: prunedThrough,
      conversation: { title: 'Old times', archived: false, projectId: null },
    });
    expect(frames.slice(1).map((frame) => [frame.type, frame.seq])).toEqual([
      ['message-created', prunedThrough + 1],
      ['message-started', prunedThrough + 2],
      ['finished', prunedThrough + 3],
    ]);
    expect(seq).toBe(prunedThrough + 3);
    // From within the kept log: its events, no snapshot.
    const kept = await resume(conversation.id, prunedThrough);
    expect(kept.frames.map((frame) => frame.type)).toEqual(['message-created', 'message-started', 'finished']);
  });
});
