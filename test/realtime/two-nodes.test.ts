import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interruptedReply } from '../../src/modules/chat/index.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { eventually } from '../harness/chat-setup.js';
import { createScaledOutNodes, isScaledOut, type ScaledOutNodes } from '../harness/scaled-out-nodes.js';
import {
  answerTo,
  dedupeByLogPosition,
  isInStrictLogOrder,
  isReplyFrame,
  openSocket,
  type Frame,
  type TestSocket,
} from './realtime-client.js';

/**
 * Two real `parley serve` processes on one PostgreSQL database and one Redis, as behind a load balancer
 * with no sticky sessions: a reply written by node B reaches a socket on node A token by token, a
 * socket resuming on A mid-reply gets no gap and no duplicate, and when B is killed (-9) mid-reply the
 * lease sweep marks the reply interrupted and A's watcher hears its final `error`.
 */
// A slow reply, so there is time to act while it is written: 40 tokens, 100 ms apart.
const tokens = Array.from({ length: 40 }, (_, index) => ` t${index}`);
// The sweep every half second, a lease stale after 3 s (renewed every 750 ms): a killed node's reply
// is marked interrupted within about 4 s, not the 90 s + 60 s of production.
const leaseStaleMs = 3_000;

describe.skipIf(!isScaledOut)('realtime across two server processes', { timeout: 120_000 }, () => {
  let fake: FakeOpenAIServer;
  let cluster: ScaledOutNodes | undefined;
  let nodeA: string;
  let nodeB: { child: ChildProcess; baseUrl: string };
  let headers: Record<string, string>;
  let agentId: string;

  beforeAll(async () => {
    fake = await startFakeOpenAIServer({ replyTokens: tokens, tokenDelayMs: 100 });
    cluster = await createScaledOutNodes('two-nodes', {
      OPENAI_API_KEY: 'sk-two-nodes',
      OPENAI_BASE_URL: fake.baseUrl,
      MAINTENANCE_SWEEP_INTERVAL_MS: '500',
      REPLY_LEASE_STALE_MS: String(leaseStaleMs),
    });
    nodeA = (await cluster.start()).baseUrl;
    nodeB = await cluster.start();

    const json = { 'content-type': 'application/json' };
    const post = (url: string, body: object, extra: Record<string, string> = {}) =>
      fetch(`${nodeA}${url}`, { method: 'POST', headers: { ...json, ...extra }, body: JSON.stringify(body) });
    const registered = await post('/v1/auth/register', {
      email: 'two-nodes@example.test',
      password: 'a long password',
    });
    expect(registered.status, await registered.clone().text()).toBe(201);
    const session = (await registered.json()) as { accessToken: string };
    headers = { authorization: `Bearer ${session.accessToken}` };
    const agent = (await (
      await post('/v1/agents', { name: 'Slow', instructions: 'Be slow.', model: 'openai:gpt-4o-mini' }, headers)
    ).json()) as { id: string };
    agentId = agent.id;
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    await fake?.close();
  }, 120_000);

  const newConversation = async (): Promise<string> => {
    const response = await fetch(`${nodeA}/v1/conversations`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ agentId }),
    });
    return ((await response.json()) as { id: string }).id;
  };

  const subscribe = async (socket: TestSocket, conversationId: string, after?: number) => {
    const id = `sub-${randomBytes(4).toString('hex')}`;
    socket.send({ type: 'subscribe', id, conversationId, ...(after !== undefined && { after }) });
    return answerTo(socket, id);
  };

  /** Sends over a socket on node B; answers the reply's id. */
  const sendThroughB = async (conversationId: string, clientMessageId: string): Promise<{ replyId: string }> => {
    const writer = await openSocket(nodeB.baseUrl, { headers });
    writer.send({ type: 'send', id: 's', conversationId, content: 'Count slowly', clientMessageId });
    const accepted = await answerTo(writer, 's');
    expect(accepted.type, JSON.stringify(accepted)).toBe('accepted');
    // Its own events are not what is tested: the socket may go, the turn goes on.
    void writer.close();
    return { replyId: String(accepted.replyMessageId) };
  };

  const eventsOf = (socket: TestSocket, conversationId: string) =>
    socket.frames.filter(
      (frame) =>
        frame.conversationId === conversationId && typeof frame.seq === 'number' && frame.type !== 'subscribed',
    );
  const deltasOf = (frames: Frame[]) => frames.filter((frame) => frame.type === 'text-delta');

  it('delivers on node A every delta of a reply node B writes, in order', async () => {
    const conversationId = await newConversation();
    const watcher = await openSocket(nodeA, { headers });
    await subscribe(watcher, conversationId);
    const { replyId } = await sendThroughB(conversationId, 'two-nodes-1');
    const finished = await watcher.next((frame) => frame.type === 'finished' && isReplyFrame(replyId)(frame));
    expect(finished).toMatchObject({ message: { status: 'complete', content: tokens.join('') } });
    const events = eventsOf(watcher, conversationId);
    expect(events.map((frame) => frame.type)).toEqual([
      'message-created',
      'message-started',
      ...tokens.map(() => 'text-delta'),
      'finished',
    ]);
    expect(deltasOf(events).map((frame) => frame.delta)).toEqual(tokens);
    // (seq, part) strictly increasing: the reply's stream is one seq with parts 0…40, none skipped.
    expect(isInStrictLogOrder(events)).toBe(true);
    const stream = events.filter((frame) => typeof frame.part === 'number');
    expect(stream.map((frame) => frame.part)).toEqual([0, ...tokens.map((_, index) => index + 1)]);
    await watcher.close();
  });

  it("resumes on node A with after in the middle of node B's reply: no gap, each part once by (seq, part)", async () => {
    const conversationId = await newConversation();
    const first = await openSocket(nodeA, { headers });
    await subscribe(first, conversationId);
    const { replyId } = await sendThroughB(conversationId, 'two-nodes-2');
    await eventually(async () => (deltasOf(first.frames).length >= 5 ? true : undefined), 60_000);
    await first.close();
    // The client lost the last two events it got, as a network drop would.
    const kept = eventsOf(first, conversationId).slice(0, -2);

    const second = await openSocket(nodeA, { headers });
    const subscribed = await subscribe(second, conversationId, kept.at(-1)!.seq);
    expect(subscribed.type).toBe('subscribed');
    await second.next((frame) => frame.type === 'finished' && isReplyFrame(replyId)(frame));
    // The new socket gets each part once (the reply again from its start, as `after` is a seq); the
    // client keeps each (seq, part) once.
    const resumed = eventsOf(second, conversationId);
    expect(isInStrictLogOrder(resumed)).toBe(true);
    const all = dedupeByLogPosition([...kept, ...resumed]);
    expect(isInStrictLogOrder(all)).toBe(true);
    expect(deltasOf(all).map((frame) => frame.delta)).toEqual(tokens);
    await second.close();
  });

  it("tells node A's watcher the final error when node B is killed mid-reply; nothing is lost or doubled", async () => {
    const conversationId = await newConversation();
    const watcher = await openSocket(nodeA, { headers });
    await subscribe(watcher, conversationId);
    const { replyId } = await sendThroughB(conversationId, 'two-nodes-3');
    await eventually(async () => (deltasOf(watcher.frames).length >= 5 ? true : undefined), 60_000);
    const exited = once(nodeB.child, 'exit');
    nodeB.child.kill('SIGKILL');
    await exited;
    const heard = deltasOf(watcher.frames).map((frame) => String(frame.delta));

    const final = await watcher.next((frame) => frame.type === 'error' && isReplyFrame(replyId)(frame));
    expect(final).toMatchObject({
      conversationId,
      code: interruptedReply.code,
      reply: { id: replyId, status: 'error' },
    });
    expect(final.seq).toBeGreaterThan(deltasOf(watcher.frames).at(-1)!.seq!);

    // The database holds the message once and the reply once, marked interrupted, with a beginning of
    // what was said (at most one lease round of text lost) and never more than was said.
    const response = await fetch(`${nodeA}/v1/conversations/${conversationId}/messages`, { headers });
    const { items } = (await response.json()) as {
      items: { id: string; role: string; status: string; content: string }[];
    };
    expect(items.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(items[1]).toMatchObject({ id: replyId, status: 'error' });
    expect(heard.join('').startsWith(items[1]!.content)).toBe(true);

    // Sending the same message again (a client retrying after the drop) makes no second message.
    const resend = await openSocket(nodeA, { headers });
    resend.send({ type: 'send', id: 'again', conversationId, content: 'Count slowly', clientMessageId: 'two-nodes-3' });
    expect(await answerTo(resend, 'again')).toMatchObject({
      type: 'accepted',
      replyMessageId: replyId,
      isReplay: true,
    });
    const after = (await (await fetch(`${nodeA}/v1/conversations/${conversationId}/messages`, { headers })).json()) as {
      items: unknown[];
    };
    expect(after.items).toHaveLength(2);
    await Promise.all([watcher.close(), resend.close()]);
  });
});
