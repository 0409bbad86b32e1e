import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { interruptedReply } from '../../src/modules/chat/index.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { eventually } from '../harness/chat-setup.js';
import { createScaledOutNodes, isScaledOut, type ScaledOutNodes } from '../harness/scaled-out-nodes.js';
import { answerTo, isInLogOrder, openSocket, type Frame, type TestSocket } from './realtime-client.js';
import { eventsOf, isStreamPart, logOf, signUpRacers, subscribe, type RaceSetup } from './log-race.js';

/**
 * Issue 62: the node writing a reply is killed (-9) in the middle of it. Nothing on that node says the
 * reply ended; its lease goes stale, and the maintenance sweep of a surviving node settles it as
 * interrupted, a `reply-settled` event of the conversation's log. Every watcher on the surviving node
 * hears that end as an `error` frame in its place, within REPLY_LEASE_STALE_MS and a sweep interval of
 * the kill: the same events in the same order on every watcher, seq without a hole, no part after the
 * end, and a client resuming with `after` gets the same events. A fresh writer node in each round.
 */
const rounds = 4;
// A slow reply, to be killed in the middle of: 40 tokens, 50 ms apart.
const tokens = Array.from({ length: 40 }, (_, index) => ` k${index}`);
// A lease stale after 1.5 s (renewed every 375 ms), swept every 250 ms: a killed node's reply ends
// within about 1.75 s, not production's 90 s + 60 s.
const leaseStaleMs = 1_500;
const sweepIntervalMs = 250;
// Delivery, a busy machine, and the sweep's own statement.
const slackMs = 1_000;
const randomInt = (below: number) => Math.floor(Math.random() * below);

describe.skipIf(!isScaledOut)('the conversation log when the node writing a reply is killed', () => {
  let fake: FakeOpenAIServer;
  let cluster: ScaledOutNodes | undefined;
  let survivor: string;
  let setup: RaceSetup;

  beforeAll(async () => {
    fake = await startFakeOpenAIServer({ replyTokens: tokens, tokenDelayMs: 50 });
    cluster = await createScaledOutNodes('log-race-killed', {
      OPENAI_API_KEY: 'sk-log-race',
      OPENAI_BASE_URL: fake.baseUrl,
      MAINTENANCE_SWEEP_INTERVAL_MS: String(sweepIntervalMs),
      REPLY_LEASE_STALE_MS: String(leaseStaleMs),
    });
    survivor = (await cluster.start()).baseUrl;
    setup = await signUpRacers([survivor, survivor], 'log-race-killed');
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    await fake?.close();
  }, 120_000);

  /** One round: what went wrong in it (nothing: an empty list). */
  async function killRound(round: number): Promise<string[]> {
    const writer = await cluster!.start();
    const json = { ...setup.headers, 'content-type': 'application/json' };
    const created = await fetch(`${survivor}/v1/conversations`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ agentId: setup.agentId }),
    });
    const conversationId = ((await created.json()) as { id: string }).id;
    const rename = async (title: string) => {
      const response = await fetch(`${survivor}/v1/conversations/${conversationId}`, {
        method: 'PATCH',
        headers: json,
        body: JSON.stringify({ title }),
      });
      if (response.status !== 200) throw new Error(`rename answered ${response.status}`);
    };
    // Two watchers on the surviving node, one on the writer (which dies with it).
    const watchers = await Promise.all(
      [survivor, survivor, writer.baseUrl].map((node) => openSocket(node, { headers: setup.watcherHeaders })),
    );
    await Promise.all(watchers.map((socket) => subscribe(socket, conversationId)));
    const [first, second] = watchers as [TestSocket, TestSocket, TestSocket];

    const sender = await openSocket(writer.baseUrl, { headers: setup.headers });
    const content = `Round ${round}: count slowly`;
    sender.send({ type: 'send', id: 's', conversationId, content, clientMessageId: `killed-${conversationId}` });
    const accepted = await answerTo(sender, 's');
    if (accepted.type !== 'accepted') return [`round ${round}: send answered ${JSON.stringify(accepted)}`];
    const replyId = String(accepted.replyMessageId);
    const deltas = (socket: TestSocket) => socket.frames.filter((frame) => frame.type === 'text-delta').length;

    // Renamed on the survivor while the reply is written, killed a random number of words in, and
    // renamed again while the reply is neither written nor yet settled.
    await eventually(async () => (deltas(first) >= 2 ? true : undefined), 10_000);
    await rename(`Round ${round}, renamed while written`);
    const wordsIn = 4 + randomInt(20);
    await eventually(async () => (deltas(first) >= wordsIn ? true : undefined), 10_000);
    const exited = once(writer.child, 'exit');
    writer.child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    await rename(`Round ${round}, renamed after the kill`);

    const failures: string[] = [];
    const isEnd = (frame: Frame) => frame.type === 'error' && frame.messageId === replyId;
    const endedAfterMs = await Promise.all(
      [first, second].map((socket) =>
        socket.next(isEnd).then(
          () => Date.now() - killedAt,
          () => Number.POSITIVE_INFINITY,
        ),
      ),
    );
    const boundMs = leaseStaleMs + sweepIntervalMs + slackMs;
    if (endedAfterMs.some((ms) => ms > boundMs)) {
      failures.push(
        `round ${round}: the reply ended ${endedAfterMs.join(', ')} ms after the kill (at most ${boundMs})`,
      );
    }

    // Where the log stands now, and a client resuming from a random point of it, on the survivor.
    const probe = await openSocket(survivor, { headers: setup.watcherHeaders });
    const lastSeq = Number((await subscribe(probe, conversationId)).seq);
    await probe.close();
    const live = [first, second].map((socket) => eventsOf(socket.frames, conversationId));
    const after = randomInt(lastSeq);
    const resumer = await openSocket(survivor, { headers: setup.watcherHeaders });
    await subscribe(resumer, conversationId, after);
    const resumed = eventsOf(resumer.frames, conversationId);
    await resumer.close();

    const names = ['survivor, 1', 'survivor, 2'];
    live.forEach((frames, index) => {
      const name = `round ${round}, ${names[index]}`;
      if (!isInLogOrder(frames)) failures.push(`${name}: out of log order`);
      const log = frames.filter((frame) => !isStreamPart(frame)).map((frame) => frame.seq!);
      const expected = Array.from({ length: lastSeq }, (_, at) => at + 1);
      if (log.join() !== expected.join()) failures.push(`${name}: log seqs ${log.join()} (expected 1..${lastSeq})`);
      const end = frames.find(isEnd);
      if (end?.seq !== lastSeq || end.code !== interruptedReply.code) {
        failures.push(`${name}: the reply's end is ${JSON.stringify(end)}, not the log's last event (${lastSeq})`);
      }
      if ((end?.reply as { status?: string } | undefined)?.status !== 'error') {
        failures.push(`${name}: the reply's end holds it as ${JSON.stringify(end?.reply)}`);
      }
      if (logOf(frames).join('\n') !== logOf(live[0]!).join('\n')) {
        failures.push(`${name}: other events than the first watcher's\n${logOf(frames).join('\n')}`);
      }
      const parts = (view: readonly Frame[]) =>
        view.filter((frame) => frame.messageId === replyId && typeof frame.part === 'number').map((f) => f.part);
      if (parts(frames).join() !== parts(live[0]!).join()) failures.push(`${name}: another stream than the first's`);
    });
    // A resume gets the log's events after its point, as the live watchers got them.
    const loggedAfter = logOf(live[0]!.filter((frame) => frame.seq! > after));
    if (logOf(resumed).join('\n') !== loggedAfter.join('\n')) {
      failures.push(
        `round ${round}, resumed after ${after}: ${logOf(resumed).join(' / ')} vs ${loggedAfter.join(' / ')}`,
      );
    }
    await Promise.all(watchers.map((socket) => socket.close()));
    await sender.close();
    console.info(
      `writer killed, round ${round}: ${wordsIn} words in, ended ${endedAfterMs.join(', ')} ms after the kill`,
    );
    return failures;
  }

  it(`ends a reply whose writer was killed mid-reply with one logged error, in place, on every watcher of the other node: ${rounds} rounds`, async () => {
    const failures: string[] = [];
    for (let round = 1; round <= rounds; round += 1) failures.push(...(await killRound(round)));
    expect(failures).toEqual([]);
  }, 300_000);
});
