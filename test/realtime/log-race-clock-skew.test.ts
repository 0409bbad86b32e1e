import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { clockSkewedBy, createScaledOutNodes, isScaledOut, type ScaledOutNodes } from '../harness/scaled-out-nodes.js';
import { openWatchers, raceRound, raceRounds, signUpRacers, type RaceSetup } from './log-race.js';

/**
 * Issue 62's race (log-race.ts) on two real `parley serve` processes whose clocks disagree: the second
 * node's wall clock runs 2 s ahead (libfaketime). Its writes are stamped 2 s later than the first's, so an
 * order taken from timestamps would put them after writes that came later; the log's order is the
 * database's, and every watcher gets the same events, each once, in it. RACE_ROUNDS sets the rounds.
 */
const rounds = raceRounds(100);
const tokens = Array.from({ length: 8 }, (_, index) => ` w${index}`);

describe.skipIf(!isScaledOut)('the conversation log across two nodes 2 s apart, under a race', () => {
  let fake: FakeOpenAIServer;
  let cluster: ScaledOutNodes | undefined;
  let setup: RaceSetup;

  beforeAll(async () => {
    fake = await startFakeOpenAIServer({ replyTokens: tokens, tokenDelayMs: 8 });
    cluster = await createScaledOutNodes('log-race-skew', {
      OPENAI_API_KEY: 'sk-log-race',
      OPENAI_BASE_URL: fake.baseUrl,
      REALTIME_SUBSCRIPTIONS_PER_CONNECTION: '1000',
    });
    const a = (await cluster.start()).baseUrl;
    const b = (await cluster.start(clockSkewedBy('+2s'))).baseUrl;
    // The skew is real: each node's Date header says its own time (to the second).
    const clockOf = async (node: string) => Date.parse((await fetch(`${node}/health`)).headers.get('date')!);
    expect((await clockOf(b)) - (await clockOf(a))).toBeGreaterThanOrEqual(1_000);
    setup = await signUpRacers([a, b], 'log-race-skew');
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    await fake?.close();
  }, 120_000);

  it(`gives four watchers on two nodes the same events, each once, in log order, the second node's clock 2 s ahead: ${rounds} rounds`, async () => {
    const watchers = await openWatchers(setup);
    const failures: string[] = [];
    const started = Date.now();
    for (let round = 1; round <= rounds; round += 1) failures.push(...(await raceRound(setup, watchers, round)));
    await watchers.close();
    console.info(
      `log race, clocks 2 s apart: ${rounds} rounds in ${Date.now() - started} ms, ${failures.length} failures`,
    );
    expect(failures.slice(0, 5)).toEqual([]);
  }, 600_000);
});
