import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { requestJson } from '../chat/http-client.js';
import { percentile } from '../chat/load.js';
import { createParleyClient } from '../chat/parley-api.js';
import { launchTwoNodes } from '../realtime/parley-nodes.js';

export interface NoticeRow {
  readonly topology: 'one node' | 'two nodes';
  readonly frame: 'support-pending' | 'message-created';
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The widget POST's own answer time, p50: what the contact waits before the frame can leave. */
  readonly postP50Ms: number;
  readonly load: number[];
}

type Frame = Record<string, unknown> & { type: string };
const origin = 'https://shop.bench';

/** The operator's one socket, on node A: every frame kept until taken, each with its arrival time. */
function operatorSocket(url: string, accessToken: string) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/realtime`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  const waiting: { match: (frame: Frame) => boolean; resolve: (at: { frame: Frame; atMs: number }) => void }[] = [];
  ws.on('message', (data) => {
    const atMs = performance.now();
    const frame = JSON.parse((data as Buffer).toString('utf8')) as Frame;
    for (const waiter of [...waiting]) {
      if (waiter.match(frame)) {
        waiting.splice(waiting.indexOf(waiter), 1);
        waiter.resolve({ frame, atMs });
      }
    }
  });
  return {
    opened: new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
    /** Registered before the action that causes it, so no frame can slip by. */
    expect(match: (frame: Frame) => boolean, timeoutMs = 10_000) {
      return new Promise<{ frame: Frame; atMs: number }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no frame within 10 s')), timeoutMs);
        waiting.push({ match, resolve: (value) => (clearTimeout(timer), resolve(value)) });
      });
    },
    send: (frame: object) => ws.send(JSON.stringify(frame)),
    close: () => ws.close(),
  };
}

/**
 * From the contact's message (the widget's POST) to the frame on the operator's socket, the way the
 * console hears it: `support-pending` on the operators' channel when a handoff keyword makes the
 * conversation wait for a person (no model call), then `message-created` for the contact's next
 * message in the conversation the operator opened (subscribed). The operator's socket is on node A;
 * the contact posts to node A (one node) or node B (two nodes, through Redis), samples interleaved.
 */
export async function measureNotices(options: {
  databaseUrl: string;
  redisUrl: string;
  workDir: string;
  samples: number;
  log: (line: string) => void;
}): Promise<NoticeRow[]> {
  const deployment = await launchTwoNodes({
    databaseUrl: options.databaseUrl.replace(/(\/[^/]*)$/, '$1_nodes'),
    redisUrl: options.redisUrl,
    mockUrl: 'http://127.0.0.1:9',
    workDir: options.workDir,
    extraEnv: { WIDGET_RATE_LIMIT_PER_MINUTE: '1000000', AUTH_RATE_LIMIT_PER_MINUTE: '100000' },
  });
  const { nodeA, nodeB, session: admin } = deployment;
  const client = createParleyClient(nodeA.url);
  const socket = { close: () => undefined } as { close(): void };
  try {
    const call = async (url: string, body: unknown, headers: Record<string, string>) => {
      const response = await requestJson('POST', url, { body, headers });
      if (response.status !== 200 && response.status !== 201) {
        throw new Error(`POST ${url}: ${response.status} ${response.text.slice(0, 300)}`);
      }
      return response;
    };
    const asAdmin = { authorization: `Bearer ${admin.accessToken}` };
    await client.createUser(admin, 'operator@bench.test', 'operator');
    const operator = await client.login('operator@bench.test');
    const agentId = await client.createAgent(admin, 'Desk agent', 'offline');
    const inbox = (
      await call(`${nodeA.url}/v1/inboxes`, { name: 'Website', agentId, allowedOrigins: [origin] }, asAdmin)
    ).body as { id: string };

    const live = operatorSocket(nodeA.url, operator.accessToken);
    Object.assign(socket, live);
    await live.opened;

    const timings = new Map<string, { latency: number[]; post: number[] }>();
    const record = (key: string, latency: number, post: number) => {
      const entry = timings.get(key) ?? { latency: [], post: [] };
      entry.latency.push(latency);
      entry.post.push(post);
      timings.set(key, entry);
    };
    const loads: number[] = [];
    const warmUp = 10;
    for (let sample = 0; sample < warmUp + options.samples; sample += 1) {
      if (sample % 50 === 0) loads.push(loadavg()[0]!);
      for (const [topology, contactNode] of [
        ['one node', nodeA.url],
        ['two nodes', nodeB.url],
      ] as const) {
        const started = await call(`${contactNode}/v1/widget/inboxes/${inbox.id}/sessions`, {}, { origin });
        const widget = { origin, authorization: `Bearer ${(started.body as { contactToken: string }).contactToken}` };
        const conversation = (await call(`${contactNode}/v1/widget/conversations`, undefined, widget)).body as {
          id: string;
        };

        const pending = live.expect(
          (frame) => frame.type === 'support-pending' && frame.supportConversationId === conversation.id,
        );
        const askedAt = performance.now();
        const asked = await call(
          `${contactNode}/v1/widget/conversations/${conversation.id}/messages`,
          { content: 'I want to talk to a human, please', clientMessageId: `ask-${sample}` },
          widget,
        );
        const notice = await pending;
        const chatConversationId = String(notice.frame.conversationId);

        const subscribed = live.expect((frame) => frame.type === 'subscribed' && frame.id === `s-${conversation.id}`);
        live.send({ type: 'subscribe', id: `s-${conversation.id}`, conversationId: chatConversationId });
        await subscribed;
        const content = `My order is ${sample}-${topology}`;
        const created = live.expect(
          (frame) =>
            frame.type === 'message-created' &&
            frame.conversationId === chatConversationId &&
            (frame.message as { content?: string } | undefined)?.content === content,
        );
        const wroteAt = performance.now();
        const wrote = await call(
          `${contactNode}/v1/widget/conversations/${conversation.id}/messages`,
          { content, clientMessageId: `next-${sample}` },
          widget,
        );
        const message = await created;
        live.send({ type: 'unsubscribe', id: `u-${conversation.id}`, conversationId: chatConversationId });
        if (sample < warmUp) continue;
        record(`${topology}|support-pending`, notice.atMs - askedAt, asked.elapsedMs);
        record(`${topology}|message-created`, message.atMs - wroteAt, wrote.elapsedMs);
      }
      if (sample % 50 === 0) options.log(`notices: ${sample} samples`);
    }
    return [...timings].map(([key, { latency, post }]) => {
      const [topology, frame] = key.split('|') as [NoticeRow['topology'], NoticeRow['frame']];
      return {
        topology,
        frame,
        samples: latency.length,
        p50Ms: percentile(latency, 0.5),
        p99Ms: percentile(latency, 0.99),
        maxMs: Math.max(...latency),
        postP50Ms: percentile(post, 0.5),
        load: loads,
      };
    });
  } finally {
    socket.close();
    await deployment.stop();
  }
}
