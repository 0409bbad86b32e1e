import { openSocket, type Frame, type TestSocket } from '../realtime/realtime-client.js';
import type { ClientContext } from './chaos-clients.js';

/** What one socket client saw of each conversation's log, over all its connections. */
export interface WatchedLog {
  /** Per conversation, the seq of every log event it was given, in the order given. */
  readonly seqs: Map<string, number[]>;
  /** Per conversation, which connection (counted from 0) gave each of those seqs. */
  readonly connectionOf: Map<string, number[]>;
  /** Connections that ended under it (a node killed, Redis cut) and were opened again. */
  reconnects: number;
  /** Subscriptions the server refused or never answered. */
  failedSubscriptions: number;
  /** Connections opened so far. */
  connections: number;
  /** Why the last connection attempt failed, for the report. */
  lastRefusal?: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** How long a socket may take to open or to answer a subscription before the client gives it up. */
const answerTimeoutMs = 10_000;
const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([
    promise,
    new Promise<T>((_resolve, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref()),
  ]);
/** A reply's stream part (part > 0) is not a log event of its own; `subscribed` only answers. */
const isLogEvent = (frame: Frame) =>
  typeof frame.seq === 'number' &&
  typeof frame.conversationId === 'string' &&
  frame.type !== 'subscribed' &&
  !(typeof frame.part === 'number' && frame.part > 0);

/**
 * Opens a socket through the balancer and subscribes to every chat conversation after the last seq it
 * kept, as the console's client resumes; keeps each log event's seq. Answers once every subscription
 * was answered, with the socket (or undefined if the connection failed).
 */
async function connectAndResume(context: ClientContext, log: WatchedLog): Promise<TestSocket | undefined> {
  const socket = await withTimeout(
    openSocket(context.cluster.balancer.baseUrl, { headers: context.tenant.headers }),
    answerTimeoutMs,
  ).catch((error: { status?: number; body?: string; message?: string }) => {
    log.lastRefusal = `${error.status ?? ''} ${error.body ?? error.message ?? ''}`;
    return undefined;
  });
  if (!socket) return undefined;
  const connection = (log.connections += 1);
  socket.ws.on('message', (data) => {
    const frame = JSON.parse((data as Buffer).toString('utf8')) as Frame;
    if (!isLogEvent(frame)) return;
    const seqs = log.seqs.get(frame.conversationId as string) ?? [];
    // A resume replays each reply in flight from its start: a (seq, part 0) kept already is dropped, as
    // docs/realtime.md tells clients to. Any other seq twice is a repeat.
    if (frame.part === 0 && seqs.includes(frame.seq!)) return;
    seqs.push(frame.seq!);
    log.seqs.set(frame.conversationId as string, seqs);
    const connections = log.connectionOf.get(frame.conversationId as string) ?? [];
    connections.push(connection);
    log.connectionOf.set(frame.conversationId as string, connections);
  });
  const answers = context.tenant.conversationIds.map((conversationId, index) => {
    const id = `resume-${index}-${Date.now()}`;
    const after = log.seqs.get(conversationId)?.at(-1) ?? 0;
    socket.send({ type: 'subscribe', id, conversationId, after });
    return withTimeout(
      socket.next((frame) => frame.id === id),
      answerTimeoutMs,
    ).then(
      (answer) => answer.type === 'subscribed',
      () => false,
    );
  });
  const failed = (await Promise.all(answers)).filter((isSubscribed) => !isSubscribed).length;
  log.failedSubscriptions += failed;
  // A conversation not subscribed would be a hole: this connection is given up and another opened.
  if (failed === 0) return socket;
  await socket.close();
  return undefined;
}

/** A console tab watching every chat: reconnects and resumes whenever its socket ends, until the run ends. */
export async function socketWatcher(context: ClientContext): Promise<WatchedLog> {
  const log: WatchedLog = {
    seqs: new Map(),
    connectionOf: new Map(),
    reconnects: 0,
    failedSubscriptions: 0,
    connections: 0,
  };
  while (context.isRunning()) {
    const socket = await connectAndResume(context, log);
    if (!socket) {
      await pause(300);
      continue;
    }
    await Promise.race([socket.closed, until(() => !context.isRunning())]);
    if (context.isRunning()) log.reconnects += 1;
    await socket.close();
  }
  return log;
}

/** Once every fault is over and every reply has ended: one last resume, so the log is whole to its head. */
export async function catchUp(context: ClientContext, log: WatchedLog): Promise<void> {
  let socket = await connectAndResume(context, log);
  for (let tries = 1; !socket && tries < 20; tries += 1) {
    await pause(500);
    socket = await connectAndResume(context, log);
  }
  if (!socket) {
    // Where it fails: each node asked directly, past the balancer.
    const direct = await Promise.all(
      context.cluster.nodes.map((node) =>
        openSocket(node.node.baseUrl, { headers: context.tenant.headers }).then(
          async (opened) => (await opened.close(), `${node.name} opens`),
          (error: { status?: number; message?: string }) => `${node.name}: ${error.status ?? ''} ${error.message}`,
        ),
      ),
    );
    throw new Error(`the last resume could not connect: ${log.lastRefusal}; directly: ${direct.join(', ')}`);
  }
  await pause(500);
  await socket.close();
}

const until = async (isDone: () => boolean) => {
  while (!isDone()) await pause(200);
};

/** Holes and repeats in what a socket client kept: each conversation's seqs must be 1, 2, 3, … to its head. */
export function holesIn(log: WatchedLog, heads: Map<string, number>): string[] {
  const problems: string[] = [];
  for (const [conversationId, head] of heads) {
    const seqs = log.seqs.get(conversationId) ?? [];
    const expected = Array.from({ length: head }, (_, index) => index + 1);
    if (seqs.join() !== expected.join()) {
      const missing = expected.filter((seq) => !seqs.includes(seq));
      const connections = log.connectionOf.get(conversationId) ?? [];
      const repeated = seqs
        .map((seq, index) => ({ seq, index }))
        .filter(({ seq, index }) => seqs.indexOf(seq) !== index)
        .map(({ seq, index }) => `${seq} (connections ${connections[seqs.indexOf(seq)]} and ${connections[index]})`);
      problems.push(`${conversationId}: missing ${missing.join(' ') || '-'}; repeated ${repeated.join(' ') || '-'}`);
    }
  }
  return problems;
}
