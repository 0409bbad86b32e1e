import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { startCuttableRedis } from '../harness/cuttable-redis.js';
import { createScaledOutNodes, isScaledOut, type ScaledOutNodes } from '../harness/scaled-out-nodes.js';
import { openWatchers, raceRound, raceRounds, signUpRacers, type RaceSetup } from './log-race.js';

/**
 * Issue 62's race (log-race.ts) on two real `parley serve` processes while the second node's Redis
 * subscription is cut and restored in the middle of each round (its other Redis connection stays up, as
 * when a fault hits one long-lived connection): for a moment that node hears none of the other's events.
 * Its watchers still get every event once, in log order, the same as the first node's: a gap is filled
 * from the conversation's log as soon as a later event shows it, and what came last before the
 * subscription was back is caught up from the log once it is. RACE_ROUNDS sets the rounds.
 */
const rounds = raceRounds(100);
const tokens = Array.from({ length: 8 }, (_, index) => ` w${index}`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const randomInt = (below: number) => Math.floor(Math.random() * below);

describe.skipIf(!isScaledOut)(
  "the conversation log across two nodes, one node's Redis subscription cut mid-round",
  () => {
    let fake: FakeOpenAIServer;
    let redis: Awaited<ReturnType<typeof startCuttableRedis>> | undefined;
    let cluster: ScaledOutNodes | undefined;
    let setup: RaceSetup;

    beforeAll(async () => {
      fake = await startFakeOpenAIServer({ replyTokens: tokens, tokenDelayMs: 8 });
      redis = await startCuttableRedis(new URL(process.env.TEST_REDIS_URL!));
      cluster = await createScaledOutNodes('log-race-cut', {
        OPENAI_API_KEY: 'sk-log-race',
        OPENAI_BASE_URL: fake.baseUrl,
        REALTIME_SUBSCRIPTIONS_PER_CONNECTION: '1000',
      });
      const a = (await cluster.start()).baseUrl;
      const b = (await cluster.start({ REDIS_URL: redis.url })).baseUrl;
      setup = await signUpRacers([a, b], 'log-race-cut');
    }, 240_000);

    afterAll(async () => {
      await redis?.restore();
      await cluster?.stop();
      await fake?.close();
    }, 120_000);

    it(`gives four watchers on two nodes the same events, each once, in log order, the second node's subscription cut for 50-250 ms in each round: ${rounds} rounds`, async () => {
      const watchers = await openWatchers(setup);
      const failures: string[] = [];
      const started = Date.now();
      // Cut while the round's writes go on (they start 0-80 ms in and take about 100 ms), restored soon
      // after: ioredis subscribes again on its next attempt, some 50-300 ms later.
      const cutAndRestore = async () => {
        await pause(randomInt(80));
        redis!.cutSubscriptions();
        await pause(50 + randomInt(200));
        await redis!.restore();
      };
      for (let round = 1; round <= rounds; round += 1) {
        failures.push(...(await raceRound(setup, watchers, round, { meanwhile: cutAndRestore })));
      }
      await watchers.close();
      console.info(
        `log race, subscription cut: ${rounds} rounds in ${Date.now() - started} ms, ${failures.length} failures`,
      );
        expect(failures.slice(0, 5)).toEqual([]);
    }, 600_000);
  },
);
