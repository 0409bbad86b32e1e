import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { startBalancer, type Balancer } from '../harness/balancer.js';
import { signUpOverHttp } from '../harness/http-account.js';
import { followReply, hasFinished, readStream, replyIdOf, type FollowedReply } from '../harness/cut-streams.js';
import {
  createScaledOutNodes,
  isScaledOut,
  type ScaledOutNode,
  type ScaledOutNodes,
} from '../harness/scaled-out-nodes.js';

/**
 * A rolling restart under traffic (docs/operations.md, "Rolling upgrades"): two real `parley serve`
 * nodes on one PostgreSQL and one Redis behind a round-robin balancer that does what deploy/Caddyfile
 * asks of Caddy (a request whose connection to a node failed is tried on the other for up to 5 s; one
 * that reached a node is sent again only where Caddy would: test/harness/balancer.ts). Chat clients send turns with
 * streaming replies (each under an Idempotency-Key, sent again until acknowledged), readers read through
 * the balancer and straight to each node, while node A is stopped (SIGTERM), waited for and started
 * again, then node B. Checked from outside: every message whose send was acknowledged (its stream began)
 * is stored once, in order, with its whole reply; every stream ended with its reply's `finish`, none
 * cut; a request refused while a node stopped got a documented answer (503, problem+json, Retry-After;
 * a direct client also the stopped node's closed port) and was sent again. The balancer's clients mostly
 * see no refusal at all: a stopping node closes its port at once, and the balancer tries the other.
 */
// A reply of 20 tokens 40 ms apart (0.8 s): well within the grace period of a stopping node.
const tokens = Array.from({ length: 20 }, (_, index) => ` r${index}`);
const chatClients = 4;
const readers = 2;
const trafficBetweenRestartsMs = 1_500;

interface Refusal {
  readonly status: number | 'unreachable';
  readonly retryAfter: string | null;
  readonly contentType: string | null;
  readonly code: unknown;
  readonly phase: string;
  readonly via: 'balancer' | 'direct';
}

interface Send {
  readonly content: string;
  readonly startedAt: number;
  endedAt?: number;
  isAcknowledged: boolean;
  replyId?: string;
  /** The send's stream ended with its `finish` (and `[DONE]`). */
  hasFinished: boolean;
  finishStatus?: unknown;
  /** A stream that ended without it, followed through …/stream. */
  followed?: FollowedReply;
}

describe.skipIf(!isScaledOut)('a rolling restart under traffic', { timeout: 120_000 }, () => {
  let fake: FakeOpenAIServer;
  let cluster: ScaledOutNodes | undefined;
  let balancer: Balancer | undefined;
  const nodes: ScaledOutNode[] = [];

  beforeAll(async () => {
    fake = await startFakeOpenAIServer({ replyTokens: tokens, tokenDelayMs: 40 });
    cluster = await createScaledOutNodes('rolling', {
      OPENAI_API_KEY: 'sk-rolling',
      OPENAI_BASE_URL: fake.baseUrl,
      SHUTDOWN_GRACE_MS: '5000',
    });
    nodes.push(await cluster.start());
    nodes.push(await cluster.start());
    balancer = await startBalancer(nodes.map((node) => node.baseUrl));
  }, 120_000);

  afterAll(async () => {
    await balancer?.close();
    await cluster?.stop();
    await fake?.close();
  }, 60_000);

  it('loses no acknowledged message and cuts no stream while each node in turn is stopped and started again', async () => {
    const base = balancer!.baseUrl;
    const json = { 'content-type': 'application/json' };
    const account = await signUpOverHttp(base, 'rolling');
    const { headers } = account;
    const conversationIds: string[] = [];
    for (let index = 0; index < chatClients; index += 1) conversationIds.push(await account.newConversation());

    let phase = 'steady';
    const phases: { name: string; from: number; to: number }[] = [];
    const enter = (name: string) => {
      const now = Date.now();
      const current = phases.at(-1);
      if (current) current.to = now;
      phases.push({ name, from: now, to: Number.POSITIVE_INFINITY });
      phase = name;
    };
    let isStopping = false;
    const refusals: Refusal[] = [];
    const reads: number[] = [];
    const sends: Send[][] = conversationIds.map(() => []);
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    /** Notes a refusal and waits as it asks (Retry-After) before the request is sent again. */
    const refused = async (response: Response | undefined, via: Refusal['via'] = 'balancer') => {
      const retryAfter = response?.headers.get('retry-after') ?? null;
      const body = response ? await response.text() : '';
      refusals.push({
        status: response?.status ?? 'unreachable',
        retryAfter,
        contentType: response?.headers.get('content-type') ?? null,
        code: body.startsWith('{') ? (JSON.parse(body) as { code?: unknown }).code : undefined,
        phase,
        via,
      });
      await pause(retryAfter ? Number(retryAfter) * 1000 : 250);
    };

    const chat = async (client: number) => {
      const conversationId = conversationIds[client]!;
      for (let turn = 0; !isStopping; turn += 1) {
        const send: Send = {
          content: `client ${client} turn ${turn}`,
          startedAt: Date.now(),
          isAcknowledged: false,
          hasFinished: false,
        };
        sends[client]!.push(send);
        // Sent again, under the same key, until it is acknowledged.
        while (!send.replyId) {
          const response = await fetch(`${base}/v1/conversations/${conversationId}/messages`, {
            method: 'POST',
            headers: {
              ...headers,
              ...json,
              accept: 'text/event-stream',
              'idempotency-key': `rolling-${client}-${turn}`,
            },
            body: JSON.stringify({ content: send.content }),
          }).catch(() => undefined);
          if (response?.status !== 200) {
            await refused(response);
            continue;
          }
          send.isAcknowledged = true;
          const read = await readStream(response);
          send.replyId = replyIdOf(read);
          if (!send.replyId) continue;
          send.hasFinished = hasFinished(read);
          const finish = read.events.find((event) => event.data !== '[DONE]' && event.data.type === 'finish');
          send.finishStatus = (finish?.data as { messageMetadata?: { status?: unknown } } | undefined)?.messageMetadata
            ?.status;
          if (!send.hasFinished) {
            send.followed = await followReply(() => [base], {
              conversationId,
              replyId: send.replyId,
              lastEventId: read.lastEventId,
              headers,
            });
          }
        }
        send.endedAt = Date.now();
      }
    };

    /**
     * Reads in a loop through `target()`: the balancer, or one node straight (a client with a kept-alive
     * connection of its own, which sees the stopping node's refusal, then its closed port).
     */
    const read = async (reader: number, target: () => string, via: Refusal['via']) => {
      for (let round = 0; !isStopping; round += 1) {
        const path =
          round % 2 === 0
            ? `/v1/conversations/${conversationIds[(reader + round) % chatClients]}/messages`
            : '/v1/conversations';
        const response = await fetch(`${target()}${path}`, { headers }).catch(() => undefined);
        if (response?.status === 200) {
          await response.body?.cancel();
          reads.push(Date.now());
        } else await refused(response, via);
      }
    };

    const restart = async (slot: number, name: string) => {
      enter(`stopping ${name}`);
      const node = nodes[slot]!;
      const exited = once(node.child, 'exit');
      node.child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code, `node ${name} exits 0 after SIGTERM`).toBe(0);
      enter(`starting ${name}`);
      nodes[slot] = await cluster!.start();
      balancer!.setNodes(nodes.map((each) => each.baseUrl));
      enter('steady');
    };

    const startedAt = Date.now();
    const traffic = [
      ...conversationIds.map((_, client) => chat(client)),
      ...Array.from({ length: readers }, (_, reader) => read(reader, () => base, 'balancer')),
      ...nodes.map((_, slot) => read(readers + slot, () => nodes[slot]!.baseUrl, 'direct')),
    ];
    await pause(trafficBetweenRestartsMs);
    await restart(0, 'A');
    await pause(trafficBetweenRestartsMs);
    await restart(1, 'B');
    await pause(trafficBetweenRestartsMs);
    isStopping = true;
    await Promise.all(traffic);
    const trafficMs = Date.now() - startedAt;

    // Traffic went on throughout: turns were in flight while each node was stopping and starting.
    const all = sends.flat();
    for (const during of phases.filter((each) => each.name !== 'steady')) {
      const inFlight = all.filter((send) => send.startedAt < during.to && (send.endedAt ?? Infinity) > during.from);
      expect(inFlight.length, `turns in flight while ${during.name}`).toBeGreaterThan(0);
    }
    expect(reads.length).toBeGreaterThan(20);

    // Every stream ended with its reply's finish; none was cut, so none needed following.
    expect(all.every((send) => send.isAcknowledged)).toBe(true);
    expect(all.filter((send) => !send.hasFinished).map((send) => [send.content, send.followed?.outcome?.type])).toEqual(
      [],
    );
    expect(new Set(all.map((send) => send.finishStatus))).toEqual(new Set(['complete']));

    // The only refusals: the stopping node's documented 503 (and, to a client that connects to that node
    // itself, its closed port), each sent again (the loops above); through the balancer, nothing else.
    const documented = JSON.stringify([503, '1', 'not_ready']);
    const kinds = (via: Refusal['via']) => [
      ...new Set(
        refusals
          .filter((refusal) => refusal.via === via)
          .map((refusal) => JSON.stringify([refusal.status, refusal.retryAfter, refusal.code])),
      ),
    ];
    expect(kinds('balancer').filter((kind) => kind !== documented)).toEqual([]);
    const closedPort = JSON.stringify(['unreachable', null, undefined]);
    expect(kinds('direct').filter((kind) => kind !== documented && kind !== closedPort)).toEqual([]);
    for (const refusal of refusals.filter((each) => each.status === 503)) {
      expect(refusal.contentType).toContain('application/problem+json');
    }

    // Stored exactly once, in order, with its whole reply: read back on a node that never stopped.
    const stored = async (conversationId: string) => {
      const items: { id: string; role: string; content: string; status: string }[] = [];
      for (let before: string | null = null; ;) {
        const page = (await (
          await fetch(
            `${nodes[1]!.baseUrl}/v1/conversations/${conversationId}/messages?limit=100${before ? `&before=${before}` : ''}`,
            { headers },
          )
        ).json()) as { items: typeof items; olderCursor: string | null };
        items.unshift(...page.items);
        if (!page.olderCursor) return items;
        before = page.olderCursor;
      }
    };
    for (const [client, conversationId] of conversationIds.entries()) {
      const items = await stored(conversationId);
      const expected = sends[client]!.flatMap((send) => [
        ['user', send.content, 'complete'],
        ['assistant', send.replyId, 'complete', tokens.join('')],
      ]);
      expect(
        items.map((item) =>
          item.role === 'user'
            ? [item.role, item.content, item.status]
            : [item.role, item.id, item.status, item.content],
        ),
      ).toEqual(expected);
    }
    const count = (status: Refusal['status']) => refusals.filter((refusal) => refusal.status === status).length;
    console.info(
      `rolling restart: ${all.length} turns and ${reads.length} reads in ${trafficMs} ms; refused and sent again: ` +
        `${count(503)} with 503 + Retry-After, ${count('unreachable')} direct reads to a closed port; 0 cut, 0 lost, 0 doubled`,
    );
  });
});
