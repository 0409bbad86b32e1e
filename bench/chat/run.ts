/**
 * `npm run bench:chat` — Parley's streaming overhead, throughput, memory and list/history pages,
 * measured side by side with the mock LLM hit directly, a bare relay (the floor) and a relay through the AI SDK provider.
 * See BENCHMARKS.md for today's figures and bench/results/chat.md for every run, and the settings below for the knobs (all optional).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as prettier from 'prettier';
import { runChatPhases, warmUp, type PhaseSpec } from './chat-phases.js';
import { closeIdleConnections } from './http-client.js';
import type { ReplyProfile } from './mock-llm.js';
import { launchParley, providerName, type ParleyInstance } from './parley-instance.js';
import { countRoundTrips, renderRoundTrips, type RoundTripCount } from './round-trips.js';
import { measurePages } from './page-suite.js';
import { readMemory, repoRoot, sleep, startHelper } from './processes.js';
import { renderReport, type PageReport, type TargetInfo } from './report.js';
import { openAICompatibleTarget, parleyTarget, type ChatTarget } from './targets.js';

const env = process.env;
const int = (name: string, fallback: number) => {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be a whole number, got '${value}'`);
  return parsed;
};

const settings = {
  turnsC1: int('BENCH_TURNS_C1', 200),
  turnsC50: int('BENCH_TURNS', 1000),
  turnsThroughput: int('BENCH_TURNS_THROUGHPUT', 1000),
  /** Cold turns (issue 63): one stream, each turn after the server sat idle BENCH_COLD_IDLE_MS; 0 leaves them out. */
  turnsCold: int('BENCH_TURNS_COLD', 8),
  coldIdleMs: int('BENCH_COLD_IDLE_MS', 10_500),
  /** Turns whose statements are counted at the server's driver (round-trips.ts), warm and cold; 0 and 0 skip it. */
  roundTripTurnsWarm: int('BENCH_ROUND_TRIP_TURNS', 10),
  roundTripTurnsCold: int('BENCH_ROUND_TRIP_TURNS_COLD', 3),
  concurrency: int('BENCH_CONCURRENCY', 50),
  tokens: int('BENCH_TOKENS', 10),
  /** The long-reply phase (issue 48): replies of this many tokens, unpaced; 0 leaves the phase out. */
  longTokens: int('BENCH_LONG_TOKENS', 500),
  turnsLong: int('BENCH_TURNS_LONG', 100),
  longConcurrency: Math.max(1, int('BENCH_LONG_CONCURRENCY', 10)),
  gapMs: int('BENCH_GAP_MS', 10),
  firstTokenMs: int('BENCH_FIRST_TOKEN_MS', 0),
  rounds: Math.max(1, int('BENCH_ROUNDS', 4)),
  turnsPerConversation: Math.max(1, int('BENCH_TURNS_PER_CONVERSATION', 10)),
  isSeeding: env.BENCH_SKIP_SEED !== '1',
  seedConversations: int('BENCH_SEED_CONVERSATIONS', 10_000),
  smallConversations: int('BENCH_SMALL_CONVERSATIONS', 100),
  messagesPerConversation: int('BENCH_SEED_MESSAGES_PER_CONVERSATION', 100),
  pageRequests: int('BENCH_PAGE_REQUESTS', 300),
  /** How long the servers rest after the chat run before their settled memory is read. */
  settleMs: int('BENCH_SETTLE_MS', 75_000),
  isBuilding: env.BENCH_SKIP_BUILD !== '1',
  /** BENCH_TRACING=1: each storage's server also runs traced at 100% to an OTLP sink, in the same rounds. */
  isTracing: env.BENCH_TRACING === '1',
  entry: env.BENCH_ENTRY === 'tsx' ? ('tsx' as const) : ('dist' as const),
  cpuProfileDir:
    env.BENCH_CPU_PROFILE === '1'
      ? path.join(repoRoot, 'bench/.profiles', new Date().toISOString().replace(/[:.]/g, '-'))
      : undefined,
  storages: (env.BENCH_STORAGE ?? (env.DATABASE_URL ? 'embedded,postgres' : 'embedded'))
    .split(',')
    .map((kind) => kind.trim()),
  output: env.BENCH_OUTPUT ?? path.join(repoRoot, 'bench', 'results', 'chat.md'),
  isWriting: env.BENCH_WRITE !== '0',
  /** BENCH_BASELINES=0 drives Parley alone (for CPU profiles); nothing is then written. */
  hasBaselines: env.BENCH_BASELINES !== '0',
  /** What-if settings for the PostgreSQL bench database, e.g. `synchronous_commit=off`. */
  postgresSettings: (env.BENCH_PG_SETTINGS ?? '')
    .split(',')
    .map((setting) => setting.trim())
    .filter(Boolean),
};

const paced: ReplyProfile = { tokens: settings.tokens, gapMs: settings.gapMs, firstTokenMs: settings.firstTokenMs };
const unpaced: ReplyProfile = { tokens: settings.tokens, gapMs: 0, firstTokenMs: 0 };
const phases: PhaseSpec[] = [
  {
    key: 'c1',
    label: `1 stream, ${settings.turnsC1} turns, paced`,
    profile: paced,
    turns: settings.turnsC1,
    concurrency: 1,
  },
  ...(settings.turnsCold > 0
    ? [
        {
          key: 'cold',
          label: `1 stream, ${settings.turnsCold} turns, each after ${(settings.coldIdleMs / 1000).toFixed(1)} s idle (cold)`,
          profile: paced,
          turns: settings.turnsCold,
          concurrency: 1,
          idleBeforeTurnMs: settings.coldIdleMs,
        },
      ]
    : []),
  {
    key: 'c50',
    label: `${settings.concurrency} streams, ${settings.turnsC50} turns, paced`,
    profile: paced,
    turns: settings.turnsC50,
    concurrency: settings.concurrency,
  },
  {
    key: 'throughput',
    label: `${settings.concurrency} streams, ${settings.turnsThroughput} turns, unpaced (throughput)`,
    profile: unpaced,
    turns: settings.turnsThroughput,
    concurrency: settings.concurrency,
  },
  // Real replies send hundreds of tokens, the others ten: what each token costs shows here.
  ...(settings.longTokens > 0 && settings.turnsLong > 0
    ? [
        {
          key: 'long',
          label: `${settings.longConcurrency} streams, ${settings.turnsLong} turns of ${settings.longTokens} tokens, unpaced (long replies)`,
          profile: { tokens: settings.longTokens, gapMs: 0, firstTokenMs: 0 },
          turns: settings.turnsLong,
          concurrency: settings.longConcurrency,
        },
      ]
    : []),
];

const log = (line: string) => console.log(line);
const workDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-'));
const children: { stop(): Promise<void> }[] = [];
let isCleaningUp = false;
async function cleanUp(): Promise<void> {
  if (isCleaningUp) return;
  isCleaningUp = true;
  closeIdleConnections();
  await Promise.allSettled(children.map((child) => child.stop()));
  rmSync(workDir, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const loadBefore = loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
  // Read before the build: other work may be committed while the run goes on.
  const revision = gitRevision();
  log(
    `parley bench:chat — ${cpus().length} cores, Node ${process.version}, storage: ${settings.storages.join(' + ')}, work dir ${workDir}`,
  );
  if (settings.isBuilding) {
    log('building (npm run build; BENCH_SKIP_BUILD=1 skips)…');
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  }
  if (settings.entry === 'dist' && !existsSync(path.join(repoRoot, 'dist/main.js')))
    throw new Error('dist/main.js is missing: run npm run build');

  const mock = await startHelper('mock-llm.ts', {}, path.join(workDir, 'mock.log'));
  children.push(mock);
  const relay = await startHelper('bare-relay.ts', { RELAY_UPSTREAM_URL: mock.url }, path.join(workDir, 'relay.log'));
  children.push(relay);
  const sdkRelay = await startHelper(
    'sdk-relay.ts',
    { RELAY_UPSTREAM_URL: mock.url },
    path.join(workDir, 'sdk-relay.log'),
  );
  children.push(sdkRelay);
  log(`mock LLM ${mock.url}, bare relay ${relay.url}, AI SDK relay ${sdkRelay.url}`);

  const sink = settings.isTracing
    ? await startHelper('otlp-sink.mjs', {}, path.join(workDir, 'otlp-sink.log'))
    : undefined;
  if (sink) children.push(sink);
  const parleys: ParleyInstance[] = [];
  for (const kind of settings.storages) {
    if (kind !== 'embedded' && kind !== 'postgres') throw new Error(`BENCH_STORAGE: unknown storage '${kind}'`);
    for (const otlpEndpoint of sink ? [undefined, sink.url] : [undefined]) {
      const instance = await launchParley({
        storageKind: kind,
        databaseUrl: env.DATABASE_URL,
        workDir,
        mockUrl: mock.url,
        entry: settings.entry,
        cpuProfileDir: settings.cpuProfileDir,
        postgresSettings: settings.postgresSettings,
        countsStatements: settings.roundTripTurnsWarm + settings.roundTripTurnsCold > 0,
        otlpEndpoint,
      });
      children.push(instance);
      parleys.push(instance);
      log(`${instance.label} ready at ${instance.child().url} (RSS ${instance.startupRssMb?.toFixed(0)} MB)`);
    }
  }

  const targets: ChatTarget[] = [
    ...(settings.hasBaselines
      ? [
          openAICompatibleTarget('direct', 'mock, direct', mock.url, mock.pid),
          openAICompatibleTarget('relay', 'bare relay', relay.url, relay.pid),
          openAICompatibleTarget('sdk-relay', 'AI SDK relay', sdkRelay.url, sdkRelay.pid),
        ]
      : []),
    ...parleys.map((instance) =>
      parleyTarget({
        key: instance.key,
        label: instance.label,
        pid: instance.child().pid,
        client: instance.client,
        session: instance.admin,
        providerName,
        turnsPerConversation: settings.turnsPerConversation,
      }),
    ),
  ];

  // The floor under embedded Parley's idle memory, resting beside it (bench/chat/bare-pglite.mjs).
  const barePglite = settings.storages.includes('embedded')
    ? await startHelper(
        'bare-pglite.mjs',
        { BARE_PGLITE_DIR: path.join(workDir, 'bare-pglite') },
        path.join(workDir, 'bare-pglite.log'),
      )
    : undefined;
  if (barePglite) children.push(barePglite);

  log('warming up…');
  await warmUp(targets, phases);
  await sleep(1000);
  const idle = new Map(targets.map((target) => [target.key, readMemory(target.pid)?.rssMb]));
  log(`chat phases (${settings.rounds} rounds, targets interleaved)…`);
  const chat = await runChatPhases(targets, phases, settings.rounds, log, { mockPid: mock.pid });
  const peaks = new Map(targets.map((target) => [target.key, readMemory(target.pid)?.peakRssMb]));
  log(`resting ${settings.settleMs / 1000} s for the settled memory…`);
  await sleep(settings.settleMs);
  const settled = new Map(targets.map((target) => [target.key, readMemory(target.pid)?.rssMb]));
  const barePgliteRssMb = barePglite ? readMemory(barePglite.pid)?.rssMb : undefined;
  const mockStats = (await (await fetch(`${mock.url}/_stats`)).json()) as {
    streamed: number;
    completed: number;
    unary: number;
  };

  const roundTrips: RoundTripCount[] = [];
  if (settings.roundTripTurnsWarm + settings.roundTripTurnsCold > 0) {
    for (const instance of parleys) {
      log(`${instance.label}: round trips per turn, counted at the server's driver…`);
      const counts = await countRoundTrips(instance, mock.url, {
        profile: paced,
        warm: settings.roundTripTurnsWarm,
        cold: settings.roundTripTurnsCold,
        coldIdleMs: settings.coldIdleMs,
      });
      roundTrips.push(...counts);
    }
  }

  const pages: PageReport[] = [];
  if (settings.isSeeding) {
    for (const instance of parleys) {
      log(`${instance.label}: list and history pages (seeding ${settings.seedConversations} conversations)…`);
      pages.push(await measurePages(instance, settings, log));
    }
  }

  const targetInfos: TargetInfo[] = targets.map((target) => {
    const instance = parleys.find((parley) => parley.key === target.key);
    return {
      key: target.key,
      label: target.label,
      isParley: Boolean(instance),
      ...(instance && {
        storage: instance.storage.kind,
        startupRssMb: instance.startupRssMb,
        firstStartRssMb: instance.firstStartRssMb,
      }),
      idleRssMb: idle.get(target.key),
      settledRssMb: settled.get(target.key),
      peakRssMb: peaks.get(target.key),
    };
  });
  await cleanUp();

  const report = renderReport({
    machine: {
      date: new Date().toISOString(),
      command: commandLine(),
      cores: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown CPU',
      node: process.version,
      loadBefore,
      loadAfter: loadavg()
        .map((value) => value.toFixed(2))
        .join(' '),
      settings: describeSettings(),
      revision,
    },
    phases,
    targets: targetInfos,
    chat,
    mockStats,
    pages,
    durationSeconds: (performance.now() - startedAt) / 1000,
    settleSeconds: settings.settleMs / 1000,
    barePgliteRssMb,
  });
  const markdown = `${report}\n${renderRoundTrips(roundTrips)}`;
  log('');
  log(markdown);
  if (settings.isWriting && settings.hasBaselines) await writeReport(markdown);
  if (settings.cpuProfileDir) log(`CPU profiles of the Parley children: ${settings.cpuProfileDir}`);
}

function describeSettings(): string {
  return [
    `reply ${settings.tokens} tokens, ${settings.gapMs} ms apart, first after ${settings.firstTokenMs} ms`,
    `${settings.rounds} rounds`,
    `${settings.turnsPerConversation} turns per Parley conversation`,
    `Parley from ${settings.entry === 'dist' ? 'dist/ (built)' : 'src/ via tsx'}`,
    settings.isSeeding
      ? `pages: ${settings.seedConversations} vs ${settings.smallConversations} conversations × ${settings.messagesPerConversation} messages, ${settings.pageRequests} requests per kind`
      : 'pages: skipped',
    settings.cpuProfileDir ? 'CPU profiling ON (slower)' : '',
    settings.postgresSettings.length ? `PostgreSQL database settings: ${settings.postgresSettings.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** The commit measured, and whether src/ had uncommitted changes (what dist/ was built from). */
function gitRevision(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
    const changed = execFileSync('git', ['status', '--porcelain', '--', 'src', 'migrations'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim();
    return changed ? `${commit} with uncommitted changes in src/ or migrations/` : commit;
  } catch {
    return 'unknown';
  }
}

function commandLine(): string {
  const shown = Object.keys(env)
    .filter((name) => name.startsWith('BENCH_') || name === 'DATABASE_URL')
    .sort()
    .map((name) => `${name}=${env[name]}`);
  return [...shown, 'npm run bench:chat'].join(' ');
}

/** Newest run first, under the file's fixed introduction (everything above the first "## Run of"). */
async function writeReport(markdown: string): Promise<void> {
  const marker = '\n## Run of ';
  const existing = existsSync(settings.output) ? readFileSync(settings.output, 'utf8') : '';
  const cut = existing.indexOf(marker);
  const intro = cut >= 0 ? existing.slice(0, cut) : existing || '# Benchmarks\n';
  const previous = cut >= 0 ? existing.slice(cut + 1) : '';
  // The new run is formatted like the repository's other files; the hand-written sections around it keep
  // their own line breaks (formatting the whole file rewrapped every table and list in them).
  const options = (await prettier.resolveConfig(settings.output)) ?? {};
  const run = await prettier.format(markdown, { ...options, filepath: settings.output });
  writeFileSync(settings.output, `${intro.trimEnd()}\n\n${run.trimEnd()}\n${previous ? `\n${previous}` : ''}`);
  log(`written to ${settings.output}`);
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    console.error('bench:chat failed:', error instanceof Error ? (error.stack ?? error.message) : error);
    await cleanUp();
    process.exit(1);
  },
);
