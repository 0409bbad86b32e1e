/**
 * `npm run bench:evaluations`: an evaluation run of 200 cases on the built-in offline model, against the
 * floor the issue names: 200 chat turns of the same questions sent one after the other, on the same
 * server in the same run (goal: the run within 2× of the turns). On PostgreSQL and on embedded storage.
 *
 * The server runs in this process with its jobs (the run is a job). Turns: each question in a
 * conversation of its own (made before the clock starts), sent as JSON, the next when the reply is
 * stored. The run: from its POST until GET shows it completed (polled every 20 ms), its default bounds
 * (4 answers at once). Environment: BENCH_STORAGE=postgres|embedded|both (default both),
 * BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/parley_bench_evaluations), BENCH_CASES
 * (default 200), BENCH_ROUNDS (default 3; the median is reported).
 */
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/platform/logger.js';
import { openRuntime } from '../../src/platform/runtime.js';
import { recreatePostgresDatabase } from '../chat/bench-database.js';
import { createParleyClient, type Session } from '../chat/parley-api.js';

const caseCount = Number(process.env.BENCH_CASES ?? 200);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const databaseUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/parley_bench_evaluations';
const storages =
  (process.env.BENCH_STORAGE ?? 'both') === 'both' ? ['postgres', 'embedded'] : [process.env.BENCH_STORAGE!];

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');
const questions = Array.from(
  { length: caseCount },
  (_, index) => `Question ${index}: how long do parcels take to arrive in region ${index % 17}?`,
);

async function api<T>(baseUrl: string, session: Session, method: string, url: string, body?: object): Promise<T> {
  const response = await fetch(`${baseUrl}${url}`, {
    method,
    headers: { authorization: `Bearer ${session.accessToken}`, 'content-type': 'application/json' },
    ...(body && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

async function benchStorage(kind: string): Promise<string[]> {
  if (kind === 'postgres') await recreatePostgresDatabase(databaseUrl);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), `parley-bench-evaluations-${kind}-`)),
    ...(kind === 'postgres' && {
      DATABASE_URL: databaseUrl,
      PARLEY_SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789abcdef',
    }),
    RATE_LIMIT_PER_MINUTE: '1000000',
    AUTH_RATE_LIMIT_PER_MINUTE: '1000000',
    SIGNUP_MODE: 'open',
    DEFAULT_AGENT: 'off',
    // Polled quickly, so the run's time is its work and not the queue's poll interval.
    JOB_POLL_INTERVAL_MS: '500',
  });
  const logger = createLogger({ level: 'error' });
  const runtime = await openRuntime(config, logger, { migrate: true });
  const app = await buildApp({ config, logger, ...runtime });
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const client = createParleyClient(baseUrl);
    const admin = await client.register(`bench-evaluations-${kind}@example.test`, 'Evaluations bench');
    const agentId = await client.createAgent(admin, 'Desk', 'offline');
    const set = await api<{ id: string }>(baseUrl, admin, 'POST', '/v1/evaluation-sets', { name: 'Bench' });
    const content = questions.map((question) => JSON.stringify({ question, mustInclude: ['parcel'] })).join('\n');
    await api(baseUrl, admin, 'POST', `/v1/evaluation-sets/${set.id}/imports`, { format: 'jsonl', content });

    const turnTimes: number[] = [];
    const runTimes: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const conversations: string[] = [];
      for (let index = 0; index < caseCount; index += 1)
        conversations.push(await client.createConversation(admin, agentId));
      const turnsStarted = performance.now();
      for (let index = 0; index < caseCount; index += 1) {
        await api(baseUrl, admin, 'POST', `/v1/conversations/${conversations[index]}/messages`, {
          content: questions[index],
        });
      }
      turnTimes.push(performance.now() - turnsStarted);

      const runStarted = performance.now();
      const run = await api<{ id: string }>(baseUrl, admin, 'POST', '/v1/evaluation-runs', {
        setId: set.id,
        agentId,
        arms: [{}],
      });
      for (;;) {
        const seen = await api<{ status: string; progress: { done: number } }>(
          baseUrl,
          admin,
          'GET',
          `/v1/evaluation-runs/${run.id}`,
        );
        if (seen.status === 'completed') break;
        if (seen.status !== 'queued' && seen.status !== 'running') throw new Error(`the run ended ${seen.status}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      runTimes.push(performance.now() - runStarted);
    }
    const turns = median(turnTimes);
    const evaluation = median(runTimes);
    return [
      `### ${kind === 'postgres' ? 'PostgreSQL' : 'Embedded (PGlite)'}`,
      '',
      `- ${caseCount} sequential turns (offline model, JSON): median **${(turns / 1000).toFixed(2)} s** ` +
        `(${(turns / caseCount).toFixed(1)} ms a turn); rounds ${turnTimes.map((value) => (value / 1000).toFixed(2)).join(', ')} s`,
      `- An evaluation run of the same ${caseCount} questions: median **${(evaluation / 1000).toFixed(2)} s**; ` +
        `rounds ${runTimes.map((value) => (value / 1000).toFixed(2)).join(', ')} s`,
      `- Run / turns: **${(evaluation / turns).toFixed(2)}×** (goal ≤ 2×). Load average after: ${load()}.`,
      '',
    ];
  } finally {
    await app.close();
    await runtime.close();
  }
}

const lines = [
  `## bench:evaluations — ${new Date().toISOString()}`,
  '',
  `${cpus().length} cores, Node ${process.version}; load average before: ${load()}; ${rounds} rounds, medians.`,
  '',
];
for (const kind of storages) lines.push(...(await benchStorage(kind)));
console.log(lines.join('\n'));
