/**
 * `npm run bench:webhooks` — signed webhook delivery on PostgreSQL: events/s delivered to a local
 * receiver (its own process, verifying every signature with `standardwebhooks`) and the latency from
 * an event's storing to its receipt, p50/p99, in a burst and at a steady rate under it. The events are
 * `contact.created`, made through the public API by a few concurrent clients. Settings (all optional):
 * BENCH_EVENTS (burst size), BENCH_CLIENTS, BENCH_STEADY_SECONDS, BENCH_STEADY_FRACTION (of the burst's
 * rate), BENCH_DATABASE_URL, BENCH_CHILD_ENV (extra server settings, `NAME=value …`), BENCH_LABEL,
 * BENCH_HANGING_EVENTS (the last phase's size: the same events, now also sent to a second endpoint that
 * never answers, as a tenant's dead receiver would; 0 skips it).
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { requestJson } from '../chat/http-client.js';
import { launchParley } from '../chat/parley-instance.js';
import type { Session } from '../chat/parley-api.js';
import { cpuMsBetween, readCpuMs, readCpuMsOfCommand, repoRoot, sleep, startHelper } from '../chat/processes.js';
import type { Receipt } from './receiver.js';

const env = process.env;
const int = (name: string, fallback: number) => {
  const parsed = Number(env[name] ?? fallback);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`${name} must be a positive number`);
  return parsed;
};
const settings = {
  events: int('BENCH_EVENTS', 2000),
  clients: int('BENCH_CLIENTS', 8),
  steadySeconds: int('BENCH_STEADY_SECONDS', 20),
  steadyFraction: int('BENCH_STEADY_FRACTION', 0.5),
  databaseUrl: env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/parley_bench_webhooks',
  serverEnv: env.BENCH_CHILD_ENV ?? '',
  label: env.BENCH_LABEL ?? 'defaults',
  hangingEvents: Number(env.BENCH_HANGING_EVENTS ?? 300),
};

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const workDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-webhooks-'));
const startedAt = new Date();
const loadBefore = loadavg();

// Deliveries go to 127.0.0.1, which the outbound door refuses unless allowed.
env.BENCH_CHILD_ENV = `OUTBOUND_ALLOW=127.0.0.1 ${settings.serverEnv}`.trim();
const receiver = await startHelper('../webhooks/receiver.ts', {}, path.join(workDir, 'receiver.log'));
log('starting Parley on PostgreSQL');
const parley = await launchParley({
  storageKind: 'postgres',
  databaseUrl: settings.databaseUrl,
  workDir,
  mockUrl: 'http://127.0.0.1:9', // no model is called
  entry: 'tsx',
});

interface PhaseResult {
  readonly name: string;
  readonly events: number;
  readonly delivered: number;
  readonly createdPerSecond: number;
  readonly deliveredPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly cpu: { parleyMs: number; postgresMs: number; receiverMs: number; seconds: number };
  readonly load: number[];
}

const call = async (session: Session, method: string, url: string, body?: unknown) => {
  const response = await requestJson(method, `${parley.child().url}${url}`, {
    body,
    headers: { authorization: `Bearer ${session.accessToken}` },
  });
  if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${response.text.slice(0, 300)}`);
  return response.body as Record<string, unknown>;
};
const receipts = async () =>
  (await requestJson('GET', `${receiver.url}/receipts`)).body as {
    receipts: Receipt[];
    unverified: number;
    duplicates: number;
  };

let contacts = 0;
const createContact = () => call(parley.admin, 'POST', '/v1/contacts', { name: `Bench contact ${++contacts}` });

/** Runs `count` creations with `clients` at once, or one every `gapMs` when paced. */
async function makeEvents(count: number, options: { clients?: number; gapMs?: number }) {
  if (options.gapMs !== undefined) {
    const pending: Promise<unknown>[] = [];
    const start = performance.now();
    for (let index = 0; index < count; index += 1) {
      const due = start + index * options.gapMs;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      pending.push(createContact());
    }
    await Promise.all(pending);
    return;
  }
  let left = count;
  await Promise.all(
    Array.from({ length: options.clients ?? 1 }, async () => {
      while (left > 0) {
        left -= 1;
        await createContact();
      }
    }),
  );
}

async function phase(name: string, count: number, options: { clients?: number; gapMs?: number }) {
  await requestJson('DELETE', `${receiver.url}/receipts`);
  const parleyBefore = readCpuMs(parley.child().pid);
  const postgresBefore = readCpuMsOfCommand('postgres');
  const receiverBefore = readCpuMs(receiver.pid);
  const startedMs = performance.now();
  log(`${name}: ${count} events`);
  await makeEvents(count, options);
  let got = await receipts();
  for (let waited = 0; got.receipts.length < count && waited < 180_000; waited += 250) {
    await sleep(250);
    got = await receipts();
  }
  const seconds = (performance.now() - startedMs) / 1000;
  const list = got.receipts.filter((receipt) => receipt.type === 'contact.created');
  const latencies = list.map((receipt) => receipt.receivedAtMs - receipt.eventAtMs).sort((a, b) => a - b);
  const firstEvent = Math.min(...list.map((receipt) => receipt.eventAtMs));
  const lastEvent = Math.max(...list.map((receipt) => receipt.eventAtMs));
  const lastReceipt = Math.max(...list.map((receipt) => receipt.receivedAtMs));
  const at = (fraction: number) => latencies[Math.min(latencies.length - 1, Math.floor(fraction * latencies.length))]!;
  if (got.unverified > 0 || got.duplicates > 0) {
    log(`${name}: ${got.unverified} deliveries failed to verify, ${got.duplicates} duplicates`);
  }
  const result: PhaseResult = {
    name,
    events: count,
    delivered: list.length,
    createdPerSecond: (list.length * 1000) / Math.max(1, lastEvent - firstEvent),
    deliveredPerSecond: (list.length * 1000) / Math.max(1, lastReceipt - firstEvent),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: latencies.at(-1) ?? NaN,
    cpu: {
      parleyMs: readCpuMs(parley.child().pid) - parleyBefore,
      postgresMs: cpuMsBetween(postgresBefore, readCpuMsOfCommand('postgres')),
      receiverMs: readCpuMs(receiver.pid) - receiverBefore,
      seconds,
    },
    load: loadavg(),
  };
  log(JSON.stringify(result));
  return result;
}

const results: PhaseResult[] = [];
try {
  const endpoint = await call(parley.admin, 'POST', '/v1/webhooks', {
    url: `${receiver.url}/hooks`,
    eventTypes: ['contact.created'],
  });
  await requestJson('PUT', `${receiver.url}/secret`, { body: endpoint.secret });
  await phase('warm-up', 100, { clients: settings.clients });
  const burst = await phase('burst', settings.events, { clients: settings.clients });
  results.push(burst);
  const rate = Math.max(1, burst.deliveredPerSecond * settings.steadyFraction);
  const steadyEvents = Math.round(rate * settings.steadySeconds);
  results.push(await phase(`steady, ${rate.toFixed(0)} events/s`, steadyEvents, { gapMs: 1000 / rate }));
  if (settings.hangingEvents > 0) {
    await call(parley.admin, 'POST', '/v1/webhooks', { url: `${receiver.url}/hang`, eventTypes: ['contact.created'] });
    results.push(
      await phase('burst, each event also to an endpoint that hangs', settings.hangingEvents, {
        clients: settings.clients,
      }),
    );
  }
} finally {
  await parley.stop();
  await receiver.stop();
}

const fixed = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits });
const loads = (load: number[]) => load.map((value) => value.toFixed(2)).join(', ');
const rows = results.map((result) => {
  const cpuPercent = (ms: number) => `${fixed((ms / 10 / result.cpu.seconds) * 1, 0)} %`;
  return `| ${result.name} | ${result.delivered}/${result.events} | ${fixed(result.createdPerSecond)} | **${fixed(result.deliveredPerSecond)}** | ${fixed(result.p50Ms)} | ${fixed(result.p99Ms)} | ${fixed(result.maxMs)} | ${cpuPercent(result.cpu.parleyMs)} / ${cpuPercent(result.cpu.postgresMs)} / ${cpuPercent(result.cpu.receiverMs)} | ${loads(result.load)} |`;
});
const section = [
  `## ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC — ${settings.label}`,
  '',
  `PostgreSQL, one Parley node (tsx), receiver in its own process on 127.0.0.1 verifying every signature.`,
  `${cpus().length} cores (${cpus()[0]?.model ?? '?'}); load before ${loads(loadBefore)}. Burst: ${settings.events} contact.created events from ${settings.clients} clients; steady: ${settings.steadyFraction} × the burst's delivered rate for ${settings.steadySeconds} s. Server settings: \`${env.BENCH_CHILD_ENV}\`.`,
  '',
  '| phase | delivered | created/s | delivered/s | latency p50 ms | p99 ms | max ms | CPU Parley / PostgreSQL / receiver (of one core) | load after |',
  '|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
].join('\n');
const resultsDir = path.join(repoRoot, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const file = path.join(resultsDir, `webhooks-${startedAt.toISOString().slice(0, 10)}.md`);
if (!existsSync(file)) writeFileSync(file, '# Webhook delivery runs\n\n');
appendFileSync(file, `${section}\n`);
console.log(section);
log(`appended to ${path.relative(repoRoot, file)}`);
