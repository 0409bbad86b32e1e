/**
 * `npm run bench:realtime` — Parley's WebSocket layer beside a bare `ws` broadcast server (the floor),
 * in one run: memory per idle authenticated connection, fan-out latency of a delta on the node that
 * writes the turn and on another node through Redis, and events/s delivered to many subscribers of one
 * conversation. Clients run in their own process; servers in theirs. Settings below (all optional).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { readMemory, repoRoot, sleep, startHelper, type RunningChild } from '../chat/processes.js';
import { launchTwoNodes, providerName } from './parley-nodes.js';
import { bareTarget, parleyTarget, type RealtimeTarget } from './realtime-targets.js';
import { renderRealtimeReport, type FanOutRow, type MemoryRow, type ThroughputRow } from './report.js';
import { startSocketFleet, type SocketFleet } from './socket-fleet.js';
import { stampModelId } from './stamped-llm.js';

const env = process.env;
const int = (name: string, fallback: number) => {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name} must be a whole number, got '${value}'`);
  return parsed;
};

const settings = {
  idleConnections: int('BENCH_IDLE_CONNECTIONS', 10_000),
  subscriberCounts: (env.BENCH_SUBSCRIBERS ?? '1,500').split(',').map(Number),
  latencyTurns: int('BENCH_LATENCY_TURNS', 5),
  latencyTokens: int('BENCH_LATENCY_TOKENS', 20),
  latencyGapMs: int('BENCH_LATENCY_GAP_MS', 50),
  throughputSubscribers: int('BENCH_THROUGHPUT_SUBSCRIBERS', 1000),
  throughputTokens: int('BENCH_THROUGHPUT_TOKENS', 300),
  databaseUrl: env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/parley_bench_realtime',
  redisUrl: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/13',
  isSkippingParley: env.BENCH_SKIP_PARLEY === '1',
};

const workDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-realtime-'));
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const startedAt = new Date();
const loadBefore = loadavg();

const mock = await startHelper('../realtime/stamped-llm.ts', {}, path.join(workDir, 'mock.log'));
const bare = await startHelper(
  '../realtime/bare-broadcast.ts',
  { BROADCAST_UPSTREAM_URL: mock.url },
  path.join(workDir, 'bare.log'),
);
const fleet = startSocketFleet();
const children: RunningChild[] = [mock, bare];

const memoryRows: MemoryRow[] = [];
const fanOutRows: FanOutRow[] = [];
const throughputRows: ThroughputRow[] = [];

try {
  const floor = bareTarget(bare);
  const targets: { memory: RealtimeTarget[]; sameNode: RealtimeTarget[]; crossNode: RealtimeTarget[] } = {
    memory: [floor],
    sameNode: [floor],
    crossNode: [],
  };
  if (!settings.isSkippingParley) {
    log('starting two Parley nodes over PostgreSQL and Redis');
    const deployment = await launchTwoNodes({
      databaseUrl: settings.databaseUrl,
      redisUrl: settings.redisUrl,
      mockUrl: mock.url,
      workDir,
    });
    children.push(deployment.nodeA, deployment.nodeB);
    const agents = new Map<string, string>();
    const common = { server: deployment.nodeA, session: deployment.session, providerName, agents };
    const sameNode = parleyTarget({ ...common, label: 'Parley, same node', producer: deployment.nodeA });
    const crossNode = parleyTarget({ ...common, label: 'Parley, other node via Redis', producer: deployment.nodeB });
    targets.memory.push(sameNode);
    targets.sameNode.push(sameNode);
    targets.crossNode.push(crossNode);
  }

  for (const target of targets.memory) memoryRows.push(await measureIdleMemory(fleet, target));
  for (const subscribers of settings.subscriberCounts) {
    for (const target of [...targets.sameNode, ...targets.crossNode]) {
      fanOutRows.push(await measureFanOut(fleet, target, subscribers));
    }
  }
  for (const target of targets.sameNode) throughputRows.push(await measureThroughput(fleet, target));
} finally {
  fleet.stop();
  await Promise.all(children.map((child) => child.stop()));
}

const report = renderRealtimeReport({
  startedAt,
  settings,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', loadBefore, loadAfter: loadavg() },
  memoryRows,
  fanOutRows,
  throughputRows,
});
const resultsDir = path.join(repoRoot, 'bench/results');
mkdirSync(resultsDir, { recursive: true });
const file = path.join(resultsDir, `realtime-${startedAt.toISOString().slice(0, 10)}.md`);
writeFileSync(file, report);
console.log(report);
log(`written to ${path.relative(repoRoot, file)}`);

/** Server RSS (and heap) before and after opening N idle sockets that each received their hello. */
async function measureIdleMemory(fleet: SocketFleet, target: RealtimeTarget): Promise<MemoryRow> {
  const count = settings.idleConnections;
  log(`${target.label}: opening ${count} idle connections`);
  // A first batch opened and closed, so what is measured is the sockets, not the code paths' first use.
  await fleet.open({ group: 'warm-up', url: target.socketUrl, count: Math.min(1000, count), headers: target.headers });
  await fleet.close('warm-up');
  await settleServer();
  const rssBeforeMb = readMemory(target.server.pid)?.rssMb ?? NaN;
  const heapBeforeMb = await target.heapUsedMb();
  const opened = await fleet.open({ group: 'idle', url: target.socketUrl, count, headers: target.headers });
  await settleServer();
  const rssAfterMb = readMemory(target.server.pid)?.rssMb ?? NaN;
  const heapAfterMb = await target.heapUsedMb();
  await fleet.close('idle');
  return { label: target.label, connections: opened, rssBeforeMb, rssAfterMb, heapBeforeMb, heapAfterMb };
}

/** Latency of each token from the mock's send to a subscriber's receipt, over a few turns. */
async function measureFanOut(fleet: SocketFleet, target: RealtimeTarget, subscribers: number): Promise<FanOutRow> {
  log(`${target.label}: fan-out to ${subscribers} subscribers`);
  const model = stampModelId({ tokens: settings.latencyTokens, gapMs: settings.latencyGapMs });
  const conversationId = await target.newConversation(model);
  await fleet.open({ group: 'fan-out', url: target.socketUrl, count: subscribers, headers: target.headers });
  await fleet.subscribe('fan-out', conversationId);
  await target.produce(conversationId, model); // warm-up turn, not counted
  await fleet.record('fan-out');
  await waitUntilQuiet(fleet, 'fan-out'); // its backlog must not leak into the recording
  await fleet.record('fan-out');
  for (let turn = 0; turn < settings.latencyTurns; turn += 1) await target.produce(conversationId, model);
  // Deltas still on their way (a backlog to many subscribers) are counted, not cut off.
  await waitUntilQuiet(fleet, 'fan-out');
  const recording = await fleet.stopRecording('fan-out');
  await fleet.close('fan-out');
  return {
    label: target.label,
    subscribers,
    samples: recording.latenciesMs.length,
    expected: subscribers * settings.latencyTurns * settings.latencyTokens,
    p50Ms: percentile(recording.latenciesMs, 0.5),
    p99Ms: percentile(recording.latenciesMs, 0.99),
  };
}

/** Deltas delivered per second to many subscribers of one conversation, the model writing at once. */
async function measureThroughput(fleet: SocketFleet, target: RealtimeTarget): Promise<ThroughputRow> {
  const subscribers = settings.throughputSubscribers;
  log(`${target.label}: throughput to ${subscribers} subscribers`);
  const model = stampModelId({ tokens: settings.throughputTokens, gapMs: 0 });
  const conversationId = await target.newConversation(model);
  await fleet.open({ group: 'throughput', url: target.socketUrl, count: subscribers, headers: target.headers });
  await fleet.subscribe('throughput', conversationId);
  await target.produce(conversationId, model); // warm-up
  await sleep(1000);
  await fleet.record('throughput');
  await target.produce(conversationId, model);
  // The producer's stream can end before every subscriber has read its last frame.
  await waitUntilQuiet(fleet, 'throughput');
  const recording = await fleet.stopRecording('throughput');
  await fleet.close('throughput');
  const seconds = (recording.lastAtMs - recording.firstAtMs) / 1000;
  return {
    label: target.label,
    subscribers,
    deltas: recording.deltas,
    tokens: recording.latenciesMs.length,
    expectedTokens: subscribers * settings.throughputTokens,
    seconds,
  };
}

/** Waits until a group has received nothing new for a second (60 s at most). */
async function waitUntilQuiet(fleet: SocketFleet, group: string) {
  let last = -1;
  for (let waited = 0; waited < 60_000; waited += 1000) {
    const count = await fleet.deltaCount(group);
    if (count === last) return;
    last = count;
    await sleep(1000);
  }
}

async function settleServer() {
  await sleep(5000);
}

function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}
