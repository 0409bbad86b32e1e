import { randomBytes } from 'node:crypto';
import { eventually } from '../harness/chat-setup.js';
import {
  answerTo,
  dedupeByLogPosition,
  isInLogOrder,
  logPositionOf,
  openSocket,
  type Frame,
  type TestSocket,
} from './realtime-client.js';

/**
 * The race of issue 62, on whatever serves `nodes` (two `parley serve` processes, or one app twice): in
 * each round, a turn through the first node, a turn through the second 0-40 ms later, a rename through
 * each meanwhile (and the title job, when it wins), watched by four sockets, two per node; one of them
 * drops at a random moment and resumes on the other node with `after` from a random point it had.
 * Answers what went wrong in the round (nothing: an empty list).
 */
export interface RaceSetup {
  readonly nodes: readonly [string, string];
  /** The conversations' owner, who writes. */
  readonly headers: Record<string, string>;
  /**
   * An operator of the tenant, who watches: the owner's own sockets also hear a conversation's renames on
   * their own channel while not subscribed to it (a resuming socket until its subscribe), which is not
   * the log this tests.
   */
  readonly watcherHeaders: Record<string, string>;
  readonly agentId: string;
}

export interface RaceWatchers {
  readonly sockets: TestSocket[];
  close(): Promise<void>;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const randomInt = (below: number) => Math.floor(Math.random() * below);

/** Four sockets, two per node, kept across rounds (each round subscribes and unsubscribes). */
export async function openWatchers(setup: RaceSetup): Promise<RaceWatchers> {
  const [a, b] = setup.nodes;
  const sockets = await Promise.all([a, a, b, b].map((node) => openSocket(node, { headers: setup.watcherHeaders })));
  return { sockets, close: async () => void (await Promise.all(sockets.map((socket) => socket.close()))) };
}

/** Subscribes `socket`, from `after` when given; answers the `subscribed` frame (with the log's seq). */
export const subscribe = async (socket: TestSocket, conversationId: string, after?: number) => {
  const id = `sub-${randomBytes(4).toString('hex')}`;
  socket.send({ type: 'subscribe', id, conversationId, ...(after !== undefined && { after }) });
  const answer = await answerTo(socket, id);
  if (answer.type !== 'subscribed') throw new Error(`subscribe answered ${JSON.stringify(answer)}`);
  return answer;
};

/** A socket's events of the conversation: its log's events and its replies' streams, as they came. */
export const eventsOf = (frames: readonly Frame[], conversationId: string) =>
  frames.filter(
    (frame) => frame.conversationId === conversationId && typeof frame.seq === 'number' && frame.type !== 'subscribed',
  );

export const isStreamPart = (frame: Frame) => typeof frame.part === 'number' && frame.part > 0;
const idOf = (frame: Frame): string =>
  typeof frame.messageId === 'string'
    ? frame.messageId
    : ((frame.message as { id?: string } | undefined)?.id ?? String(frame.conversationId));

/** What must be the same on every socket: the log's events (what, which message, in what state), in order. */
export const logOf = (frames: readonly Frame[]) =>
  frames
    .filter((frame) => !isStreamPart(frame))
    .map((frame) =>
      [
        frame.seq,
        frame.type,
        idOf(frame),
        (frame.message as { status?: string } | undefined)?.status ?? '',
        (frame.changes as { title?: string } | undefined)?.title ?? '',
      ].join(' '),
    );

/** Each reply's stream by the seq it started at: its parts, in order. */
function streamsOf(frames: readonly Frame[]): Map<number, string> {
  const streams = new Map<number, string>();
  for (const frame of frames.filter((one) => typeof one.part === 'number')) {
    const had = streams.get(frame.seq!);
    streams.set(
      frame.seq!,
      `${had === undefined ? '' : `${had} `}${String(frame.part)}:${typeof frame.delta === 'string' ? frame.delta : ''}`,
    );
  }
  return streams;
}

/**
 * Streams that differ from the reference's. A resuming socket gets a reply that ended before it read the
 * log as its start and its end (the stream is not stored; the end has the reply whole): the parts it had
 * before it dropped, from part 0, and no more. Any other stream is whole.
 */
function streamsDiffering(frames: readonly Frame[], reference: readonly Frame[], isResumed: boolean): number[] {
  const own = streamsOf(frames);
  const expected = streamsOf(reference);
  return [...expected].flatMap(([seq, parts]) => {
    const got = own.get(seq);
    return got === parts || (isResumed && got !== undefined && `${parts} `.startsWith(`${got} `)) ? [] : [seq];
  });
}

/**
 * What else happens in a round: `meanwhile` starts with the round's writes (its conversation's id
 * given), and the round checks what the watchers got once it is done (a Redis connection cut and
 * restored, say).
 */
export interface RaceRoundOptions {
  readonly meanwhile?: (conversationId: string) => Promise<unknown>;
}

export async function raceRound(
  setup: RaceSetup,
  watchers: RaceWatchers,
  round: number,
  options: RaceRoundOptions = {},
): Promise<string[]> {
  const [a, b] = setup.nodes;
  const json = { ...setup.headers, 'content-type': 'application/json' };
  const created = await fetch(`${a}/v1/conversations`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ agentId: setup.agentId }),
  });
  const conversationId = ((await created.json()) as { id: string }).id;
  const [first, second, third, dropping] = watchers.sockets as [TestSocket, TestSocket, TestSocket, TestSocket];
  await Promise.all(watchers.sockets.map((socket) => subscribe(socket, conversationId)));
  const marks = watchers.sockets.map((socket) => socket.frames.length);

  const turn = (node: string, content: string) =>
    fetch(`${node}/v1/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: { ...json, accept: 'application/json' },
      body: JSON.stringify({ content }),
    }).then((response) => response.status);
  const rename = (node: string, title: string) =>
    fetch(`${node}/v1/conversations/${conversationId}`, {
      method: 'PATCH',
      headers: json,
      body: JSON.stringify({ title }),
    }).then((response) => response.status);
  const later = <T>(ms: number, act: () => Promise<T>) => pause(ms).then(act);

  // The watcher that drops: at a random moment, it resumes on the other node from a random seq it had.
  const resumed = later(randomInt(150), async () => {
    dropping.send({ type: 'unsubscribe', id: `drop-${conversationId}`, conversationId });
    const kept = eventsOf(dropping.frames.slice(marks[3]), conversationId);
    const seqs = kept.filter((frame) => !isStreamPart(frame)).map((frame) => frame.seq!);
    const after = seqs.length === 0 ? 0 : seqs[randomInt(seqs.length)]!;
    const socket = await openSocket(a, { headers: setup.watcherHeaders });
    await subscribe(socket, conversationId, after);
    return { socket, kept: kept.filter((frame) => frame.seq! <= after), after };
  });
  const statuses = await Promise.all([
    turn(a, `Round ${round} on the first node`),
    later(randomInt(41), () => turn(b, `Round ${round} on the second node`)),
    later(randomInt(80), () => rename(a, `Round ${round}, renamed on the first`)),
    later(randomInt(80), () => rename(b, `Round ${round}, renamed on the second`)),
    options.meanwhile?.(conversationId),
  ]);
  const resume = await resumed;
  const writes = statuses.slice(0, 4) as number[];
  if (writes.some((status) => status >= 300)) return [`round ${round}: a write answered ${writes.join(', ')}`];

  // Where the log stands now: every socket must have it all up to there (the title job may add more).
  const probe = await openSocket(b, { headers: setup.headers });
  const lastSeq = Number((await subscribe(probe, conversationId)).seq);
  await probe.close();
  const views = () => [
    ...[first, second, third].map((socket, index) => eventsOf(socket.frames.slice(marks[index]), conversationId)),
    dedupeByLogPosition([...resume.kept, ...eventsOf(resume.socket.frames, conversationId)]),
  ];
  const reachedEnd = (frames: readonly Frame[]) =>
    frames.some((frame) => frame.seq === lastSeq && !isStreamPart(frame));
  await eventually(async () => (views().every(reachedEnd) ? true : undefined), 20_000).catch(() => undefined);
  const upTo = (frames: readonly Frame[]) => frames.filter((frame) => frame.seq! <= lastSeq);
  const [reference, ...others] = views().map(upTo);
  const failures: string[] = [];
  const names = ['first node, 1', 'first node, 2', 'second node, 1', `resumed after ${resume.after}`];
  const all = [reference!, ...others];
  all.forEach((frames, index) => {
    const name = `round ${round}, ${names[index]}`;
    if (!isInLogOrder(frames)) failures.push(`${name}: out of log order ${JSON.stringify(frames.map(logPositionOf))}`);
    const log = frames.filter((frame) => !isStreamPart(frame)).map((frame) => frame.seq!);
    const expected = Array.from({ length: lastSeq }, (_, at) => at + 1);
    if (log.join() !== expected.join()) failures.push(`${name}: log seqs ${log.join()} (expected 1..${lastSeq})`);
    const ends = frames.filter((frame) => frame.type === 'finished' || frame.type === 'error');
    if (ends.length < 2) failures.push(`${name}: ${ends.length} replies ended`);
  });
  // The resumed socket alone is in order too, and each of its events once.
  const own = eventsOf(resume.socket.frames, conversationId);
  if (!isInLogOrder(own)) failures.push(`round ${round}, resumed socket: out of log order`);
  for (const [index, frames] of others.entries()) {
    if (logOf(frames).join('\n') !== logOf(reference!).join('\n')) {
      failures.push(
        `round ${round}, ${names[index + 1]}: other events than the first watcher's\n` +
          `${logOf(frames).join('\n')}\n--- vs ---\n${logOf(reference!).join('\n')}`,
      );
    }
    const differing = streamsDiffering(frames, reference!, index === others.length - 1);
    if (differing.length > 0) {
      const streams = (view: readonly Frame[]) => differing.map((seq) => streamsOf(view).get(seq)).join(' | ');
      failures.push(
        `round ${round}, ${names[index + 1]}: streams at ${differing.join()} differ: ${streams(frames)} vs ${streams(reference!)}` +
          ` (got ${JSON.stringify(frames.map(logPositionOf))}; the first watcher ${JSON.stringify(reference!.map(logPositionOf))})`,
      );
    }
  }
  await Promise.all(
    watchers.sockets.map((socket) => {
      socket.send({ type: 'unsubscribe', id: `u-${conversationId}`, conversationId });
      return answerTo(socket, `u-${conversationId}`);
    }),
  );
  await resume.socket.close();
  return failures;
}

/** Rounds to run: RACE_ROUNDS, or `fallback` (about a minute's worth on a CI runner). */
export const raceRounds = (fallback: number): number => Number(process.env.RACE_ROUNDS ?? fallback);

/**
 * The race's people on a fresh cluster, through `node`: the conversations' owner (who registers, so
 * the first tenant's administrator), an operator who watches, and an agent on the fake OpenAI model.
 */
export async function signUpRacers(nodes: readonly [string, string], name: string): Promise<RaceSetup> {
  const [a] = nodes;
  const post = (url: string, body: object, headers: Record<string, string> = {}) =>
    fetch(`${a}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const answered = async <T>(response: Promise<Response>, status: number): Promise<T> => {
    const got = await response;
    if (got.status !== status) throw new Error(`${got.url} answered ${got.status}: ${await got.text()}`);
    return (await got.json()) as T;
  };
  const owner = { email: `${name}@example.test`, password: 'a long password' };
  const { accessToken } = await answered<{ accessToken: string }>(post('/v1/auth/register', owner), 201);
  const headers = { authorization: `Bearer ${accessToken}` };
  const agent = await answered<{ id: string }>(
    post('/v1/agents', { name: 'Racer', instructions: 'Be quick.', model: 'openai:gpt-4o-mini' }, headers),
    201,
  );
  const watcher = { email: `${name}-operator@example.test`, password: 'another long password' };
  await answered(post('/v1/users', { ...watcher, role: 'operator' }, headers), 201);
  const signedIn = await answered<{ accessToken: string }>(post('/v1/auth/login', watcher), 200);
  return {
    nodes,
    headers,
    watcherHeaders: { authorization: `Bearer ${signedIn.accessToken}` },
    agentId: agent.id,
  };
}
