/**
 * Analytics overview benchmark (issue 37): the whole overview (every figure, by day) for a 90-day range
 * over a tenant's history of 100,000 and 1,000,000 messages (10 a conversation), seeded with bulk SQL,
 * on embedded PGlite and, with DATABASE_URL, on PostgreSQL. Times the rebuild of the rollups, then the
 * service call (the recount of what changed, the queries and the assembly; HTTP adds a JSON encoding of
 * ~10 kB): at rest, right after a new message, and with an operator filter (raw rows). Prints a
 * Markdown report, EXPLAIN ANALYZE of the rollup queries included.
 *
 *   npm run bench:analytics                         # embedded
 *   DATABASE_URL=postgres://…/parley_bench npm run bench:analytics
 *   BENCH_SIZES=100000 BENCH_RUNS=20 npm run bench:analytics
 */
import { loadavg, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { createAnalyticsRawRepository } from '../../src/modules/analytics/analytics-raw.repository.js';
import { createAnalyticsRollupsRepository } from '../../src/modules/analytics/analytics-rollups.repository.js';
import { createAnalyticsRollups } from '../../src/modules/analytics/analytics-rollups.js';
import { createAnalyticsSpendRepository } from '../../src/modules/analytics/analytics-spend.repository.js';
import { createAnalyticsRepository } from '../../src/modules/analytics/analytics.repository.js';
import { createAnalyticsService } from '../../src/modules/analytics/analytics.service.js';
import { analyticsQuery } from '../../src/modules/analytics/analytics.schemas.js';
import { newId } from '../../src/platform/ids.js';
import { openBenchStorage } from '../retrieval/bench-storage.js';
import { seedHistory } from './seed.js';

const env = process.env;
const sizes = (env.BENCH_SIZES ?? '100000,1000000').split(',').map(Number);
const runs = Number(env.BENCH_RUNS ?? 30);
// The operator filter reads the raw rows: seconds a run at a million messages.
const rawRuns = Number(env.BENCH_RAW_RUNS ?? 3);
const storages = (env.BENCH_STORAGE ?? (env.DATABASE_URL ? 'postgres,embedded' : 'embedded')).split(',');
const end = new Date('2026-11-26T00:00:00Z');

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;

console.log(`# Analytics overview benchmark\n`);
console.log(
  `${new Date().toISOString()} · ${cpus().length} cores · load ${load()} · ${runs} timed runs after 3 warm-ups\n`,
);

for (const storageKind of storages) {
  for (const messagesCount of sizes) {
    const storage = await openBenchStorage(storageKind === 'postgres' ? env.DATABASE_URL : undefined);
    try {
      const conversations = messagesCount / 10;
      const seedStarted = performance.now();
      const seeded = await seedHistory(storage.handle, { conversations, days: 90, end });
      const seedSeconds = (performance.now() - seedStarted) / 1000;
      const rollups = createAnalyticsRollups({
        db: storage.handle.db,
        repository: createAnalyticsRollupsRepository(),
        logger: { warn: console.warn, info: () => undefined },
      });
      const rebuildStarted = performance.now();
      await rollups.rebuildAll([seeded.tenantId]);
      const rebuildSeconds = (performance.now() - rebuildStarted) / 1000;
      // The bulk seed leaves a million fresh rows for autovacuum; left alone it runs during the timing. A
      // tenant's history does not arrive in one statement, so the timing starts after it (embedded
      // storage has no autovacuum: nothing to wait for).
      if (storageKind === 'postgres') await storage.handle.executeSql('vacuum analyze');
      const service = createAnalyticsService({
        db: storage.handle.db,
        repository: createAnalyticsRepository(),
        rawRepository: createAnalyticsRawRepository(),
        rollups,
        spendRepository: createAnalyticsSpendRepository(),
      });
      const actor = {
        tenantId: seeded.tenantId,
        userId: seeded.operatorIds[0]!,
        role: 'tenant_admin' as const,
        via: 'system' as const,
      };
      const query = analyticsQuery.parse({ from: '2026-08-28', to: '2026-11-25' });
      const filtered = analyticsQuery.parse({ from: '2026-08-28', to: '2026-11-25', inboxId: seeded.inboxIds[0] });
      const byOperator = analyticsQuery.parse({
        from: '2026-08-28',
        to: '2026-11-25',
        operatorId: seeded.operatorIds[0],
      });
      const conversationId = (
        (await storage.handle.executeSql(
          'select id from conversations where tenant_id = $1 order by created_at desc limit 1',
          [seeded.tenantId],
        )) as { rows: { id: string }[] }
      ).rows[0]!.id;
      // A new message in the range's last day: the overview first recounts that day and conversation.
      const writeOne = () =>
        storage.handle.executeSql(
          `insert into messages (id, tenant_id, conversation_id, role, content, status, created_at)
           values ($1, $2, $3, 'user', 'one more', 'complete', '2026-11-25T23:00:00Z')`,
          [newId(), seeded.tenantId, conversationId],
        );
      const overview = await service.overview(actor, query);
      for (let warm = 0; warm < 2; warm += 1) await service.overview(actor, query);
      const time = async (input: typeof query, count = runs, before?: () => Promise<unknown>) => {
        const times: number[] = [];
        for (let run = 0; run < count; run += 1) {
          await before?.();
          const started = performance.now();
          await service.overview(actor, input);
          times.push(performance.now() - started);
        }
        return times.sort((a, b) => a - b);
      };
      const loadBefore = load();
      const whole = await time(query);
      const byInbox = await time(filtered);
      const afterWrite = await time(query, runs, writeOne);
      const operator = await time(byOperator, rawRuns);
      console.log(
        `## ${storage.label}, ${messagesCount.toLocaleString('en')} messages, ${conversations.toLocaleString('en')} conversations\n`,
      );
      console.log(
        `seeded in ${seedSeconds.toFixed(1)} s; rollups rebuilt in ${rebuildSeconds.toFixed(1)} s; the range holds ${overview.totals.messages.total.toLocaleString('en')} messages, ${overview.totals.conversations.toLocaleString('en')} conversations; load before timing ${loadBefore}, after ${load()}\n`,
      );
      console.log('| request | p50 ms | p95 ms | max ms |\n|---|---:|---:|---:|');
      for (const [label, times] of [
        ['overview, 90 days by day', whole],
        ['overview, 90 days, one inbox', byInbox],
        ['overview, 90 days, right after a new message', afterWrite],
        [`overview, 90 days, one operator (raw rows, ${rawRuns} runs)`, operator],
      ] as const) {
        console.log(
          `| ${label} | ${quantile(times, 0.5).toFixed(1)} | ${quantile(times, 0.95).toFixed(1)} | ${times.at(-1)!.toFixed(1)} |`,
        );
      }
      if (env.BENCH_EXPLAIN !== '0') await explainEach(storage.handle, seeded.tenantId);
      console.log('');
    } finally {
      await storage.handle
        .executeSql('delete from tenants where name like $1', ['bench analytics %'])
        .catch(() => undefined);
      await storage.dispose();
    }
  }
}

/**
 * Each query's time alone, from EXPLAIN ANALYZE of the statements the repository runs: each method runs
 * for real (its answers decide what it reads next, as the percentiles do), and every statement it sent
 * is kept under the method's name.
 */
async function explainEach(handle: Awaited<ReturnType<typeof openBenchStorage>>['handle'], tenantId: string) {
  const statements: { label: string; sql: string; params: unknown[] }[] = [];
  const repository = createAnalyticsRepository();
  let label = '';
  const recording = new Proxy(handle.db, {
    get(target, property, receiver) {
      if (property !== 'execute') return Reflect.get(target, property, receiver);
      return (query: { getSQL(): unknown }) => {
        const dialect = (
          target as unknown as { dialect: { sqlToQuery(sql: unknown): { sql: string; params: unknown[] } } }
        ).dialect;
        const built = dialect.sqlToQuery(query.getSQL());
        statements.push({ label, sql: built.sql, params: built.params });
        return target.execute(query as Parameters<typeof target.execute>[0]);
      };
    },
  });
  const scope = {
    tenantId,
    from: new Date('2026-08-28T00:00:00Z'),
    until: new Date('2026-11-26T00:00:00Z'),
    bucket: 'day' as const,
  };
  const methods = [
    ['messages by day and model', () => repository.messageGroups(recording, scope)],
    ['active people', () => repository.activePeople(recording, scope)],
    ['conversations and AI first response', () => repository.conversations(recording, scope)],
    ['support conversations, human response, resolution', () => repository.supportConversations(recording, scope)],
    ['ratings', () => repository.ratings(recording, scope)],
    ['tools', () => repository.tools(recording, scope)],
  ] as const;
  for (const [name, read] of methods) {
    label = name;
    await read();
  }
  const counts = new Map<string, number>();
  for (const statement of statements) counts.set(statement.label, (counts.get(statement.label) ?? 0) + 1);
  const seen = new Map<string, number>();
  for (const statement of statements) {
    if (counts.get(statement.label)! < 2) continue;
    const index = (seen.get(statement.label) ?? 0) + 1;
    seen.set(statement.label, index);
    statement.label = `${statement.label} (${index} of ${counts.get(statement.label)})`;
  }
  console.log('\n| query (EXPLAIN ANALYZE) | execution ms | top plan node |\n|---|---:|---|');
  for (const statement of statements) {
    const { rows } = await handle.executeSql(`explain (analyze, format json) ${statement.sql}`, statement.params);
    const plan = (rows[0] as { 'QUERY PLAN': unknown })['QUERY PLAN'];
    const parsed = (typeof plan === 'string' ? JSON.parse(plan) : plan) as {
      'Execution Time': number;
      Plan: Record<string, unknown>;
    }[];
    const root = parsed[0]!;
    console.log(`| ${statement.label} | ${root['Execution Time'].toFixed(1)} | ${describe(root.Plan)} |`);
  }
}

function describe(plan: Record<string, unknown>): string {
  const scans: string[] = [];
  const walk = (node: Record<string, unknown>) => {
    const type = String(node['Node Type']);
    const target = (node['Index Name'] ?? node['Relation Name'] ?? '') as string;
    if (/Scan/.test(type)) scans.push(target ? `${type} ${target}` : type);
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
  };
  walk(plan);
  return `${String(plan['Node Type'])}: ${[...new Set(scans)].slice(0, 4).join(', ')}`;
}
