/**
 * `npm run bench:proactive`: the proactive scheduler's pass over 100,000 conversations of a proactive
 * agent, 1% of them due, on PostgreSQL and on embedded storage; and the chat turns' time to first
 * token with and without passes running, in one run.
 *
 * A pass is what each node does every PROACTIVE_CHECK_INTERVAL_MS: find the due conversations, claim
 * them (the conditional update) and queue one decision job per claim. The decisions themselves (model
 * calls) are jobs, left queued here (`runsJobs: false`), so the figure is the scan and its claims.
 *
 * The server runs in this process (the scheduler shares its event loop with the chat turns, as in
 * production); the model is bench/chat's mock LLM. Environment: BENCH_STORAGE=postgres|embedded|both
 * (default both), BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/parley_bench_proactive),
 * BENCH_CONVERSATIONS (default 100000), BENCH_TURNS (turns per phase and round, default 15).
 *
 * Then the load phase (under-load.ts): turns and the support queue's reads alone, and while passes run
 * back to back and a large document is indexed (the app then runs its jobs). BENCH_PHASES=pass,ttft,load
 * (default all three), BENCH_LOAD_ROUNDS (default 60), BENCH_DESK_CONVERSATIONS (default 100000),
 * BENCH_DESK_CONTACTS (default 50000), BENCH_DOCUMENT_PAGES (default 300), BENCH_WAIT_LOG=1 turns on the
 * PGlite thread's wait log (which background statement a request waited behind), BENCH_ANALYTICS_INTERVAL_MS
 * (default 3600000: the rollups' recounts left out of the timed rounds).
 */
import { mkdtempSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from '../../src/app.js';
import { createAnalyticsModule } from '../../src/modules/analytics/index.js';
import { loadConfig } from '../../src/config.js';
import type { App } from '../../src/platform/http/types.js';
import { createLogger } from '../../src/platform/logger.js';
import { openRuntime } from '../../src/platform/runtime.js';
import { recreatePostgresDatabase } from '../chat/bench-database.js';
import { startMockLlm } from '../chat/mock-llm.js';
import { createParleyClient, type Session } from '../chat/parley-api.js';
import { measureUnderLoad } from './under-load.js';

const conversationTotal = Number(process.env.BENCH_CONVERSATIONS ?? 100_000);
const turnsPerPhase = Number(process.env.BENCH_TURNS ?? 15);
const rounds = 3;
const passRepeats = 5;
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/parley_bench_proactive';
const storages =
  (process.env.BENCH_STORAGE ?? 'both') === 'both' ? ['postgres', 'embedded'] : [process.env.BENCH_STORAGE!];
const phases = (process.env.BENCH_PHASES ?? 'pass,ttft,load').split(',');
const loadSettings = {
  rounds: Number(process.env.BENCH_LOAD_ROUNDS ?? 60),
  deskConversations: Number(process.env.BENCH_DESK_CONVERSATIONS ?? 100_000),
  deskContacts: Number(process.env.BENCH_DESK_CONTACTS ?? 50_000),
  documentPages: Number(process.env.BENCH_DOCUMENT_PAGES ?? 300),
};

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
};
const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;
};
const ms = (value: number) => `${value.toFixed(1)} ms`;
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');

async function benchStorage(kind: string, mockUrl: string): Promise<string[]> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `parley-bench-proactive-${kind}-`));
  if (kind === 'postgres') await recreatePostgresDatabase(databaseUrl);
  const config = loadConfig({
    NODE_ENV: 'test',
    // Errors only: in the load phase every decision job fails on the mock model's text and is retried.
    LOG_LEVEL: 'error',
    DATA_DIR: dataDir,
    ...(kind === 'postgres' && {
      DATABASE_URL: databaseUrl,
      PARLEY_SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789abcdef',
    }),
    RATE_LIMIT_PER_MINUTE: '1000000',
    AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
    SIGNUP_MODE: 'open',
    DEFAULT_AGENT: 'off',
    OPENAI_COMPATIBLE_BASE_URL: `${mockUrl}/v1`,
    OPENAI_COMPATIBLE_NAME: 'bench',
    // Passes are run by the bench, not the timer.
    PROACTIVE_CHECK_INTERVAL_MS: '86400000',
    // The analytics rollups recount a day's messages per change: the seed's 100,000 messages of today
    // made each recount hold PGlite for seconds. Left out unless asked (BENCH_ANALYTICS_INTERVAL_MS=10000,
    // the default of production); their backlog is counted before the timed rounds.
    ANALYTICS_REFRESH_INTERVAL_MS: process.env.BENCH_ANALYTICS_INTERVAL_MS ?? '3600000',
  });
  const logger = createLogger({ level: 'error' });
  const waitLogFile =
    process.env.BENCH_WAIT_LOG === '1' && kind === 'embedded' ? path.join(dataDir, 'pglite-waits.jsonl') : undefined;
  // Read by the PGlite thread when it starts (embedded storage only).
  if (waitLogFile) process.env.PARLEY_PGLITE_WAIT_LOG = waitLogFile;
  const runtime = await openRuntime(config, logger, { migrate: true });
  let app: App = await buildApp({ config, logger, ...runtime, runsJobs: false });
  let baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  const sql = (text: string, values?: unknown[]) => runtime.database.executeSql(text, values);
  const lines: string[] = [];
  try {
    const client = createParleyClient(baseUrl);
    const admin = await client.register(`bench-proactive-${kind}@example.test`, 'Proactive bench');
    const agent = await fetch(`${baseUrl}/v1/agents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Companion',
        model: 'bench:bench-t10-g10-f0',
        visibility: 'tenant',
        companion: { proactive: true, proactiveIdleMinutes: 60, proactiveMaxUnanswered: 1 },
      }),
    });
    const agentId = ((await agent.json()) as { id: string }).id;

    const seedStarted = performance.now();
    await seed(sql, admin.tenantId, agentId);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    await sql('analyze');

    // The pass alone, from a clean state each time (no claims, no queued decisions).
    const reset = async () => {
      await sql(
        'update conversations set proactive_claim = null, proactive_claimed_at = null where proactive_claim is not null',
      );
      await sql(`delete from pgboss.job where name = 'companion.proactive'`);
    };
    lines.push(
      `### ${kind === 'postgres' ? 'PostgreSQL' : 'Embedded (PGlite)'}`,
      '',
      `- Seeded ${conversationTotal.toLocaleString('en')} conversations of one proactive agent (idle 60 min, cap 1) in ${seedSeconds.toFixed(1)} s: ` +
        `1% due, 49% active in the last hour, 50% quiet for days but at their cap; one read reply each.`,
    );
    if (phases.includes('pass')) {
      const passTimes: number[] = [];
      let claimed = 0;
      for (let repeat = 0; repeat < passRepeats; repeat += 1) {
        await reset();
        const started = performance.now();
        const pass = await app.runProactivePass();
        passTimes.push(performance.now() - started);
        claimed = pass.claimed;
      }
      lines.push(
        `- Scheduler pass (find due + quiet-hours filter + claim + queue jobs), ${passRepeats} passes from a clean state: ` +
          `median **${ms(median(passTimes))}**, min ${ms(Math.min(...passTimes))}, max ${ms(Math.max(...passTimes))}; ` +
          `${claimed} conversations claimed per pass. Load average after: ${load()}.`,
      );
    }
    if (phases.includes('ttft')) lines.push(await ttftBesidePasses(app, client, admin, agentId, reset));
    if (phases.includes('load')) {
      // The load phase needs the jobs run (ingestion); the decisions the passes queue then run too.
      await app.close();
      // The seed's analytics backlog (a full recount) is counted before the timed rounds, not during them.
      const rollups = createAnalyticsModule({
        db: runtime.database.db,
        logger,
        serverProviders: config.providers,
      }).rollups;
      const settleRollups = () => rollups.refresh(null);
      await settleRollups();
      app = await buildApp({ config, logger, ...runtime, runsJobs: true });
      baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
      const loadedApp = app;
      lines.push(
        ...(await measureUnderLoad({
          kind,
          baseUrl,
          client: createParleyClient(baseUrl),
          admin,
          agentId,
          sql,
          runProactivePass: () => loadedApp.runProactivePass(),
          resetClaims: reset,
          settleRollups,
          settings: loadSettings,
          waitLogFile,
          load,
        })),
      );
    }
    lines.push('');
  } finally {
    await app.close();
    await runtime.close();
  }
  return lines;
}

/** TTFT: each turn starts from the same clean state (claims reset, not timed); in the busy phase a pass
 * starts at the same moment as the turn, in the idle phase none. Alternating rounds. */
async function ttftBesidePasses(
  app: App,
  client: ReturnType<typeof createParleyClient>,
  admin: Session,
  agentId: string,
  reset: () => Promise<void>,
): Promise<string> {
  const conversationId = await client.createConversation(admin, agentId);
  await client.sendMessage(admin, conversationId, 'warm up');
  const idle: number[] = [];
  const busy: number[] = [];
  const roundMedians: { idle: number[]; busy: number[] } = { idle: [], busy: [] };
  const passDuringTurn: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const idleRound: number[] = [];
    const busyRound: number[] = [];
    for (let turn = 0; turn < turnsPerPhase; turn += 1) {
      await reset();
      idleRound.push((await client.sendMessage(admin, conversationId, `Idle turn ${turn}`)).ttftMs);
    }
    for (let turn = 0; turn < turnsPerPhase; turn += 1) {
      await reset();
      const started = performance.now();
      const pass = app.runProactivePass().then(() => passDuringTurn.push(performance.now() - started));
      busyRound.push((await client.sendMessage(admin, conversationId, `Busy turn ${turn}`)).ttftMs);
      await pass;
    }
    idle.push(...idleRound);
    busy.push(...busyRound);
    roundMedians.idle.push(median(idleRound));
    roundMedians.busy.push(median(busyRound));
  }
  const spread = (values: number[]) => `${ms(Math.min(...values))}–${ms(Math.max(...values))}`;
  return (
    `- Chat TTFT over ${rounds} alternating rounds of ${turnsPerPhase} turns: without passes median ${ms(median(idle))} ` +
    `(p90 ${ms(percentile(idle, 90))}, round medians ${spread(roundMedians.idle)}); with a pass started beside each turn ` +
    `median ${ms(median(busy))} (p90 ${ms(percentile(busy, 90))}, round medians ${spread(roundMedians.busy)}); ` +
    `the passes beside them took median ${ms(median(passDuringTurn))}. Load average: ${load()}.`
  );
}

/** 100,000 conversations by SQL: 1,000 owners, the agent's; 1% due, 49% recent, 50% capped. */
async function seed(sql: (text: string, values?: unknown[]) => Promise<unknown>, tenantId: string, agentId: string) {
  await sql(
    `insert into users (id, tenant_id, email, password_hash, role)
     select gen_random_uuid(), $1, 'owner-' || g || '@bench.test', 'not-a-hash', 'member' from generate_series(1, 1000) g`,
    [tenantId],
  );
  await sql(
    `with owners as (select array_agg(id) as ids from users where tenant_id = $1 and email like 'owner-%@bench.test')
     insert into conversations (id, tenant_id, owner_id, agent_id, last_activity_at, proactive_unanswered)
     select gen_random_uuid(), $1, owners.ids[1 + g % 1000], $2,
       case when g % 100 = 0 then now() - interval '2 hours'
            when g % 100 < 50 then now() - interval '10 minutes'
            else now() - interval '3 days' end,
       case when g % 100 >= 50 then 1 else 0 end
     from generate_series(0, $3::int - 1) g, owners`,
    [tenantId, agentId, conversationTotal],
  );
  await sql(
    `insert into messages (id, tenant_id, conversation_id, role, content, status, completed_at)
     select gen_random_uuid(), tenant_id, id, 'assistant', 'An earlier reply.', 'complete', last_activity_at
     from conversations where agent_id = $1`,
    [agentId],
  );
  await sql(
    `update conversations c set owner_read_through = m.id, message_count = 1
     from messages m where m.conversation_id = c.id and c.agent_id = $1`,
    [agentId],
  );
}

async function main() {
  const mock = await startMockLlm();
  const cores = cpus().length;
  const output = [
    `Run ${new Date().toISOString()} on ${cores} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}. ` +
      `Load average at start: ${load()}.`,
    '',
  ];
  try {
    for (const kind of storages) output.push(...(await benchStorage(kind, mock.url)));
  } finally {
    await mock.close();
  }
  console.log(output.join('\n'));
}

await main();
