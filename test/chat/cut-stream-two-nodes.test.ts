import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interruptedReply } from '../../src/modules/chat/index.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { signUpOverHttp, type HttpAccount } from '../harness/http-account.js';
import { followReply, hasFinished, readStream, replyIdOf, type StreamEvent } from '../harness/cut-streams.js';
import {
  createScaledOutNodes,
  isScaledOut,
  type ScaledOutNode,
  type ScaledOutNodes,
} from '../harness/scaled-out-nodes.js';

/**
 * A reply's stream cut short, on two real `parley serve` nodes over one PostgreSQL and one Redis: the
 * client tells the cut from a finish (no `finish` part), and resumes the same reply on the other node
 * through `…/stream` with the last event id its send's stream gave, to the reply's outcome. The client
 * is direct failover (it asks the node it knows is up), as the console's transport does through a
 * balancer.
 */
// A slow reply: 40 tokens, 100 ms apart.
const tokens = Array.from({ length: 40 }, (_, index) => ` w${index}`);
// A killed node's reply is settled within about 3.5 s here (a lease stale after 3 s, the sweep every
// half second), not the 90 s + 60 s of the defaults.
const leaseStaleMs = 3_000;
const sweepIntervalMs = 500;

describe.skipIf(!isScaledOut)('a cut reply stream resumed on another node', { timeout: 120_000 }, () => {
  let fake: FakeOpenAIServer;
  let cluster: ScaledOutNodes | undefined;
  let nodeA: ScaledOutNode;
  let nodeB: ScaledOutNode;
  let account: HttpAccount;
  let headers: Record<string, string>;

  beforeAll(async () => {
    fake = await startFakeOpenAIServer({ replyTokens: tokens, tokenDelayMs: 100 });
    cluster = await createScaledOutNodes('cut-stream', {
      OPENAI_API_KEY: 'sk-cut-stream',
      OPENAI_BASE_URL: fake.baseUrl,
      MAINTENANCE_SWEEP_INTERVAL_MS: String(sweepIntervalMs),
      REPLY_LEASE_STALE_MS: String(leaseStaleMs),
    });
    nodeA = await cluster.start();
    nodeB = await cluster.start();
    account = await signUpOverHttp(nodeA.baseUrl, 'cut-stream');
    headers = account.headers;
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    await fake?.close();
  }, 120_000);

  const newConversation = () => account.newConversation();

  const sendTo = (node: ScaledOutNode, conversationId: string, content: string, signal?: AbortSignal) =>
    fetch(`${node.baseUrl}/v1/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'idempotency-key': `cut-${content}`,
      },
      body: JSON.stringify({ content }),
      ...(signal && { signal }),
    });

  const deltasIn = (events: readonly StreamEvent[]): string[] =>
    events.flatMap((event) =>
      event.data !== '[DONE]' && event.data.type === 'text-delta' ? [String(event.data.delta)] : [],
    );
  const deltaFrames = (frames: readonly Record<string, unknown>[]) =>
    frames.filter((frame) => frame.type === 'text-delta');

  it("resumes a stream its client dropped on the other node, from its last event id: the rest once, to the reply's finish", async () => {
    const conversationId = await newConversation();
    const dropped = new AbortController();
    const response = await sendTo(nodeB, conversationId, 'dropped', dropped.signal);
    expect(response.status).toBe(200);
    const read = await readStream(response, (_event, events) => {
      if (deltasIn(events).length === 6) dropped.abort();
    });
    expect(hasFinished(read)).toBe(false);
    // Every event of the stream has its place in the reply: `<seq>.<part>`.
    expect(read.lastEventId).toMatch(/^\d+\.6$/);
    const replyId = replyIdOf(read)!;

    const followed = await followReply(() => [nodeA.baseUrl], {
      conversationId,
      replyId,
      lastEventId: read.lastEventId,
      headers,
    });
    expect(followed.outcome).toMatchObject({ type: 'finished', message: { status: 'complete' } });
    // Nothing missing, nothing twice: what the send's stream gave, then the rest from the other node.
    const resumed = deltaFrames(followed.frames);
    expect(resumed[0]).toMatchObject({ part: 7 });
    expect([...deltasIn(read.events), ...resumed.map((frame) => String(frame.delta))]).toEqual(tokens);
  });

  it("ends a stopping node's followers at once, without the outcome, and they resume on another node to the reply's finish", async () => {
    // A third node, to stop: B writes the reply, C follows it, then C is stopped.
    const nodeC = await cluster!.start({ SHUTDOWN_GRACE_MS: '20000' });
    const conversationId = await newConversation();
    const sent = await sendTo(nodeB, conversationId, 'followed');
    const sending = readStream(sent);
    const stopped = once(nodeC.child, 'exit');
    let stoppedAt = 0;
    let replyId: string | undefined;
    for (let attempt = 0; !replyId && attempt < 50; attempt += 1) {
      const page = (await (
        await fetch(`${nodeA.baseUrl}/v1/conversations/${conversationId}/messages`, { headers })
      ).json()) as { items: { id: string; role: string }[] };
      replyId = page.items.find((message) => message.role === 'assistant')?.id;
      if (!replyId) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const follower = await fetch(`${nodeC.baseUrl}/v1/conversations/${conversationId}/messages/${replyId}/stream`, {
      headers: { ...headers, accept: 'text/event-stream' },
    });
    const followed = await readStream(follower, (_event, events) => {
      if (
        stoppedAt === 0 &&
        events.filter((event) => event.data !== '[DONE]' && event.data.type === 'text-delta').length === 3
      ) {
        stoppedAt = Date.now();
        nodeC.child.kill('SIGTERM');
      }
    });
    const endedAfterMs = Date.now() - stoppedAt;
    expect(stoppedAt).toBeGreaterThan(0);
    // Cut, not finished: no outcome frame, and long before the grace period (20 s) was over.
    const types = followed.events.map((event) => (event.data === '[DONE]' ? '[DONE]' : event.data.type));
    expect(types).not.toContain('finished');
    expect(types).not.toContain('error');
    expect(endedAfterMs).toBeLessThan(5_000);
    // The node did not wait for it: it stops as soon as its own work is done.
    await stopped;
    expect(Date.now() - stoppedAt).toBeLessThan(15_000);

    const resumed = await followReply(() => [nodeA.baseUrl], {
      conversationId,
      replyId: replyId!,
      lastEventId: followed.lastEventId,
      headers,
    });
    expect(resumed.outcome).toMatchObject({ type: 'finished', message: { status: 'complete' } });
    const frames = [
      ...followed.events.flatMap((event) => (event.data === '[DONE]' ? [] : [event.data])),
      ...resumed.frames,
    ];
    expect(deltaFrames(frames).map((frame) => String(frame.delta))).toEqual(tokens);
    expect(hasFinished(await sending)).toBe(true);
  });

  it("resumes a stream cut by its node's kill (-9) on the other node, and gets the reply's outcome: interrupted, with what was said", async () => {
    const conversationId = await newConversation();
    const exited = once(nodeB.child, 'exit');
    const response = await sendTo(nodeB, conversationId, 'killed');
    expect(response.status).toBe(200);
    let killedAt = 0;
    const read = await readStream(response, (_event, events) => {
      if (killedAt === 0 && deltasIn(events).length === 5) {
        killedAt = Date.now();
        nodeB.child.kill('SIGKILL');
      }
    });
    await exited;
    expect(hasFinished(read)).toBe(false);
    const replyId = replyIdOf(read)!;
    const heard = deltasIn(read.events);

    // The client asks the node that answers: B is gone, A follows the reply B left.
    const followed = await followReply(() => [nodeB.baseUrl, nodeA.baseUrl], {
      conversationId,
      replyId,
      lastEventId: read.lastEventId,
      headers,
    });
    const settledAfterMs = Date.now() - killedAt;
    expect(followed.outcome).toMatchObject({
      type: 'error',
      messageId: replyId,
      code: interruptedReply.code,
      message: interruptedReply.message,
      reply: { id: replyId, status: 'error' },
    });
    expect(followed.attempts).toContain('unreachable');
    // Within a lease and a sweep or two of the kill (docs/realtime.md's bound), here 3 s + 0.5 s.
    expect(settledAfterMs).toBeLessThan(leaseStaleMs + 4 * sweepIntervalMs + 3_000);
    // Whatever B had published past what its client got comes once, in order; then the outcome.
    const all = [...heard, ...deltaFrames(followed.frames).map((frame) => String(frame.delta))];
    expect(all).toEqual(tokens.slice(0, all.length));
    // The stored reply keeps a beginning of what was said, never more.
    const stored = (followed.outcome!.reply as { content: string }).content;
    expect(all.join('').startsWith(stored)).toBe(true);

    // Its message is stored once: sending it again (the same Idempotency-Key) answers the same reply.
    const again = await sendTo(nodeA, conversationId, 'killed');
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const replayed = await readStream(again);
    expect(replyIdOf(replayed)).toBe(replyId);
    expect(hasFinished(replayed)).toBe(true);
    const messages = (await (
      await fetch(`${nodeA.baseUrl}/v1/conversations/${conversationId}/messages`, { headers })
    ).json()) as { items: { role: string; content: string }[] };
    expect(messages.items.map((message) => [message.role, message.role === 'user' ? message.content : ''])).toEqual([
      ['user', 'killed'],
      ['assistant', ''],
    ]);
  });
});
