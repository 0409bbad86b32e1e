/**
 * `npm run bench:support` — the support desk at a year's scale: the operator's queue (the mine,
 * unassigned and all tabs, their counts) and contact search, timed over HTTP against a real server on
 * a tenant with 100,000 support conversations and 50,000 contacts beside one with 1,000 and 500, on
 * embedded storage and PostgreSQL; then the time from a contact's message to the operator's socket
 * frame, on one node and across two (PostgreSQL + Redis). Settings below (all optional).
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { requestJson } from '../chat/http-client.js';
import { launchParley, type ParleyInstance } from '../chat/parley-instance.js';
import type { Session } from '../chat/parley-api.js';
import { repoRoot } from '../chat/processes.js';
import { explainDeskQueries, type ExplainedDeskQuery } from './desk-explain.js';
import { countDirectly, seedDesk, type DeskSize, type DeskTenant } from './desk-seed.js';
import { deskRequests, timeDesk, type DeskTimingRow } from './desk-timing.js';
import { measureNotices, type NoticeRow } from './notice-latency.js';
import { renderDeskRun } from './report.js';

const env = process.env;
const int = (name: string, fallback: number) => {
  const value = Number(env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number`);
  return value;
};

const settings = {
  big: { conversations: int('BENCH_CONVERSATIONS', 100_000), contacts: int('BENCH_CONTACTS', 50_000) },
  small: { conversations: 1_000, contacts: 500 },
  operators: int('BENCH_OPERATORS', 20),
  rounds: int('BENCH_ROUNDS', 200),
  warmUp: int('BENCH_WARM_UP', 20),
  noticeSamples: int('BENCH_NOTICE_SAMPLES', 200),
  storages: (env.BENCH_STORAGES ?? 'postgres,embedded').split(',').filter(Boolean),
  parts: (env.BENCH_PARTS ?? 'queue,notice').split(',').filter(Boolean),
  databaseUrl: env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/parley_bench_support',
  redisUrl: env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/12',
  entry: env.BENCH_ENTRY === 'dist' ? ('dist' as const) : ('tsx' as const),
};

const workDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-support-'));
const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
const startedAt = new Date();
const loadBefore = loadavg();

const queueRuns: {
  storage: string;
  rows: DeskTimingRow[];
  load: number[];
  explained: ExplainedDeskQuery[];
  countsChecked: string;
}[] = [];
if (settings.parts.includes('queue')) {
  for (const storage of settings.storages) {
    if (storage !== 'embedded' && storage !== 'postgres') throw new Error(`unknown storage '${storage}'`);
    queueRuns.push(await runQueue(storage));
  }
}
let noticeRows: NoticeRow[] = [];
if (settings.parts.includes('notice')) {
  log('contact message → operator socket, one node and two nodes (PostgreSQL + Redis)');
  noticeRows = await measureNotices({
    databaseUrl: settings.databaseUrl,
    redisUrl: settings.redisUrl,
    workDir,
    samples: settings.noticeSamples,
    log,
  });
}

const report = renderDeskRun({
  startedAt,
  settings,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? '?', loadBefore, loadAfter: loadavg() },
  queueRuns,
  noticeRows,
});
const file =
  env.BENCH_OUTPUT ?? path.join(repoRoot, `bench/results/support-${startedAt.toISOString().slice(0, 10)}.md`);
mkdirSync(path.dirname(file), { recursive: true });
if (env.BENCH_WRITE !== '0') {
  if (existsSync(file)) appendFileSync(file, `\n${report}`);
  else writeFileSync(file, `# Support desk benchmark, runs\n\n${report}`);
}
console.log(report);
log(`written to ${path.relative(repoRoot, file)}`);

async function runQueue(storageKind: 'embedded' | 'postgres') {
  log(`${storageKind}: starting Parley`);
  const instance = await launchParley({
    storageKind,
    databaseUrl: settings.databaseUrl,
    workDir,
    // No model is called: the desk's queue and contacts need none.
    mockUrl: 'http://127.0.0.1:9',
    entry: settings.entry,
  });
  try {
    const big = await setUpTenant(instance, instance.admin, 'big', settings.operators);
    const smallAdmin = await instance.client.register(`small-${storageKind}@bench.test`, 'Small desk');
    const small = await setUpTenant(instance, smallAdmin, 'small', Math.max(2, Math.round(settings.operators / 4)));
    let explained: ExplainedDeskQuery[] = [];
    const expected = await instance.withDatabase(async (db) => {
      for (const [tenant, size] of [
        [big, settings.big],
        [small, settings.small],
      ] as [DeskTenant, DeskSize][]) {
        log(`${storageKind}: seeding ${size.conversations} conversations, ${size.contacts} contacts`);
        const seededAt = Date.now();
        await seedDesk(db, tenant, size);
        log(`${storageKind}: seeded in ${((Date.now() - seededAt) / 1000).toFixed(1)} s`);
      }
      explained = await explainDeskQueries(db, { tenantId: big.tenantId, operatorId: big.operatorIds[0]! });
      return {
        unresolved: await countDirectly(db, big.tenantId, big.operatorIds[0]!),
        resolved: await countDirectly(db, big.tenantId, big.operatorIds[0]!, 'resolved'),
      };
    });
    const url = instance.child().url;
    const operatorOf = async (tenant: DeskTenant & { operatorEmail: string }) =>
      (await instance.client.login(tenant.operatorEmail)).accessToken;
    const tenants = [
      { label: '100k', baseUrl: url, accessToken: await operatorOf(big) },
      { label: '1k', baseUrl: url, accessToken: await operatorOf(small) },
    ];
    const countsChecked = await checkCounts(url, tenants[0]!.accessToken, expected);
    log(`${storageKind}: ${countsChecked}`);
    log(`${storageKind}: timing ${settings.rounds} rounds`);
    const { rows, load } = await timeDesk(tenants, deskRequests(), settings);
    return { storage: storageKind, rows, load, explained, countsChecked };
  } finally {
    await instance.stop();
  }
}

/** The tenant's operators and three inboxes, made through the API as an admin would. */
async function setUpTenant(instance: ParleyInstance, admin: Session, name: string, operators: number) {
  const operatorIds: string[] = [];
  for (let index = 0; index < operators; index += 1) {
    const email = `op${index}-${name}-${instance.storage.kind}@bench.test`;
    operatorIds.push((await instance.client.createUser(admin, email, 'operator')).id);
  }
  const inboxIds: string[] = [];
  for (const inbox of ['Website', 'Shop', 'Help centre']) {
    const response = await requestJson('POST', `${instance.child().url}/v1/inboxes`, {
      headers: { authorization: `Bearer ${admin.accessToken}` },
      body: { name: inbox, allowedOrigins: ['https://shop.example'] },
    });
    if (response.status !== 201) throw new Error(`inbox: ${response.status} ${response.text}`);
    inboxIds.push(String((response.body as { id: string }).id));
  }
  return {
    tenantId: admin.tenantId,
    inboxIds,
    operatorIds,
    operatorEmail: `op0-${name}-${instance.storage.kind}@bench.test`,
  };
}

/** The API's tab counts must be the table's, for the unresolved tabs and for the resolved filter. */
async function checkCounts(
  url: string,
  accessToken: string,
  expected: Record<'unresolved' | 'resolved', { mine: number; unassigned: number; all: number }>,
): Promise<string> {
  const read = async (query: string) =>
    (
      await requestJson('GET', `${url}/v1/support-conversations/counts${query}`, {
        headers: { authorization: `Bearer ${accessToken}` },
      })
    ).body as { mine: number; unassigned: number; all: number };
  const unresolved = await read('');
  const resolved = await read('?status=resolved');
  const same = (a: object, b: object) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(unresolved, expected.unresolved) || !same(resolved, expected.resolved)) {
    throw new Error(
      `counts differ from the table: API ${JSON.stringify({ unresolved, resolved })}, table ${JSON.stringify(expected)}`,
    );
  }
  return `counts match the table: unresolved ${JSON.stringify(unresolved)}, resolved ${JSON.stringify(resolved)}`;
}
