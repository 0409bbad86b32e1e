import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, createUser, registerPlatformAdmin } from '../harness/tenant-setup.js';
import { openWatchers, raceRound, raceRounds, type RaceSetup } from './log-race.js';

/**
 * Issue 62's race in one process, on either storage (embedded PGlite too): two writers a few
 * milliseconds apart, renames, four watchers, one resuming with `after` from a random point. Every
 * watcher gets every event of the log once, the same events in the same order, and no part of a reply
 * after its end. RACE_ROUNDS sets the rounds.
 */
const rounds = raceRounds(40);

describe('the conversation log with two writers in one process, under a race', () => {
  let fake: FakeOpenAIServer;
  let t: TestApp;
  let setup: RaceSetup;

  beforeAll(async () => {
    fake = await startFakeOpenAIServer({ replyTokens: Array.from({ length: 8 }, (_, i) => ` w${i}`), tokenDelayMs: 8 });
    t = await buildTestApp(
      { OPENAI_BASE_URL: fake.baseUrl, OPENAI_API_KEY: 'sk-log-race' },
      { realtime: { subscriptionsPerConnection: 1000 } },
    );
    const admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    const operator = await createUser(t.app, admin, 'operator');
    const agentId = (await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini' })).id;
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    setup = { nodes: [address, address], headers: admin.headers, watcherHeaders: operator.headers, agentId };
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it(`gives four watchers the same events, each once, in log order: ${rounds} rounds`, async () => {
    const watchers = await openWatchers(setup);
    const failures: string[] = [];
    const started = Date.now();
    for (let round = 1; round <= rounds; round += 1) failures.push(...(await raceRound(setup, watchers, round)));
    await watchers.close();
    console.info(`log race, one process: ${rounds} rounds in ${Date.now() - started} ms, ${failures.length} failures`);
    expect(failures.slice(0, 5)).toEqual([]);
  }, 600_000);
});
