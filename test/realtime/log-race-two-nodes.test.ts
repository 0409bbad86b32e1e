import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createScaledOutNodes, isScaledOut, type ScaledOutNodes } from '../harness/scaled-out-nodes.js';
import { openWatchers, raceRound, raceRounds, signUpRacers, type RaceSetup } from './log-race.js';

/**
 * Issue 62's race on two real `parley serve` processes, one PostgreSQL and one Redis: two writers on two
 * nodes a few milliseconds apart, renames through both, four watchers across the nodes, one resuming
 * with `after`. Every watcher gets every event of the conversation's log once, the same events in the
 * same order, seq strictly increasing, and no part of a reply after its end. RACE_ROUNDS sets the rounds.
 */
const rounds = raceRounds(100);
const tokens = Array.from({ length: 8 }, (_, index) => ` w${index}`);

describe.skipIf(!isScaledOut)('the conversation log across two nodes, under a race', () => {
  let fake: FakeOpenAIServer;
  let cluster: ScaledOutNodes | undefined;
  let setup: RaceSetup;

  beforeAll(async () => {
    fake = await startFakeOpenAIServer({ replyTokens: tokens, tokenDelayMs: 8 });
    cluster = await createScaledOutNodes('log-race', {
      OPENAI_API_KEY: 'sk-log-race',
      OPENAI_BASE_URL: fake.baseUrl,
      REALTIME_SUBSCRIPTIONS_PER_CONNECTION: '1000',
    });
    const a = (await cluster.start()).baseUrl;
    const b = (await cluster.start()).baseUrl;
    setup = await signUpRacers([a, b], 'log-race');
  }, 240_000);

  afterAll(async () => {
    await cluster?.stop();
    await fake?.close();
  }, 120_000);

  it(`gives four watchers on two nodes the same events, each once, in log order: ${rounds} rounds`, async () => {
    const watchers = await openWatchers(setup);
    const failures: string[] = [];
    const started = Date.now();
    for (let round = 1; round <= rounds; round += 1) failures.push(...(await raceRound(setup, watchers, round)));
    await watchers.close();
    console.info(`log race, two nodes: ${rounds} rounds in ${Date.now() - started} ms, ${failures.length} failures`);
    expect(failures.slice(0, 5)).toEqual([]);
  }, 600_000);
});
