import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, eventually } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { answerTo, openSocket, type Frame } from './realtime-client.js';

// A long reply: 2,000 deltas of 4,000 characters (~8 MB of frames), more than the kernel's socket
// buffers hold for a client that does not read (some 4 MB on loopback), so the server's own queue must
// grow. A millisecond apart, so a client that reads keeps up.
const tokens = Array.from({ length: 2_000 }, (_, index) => `${String(index).padStart(5, '0')}${'.'.repeat(3_995)}`);
const bufferMaxBytes = 512 * 1024;

/**
 * A client that stops reading while a long reply streams is closed (4009) once the frames waiting to be
 * sent to it pass REALTIME_BUFFER_MAX_BYTES, without holding up anyone else; it comes back with `after`.
 */
describe('a slow reader of the realtime socket', { timeout: 120_000 }, () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let admin: SignedInUser;
  let agentId: string;
  let address: string;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer({ replyTokens: tokens, tokenDelayMs: 1 });
    t = await buildTestApp(
      {
        OPENAI_BASE_URL: openai.baseUrl,
        OPENAI_API_KEY: 'sk-slow-reader',
        MODEL_TIMEOUT_MS: '120000',
        MODEL_STALL_TIMEOUT_MS: '120000',
      },
      { realtime: { bufferMaxBytes } },
    );
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    agentId = (await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini' })).id;
    address = await t.app.listen({ port: 0, host: '127.0.0.1' });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await openai?.close();
  }, 120_000);

  it('closes a client that stops reading with 4009 past the bound; it resumes with after', async () => {
    const conversation = await createConversation(t.app, admin, agentId);
    const slow = await openSocket(address, { headers: admin.headers });
    // Another admin of the tenant watches too: they get the conversation's events only, not its owner's
    // own channel (whose last frames, after the 8 MB `finished`, could find even a reader's queue full).
    const reader = await openSocket(address, { headers: (await createUser(t.app, admin, 'tenant_admin')).headers });
    for (const [socket, id] of [
      [slow, 'slow'],
      [reader, 'reader'],
    ] as const) {
      socket.send({ type: 'subscribe', id, conversationId: conversation.id });
      await answerTo(socket, id);
    }
    // The client stops reading: its TCP socket is paused (ws keeps it as `_socket`), as a stalled
    // browser tab's would be.
    const tcp = (slow.ws as unknown as { _socket: Socket })._socket;
    tcp.pause();

    const sending = t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/messages`,
      headers: { ...admin.headers, accept: 'application/json' },
      payload: { content: 'Say a lot' },
    });
    // The server gives up on the slow socket: it starts closing it while the reply still streams.
    await eventually(
      async () =>
        [...t.app.websocketServer.clients].some((client) => client.readyState === client.CLOSING) ? true : undefined,
      60_000,
    );
    // The client reads again, within the server's grace: what was queued, then the close and its code.
    tcp.resume();
    const closed = await slow.closed;
    expect(closed.code).toBe(4009);
    expect(closed.reason).toContain('after');

    const sent = await sending;
    expect(sent.statusCode, sent.body).toBe(201);
    const replyId = sent.json<{ assistantMessage: { id: string } }>().assistantMessage.id;
    // The reading client was not cut: it got every delta, then the reply whole.
    const finished = await reader.next((frame) => frame.type === 'finished' && frame.messageId === replyId);
    expect((finished.message as { content: string }).content).toBe(tokens.join(''));
    expect(reader.frames.filter((frame) => frame.type === 'text-delta')).toHaveLength(tokens.length);

    const got = slow.frames.filter(
      (frame) => frame.conversationId === conversation.id && typeof frame.seq === 'number',
    );
    expect(got.some((frame) => frame.type === 'finished')).toBe(false);
    const lastSeq = got.at(-1)?.seq ?? 0;

    // Back with `after`: the events it missed, which end with the reply's `finished`, the reply whole.
    const back = await openSocket(address, { headers: admin.headers });
    back.send({ type: 'subscribe', id: 'back', conversationId: conversation.id, after: lastSeq });
    await answerTo(back, 'back');
    const replayed = back.frames.filter((frame: Frame) => frame.type === 'finished');
    const reply = replayed.map((frame) => frame.message as { id: string; content: string }).at(-1);
    expect(reply).toMatchObject({ id: replyId, content: tokens.join('') });
    await Promise.all([back.close(), reader.close()]);
  });
});
