import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interruptedReply } from '../../src/modules/chat/index.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { eventually } from '../harness/chat-setup.js';
import { clockSkewedBy, createScaledOutNodes, isScaledOut, type ScaledOutNodes } from '../harness/scaled-out-nodes.js';
import {
  answerTo,
  dedupeByLogPosition,
  isInLogOrder,
  isReplyFrame,
  logPositionOf,
  openSocket,
  type Frame,
  type TestSocket,
} from './realtime-client.js';

/**
 * Two real `parley serve` processes on one PostgreSQL database and one Redis, as behind a load balancer
 * with no sticky sessions: a reply written by node B reaches a socket on node A token by token, a
 * socket resuming on A mid-reply gets no gap and no duplicate, and when B is killed (-9) mid-reply the
 * lease sweep marks the reply interrupted and A's watcher hears its final `error`. Node B's clock runs
 * 2 s ahead and node C's 2 s behind (libfaketime): the order every watcher sees owes nothing to clocks.
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
  let nodeC: string;
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
    nodeB = await cluster.start(clockSkewedBy('+2s'));
    nodeC = (await cluster.start(clockSkewedBy('-2s'))).baseUrl;
    // The skew is real: each node's Date header says its own time (to the second).
    const clockOf = async (address: string) => Date.parse((await fetch(`${address}/health`)).headers.get('date')!);
    expect((await clockOf(nodeB.baseUrl)) - (await clockOf(nodeC))).toBeGreaterThanOrEqual(3_000);

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
    expect(isInLogOrder(events)).toBe(true);
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
    expect(isInLogOrder(resumed)).toBe(true);
    const all = dedupeByLogPosition([...kept, ...resumed]);
    expect(isInLogOrder(all)).toBe(true);
    expect(deltasOf(all).map((frame) => frame.delta)).toEqual(tokens);
    await second.close();
  });

  it('gives every watcher on every node one order, clocks 2 s apart: a reply on B, a rename on C meanwhile, a reply on A; live and after a resume', async () => {
    const conversationId = await newConversation();
    const [onA, onB, onC] = await Promise.all([
      openSocket(nodeA, { headers }),
      openSocket(nodeB.baseUrl, { headers }),
      openSocket(nodeC, { headers }),
    ]);
    await Promise.all([onA, onB, onC].map((socket) => subscribe(socket, conversationId)));
    const first = await sendThroughB(conversationId, 'two-nodes-order-1');
    // Renamed on C (4 s behind B) while B writes the reply: the rename's seq lands between the reply's
    // start and end, whatever the clocks say.
    await eventually(async () => (deltasOf(onB.frames).length >= 3 ? true : undefined), 60_000);
    const renamed = await fetch(`${nodeC}/v1/conversations/${conversationId}`, {
      method: 'PATCH',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Renamed on C' }),
    });
    expect(renamed.status).toBe(200);
    const finishedOn = (socket: TestSocket, replyId: string) =>
      socket.next((frame) => frame.type === 'finished' && isReplyFrame(replyId)(frame));
    await Promise.all([onA, onB, onC].map((socket) => finishedOn(socket, first.replyId)));
    const writer = await openSocket(nodeA, { headers });
    writer.send({
      type: 'send',
      id: 'a',
      conversationId,
      content: 'Again, on A',
      clientMessageId: 'two-nodes-order-2',
    });
    const second = String((await answerTo(writer, 'a')).replyMessageId);
    await Promise.all([onA, onB, onC].map((socket) => finishedOn(socket, second)));

    const live = eventsOf(onA, conversationId);
    const onBLive = eventsOf(onB, conversationId);
    // The log's events (and each reply's start) in one order on both nodes; each reply's stream whole
    // on both. Where a stream's parts fall between later log events is timing, not order.
    const logOf = (frames: Frame[]) =>
      frames
        .filter((frame) => !(typeof frame.part === 'number' && frame.part > 0))
        .map((frame) => [frame.type, frame.seq]);
    const streamsOf = (frames: Frame[]) =>
      frames
        .filter((frame) => typeof frame.part === 'number')
        .map((frame) => [frame.seq, frame.part, frame.delta ?? null]);
    const onCLive = eventsOf(onC, conversationId);
    for (const other of [onBLive, onCLive]) {
      expect(isInLogOrder(other)).toBe(true);
      expect(logOf(other)).toEqual(logOf(live));
      expect(streamsOf(other)).toEqual(streamsOf(live));
    }
    expect(isInLogOrder(live)).toBe(true);
    const rename = live.filter((frame) => frame.type === 'conversation-updated');
    expect(rename).toHaveLength(1);
    expect(rename[0]).toMatchObject({ changes: { title: 'Renamed on C' } });
    const [started] = live.filter((frame) => frame.type === 'message-started');
    expect(rename[0]!.seq).toBeGreaterThan(started!.seq!);
    expect(rename[0]!.seq).toBeLessThan(live.find((frame) => frame.type === 'finished')!.seq!);
    expect(deltasOf(live).map((frame) => frame.delta)).toEqual([...tokens, ...tokens]);
    // The log has no hole: every seq from the first to the last is some event's (a stream shares one).
    const seqs = [...new Set(live.map((frame) => frame.seq!))].sort((a, b) => a - b);
    expect(seqs).toEqual(seqs.map((_, index) => seqs[0]! + index));

    // A client that kept the log up to any point resumes on any node: the events since, as they happened
    // and as the live watchers got them (each reply's start and end, the rename in its place), each once.
    const messageIdOf = (frame: Frame): string =>
      typeof frame.messageId === 'string'
        ? frame.messageId
        : ((frame.message as { id: string } | undefined)?.id ?? frame.type);
    const nodes = [nodeA, nodeB.baseUrl, nodeC];
    let resumer: TestSocket | undefined;
    for (let after = seqs[0]! - 1; after < seqs.at(-1)!; after += 1) {
      resumer = await openSocket(nodes[after % nodes.length]!, { headers });
      const subscribed = await subscribe(resumer, conversationId, after);
      expect(subscribed.seq).toBe(live.at(-1)!.seq);
      const resumed = eventsOf(resumer, conversationId);
      expect(isInLogOrder(resumed)).toBe(true);
      const logged = live.filter((frame) => frame.seq! > after && !(typeof frame.part === 'number' && frame.part > 0));
      expect(resumed.map(logPositionOf), `resumed after ${after}`).toEqual(logged.map(logPositionOf));
      expect(resumed.map((frame) => [frame.type, messageIdOf(frame)])).toEqual(
        logged.map((frame) => [frame.type, messageIdOf(frame)]),
      );
      await resumer.close();
    }
    await Promise.all([onA.close(), onB.close(), onC.close(), writer.close()]);
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
