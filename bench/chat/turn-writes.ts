/**
 * Counts what one chat turn writes on PostgreSQL: transactions committed and rows inserted, updated and
 * deleted, table by table (issue 62's "the chat turn writes no more rows than before"). Runs the bench's
 * mock and Parley (from `src/` through tsx, or `dist/` with ENTRY=dist) on a database whose name contains
 * `bench`, reads `pg_stat_database` and `pg_stat_user_tables` around an idle window and around a window
 * of TURNS turns of the same length, and prints (turns − idle) / TURNS, so the server's own timers
 * (maintenance, job polling) are taken out. Jobs a turn queues (its title, a summary) count: they are the
 * turn's cost too.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley_bench_writes npx tsx bench/chat/turn-writes.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { launchParley } from './parley-instance.js';
import { startMockLlm } from './mock-llm.js';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL names the bench database');
const turns = Number(process.env.TURNS ?? 20);
const settleMs = Number(process.env.SETTLE_MS ?? 6_000);
const database = new URL(databaseUrl).pathname.slice(1);

interface Counts {
  readonly transactions: number;
  readonly tables: ReadonlyMap<string, { ins: number; upd: number; del: number }>;
}

async function readCounts(client: pg.Client): Promise<Counts> {
  // An idle backend reports its counts within 10 s (PostgreSQL's PGSTAT_IDLE_INTERVAL): wait them out.
  await new Promise((resolve) => setTimeout(resolve, 11_000));
  await client.query('select pg_stat_clear_snapshot()');
  const commits = await client.query<{ n: string }>(
    'select xact_commit::text as n from pg_stat_database where datname = $1',
    [database],
  );
  const rows = await client.query<{ relname: string; ins: string; upd: string; del: string }>(
    `select relname, n_tup_ins::text as ins, n_tup_upd::text as upd, n_tup_del::text as del
       from pg_stat_all_tables where schemaname not in ('pg_catalog', 'information_schema', 'pg_toast')`,
  );
  return {
    transactions: Number(commits.rows[0]?.n ?? 0),
    tables: new Map(rows.rows.map((row) => [row.relname, { ins: +row.ins, upd: +row.upd, del: +row.del }])),
  };
}

function difference(after: Counts, before: Counts) {
  const tables = new Map<string, { ins: number; upd: number; del: number }>();
  for (const [name, counts] of after.tables) {
    const was = before.tables.get(name) ?? { ins: 0, upd: 0, del: 0 };
    tables.set(name, { ins: counts.ins - was.ins, upd: counts.upd - was.upd, del: counts.del - was.del });
  }
  return { transactions: after.transactions - before.transactions, tables };
}

/** Tables written by the log's readers, rollups and jobs, after the turn answered (not in its statements). */
const writtenAfterTheTurn = (table: string) =>
  /^(analytics_|webhook_|email_|log_cursors$|job$|archive$|queue$|schedule$|version$)/.test(table);

const mock = await startMockLlm();
const parley = await launchParley({
  storageKind: 'postgres',
  databaseUrl,
  workDir: mkdtempSync(path.join(tmpdir(), 'parley-turn-writes-')),
  mockUrl: mock.url,
  entry: process.env.ENTRY === 'dist' ? 'dist' : 'tsx',
});
const client = new pg.Client({ connectionString: databaseUrl });
await client.connect();
try {
  const agent = await parley.client.createAgent(parley.admin, 'Writes', 'bench:bench-t10-g10-f0');
  const conversations: string[] = [];
  for (let index = 0; index < turns; index += 1)
    conversations.push(await parley.client.createConversation(parley.admin, agent));
  // Warm-up: one turn each, so the measured turns are second turns (no first-turn title job); then long
  // enough for the analytics timer (10 s) to take what the set-up noted, outside the measured window.
  for (const conversation of conversations) await parley.client.sendMessage(parley.admin, conversation, 'warm up');
  await new Promise((resolve) => setTimeout(resolve, Math.max(settleMs, 12_000)));

  const windowStart = Date.now();
  const beforeTurns = await readCounts(client);
  for (const conversation of conversations)
    await parley.client.sendMessage(parley.admin, conversation, 'the measured turn');
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const afterTurns = await readCounts(client);
  const windowMs = Date.now() - windowStart;

  const beforeIdle = await readCounts(client);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, windowMs - 22_000)));
  const afterIdle = await readCounts(client);

  const busy = difference(afterTurns, beforeTurns);
  const idle = difference(afterIdle, beforeIdle);
  const perTurn = (value: number, idleValue: number) => (value - idleValue) / turns;
  console.log(`${turns} turns (second turns of ${turns} conversations), window ${(windowMs / 1000).toFixed(1)} s`);
  console.log(`transactions per turn: ${perTurn(busy.transactions, idle.transactions).toFixed(1)}`);
  let total = 0;
  let after = 0;
  const lines: string[] = [];
  for (const [name, counts] of busy.tables) {
    const quiet = idle.tables.get(name) ?? { ins: 0, upd: 0, del: 0 };
    const ins = perTurn(counts.ins, quiet.ins);
    const upd = perTurn(counts.upd, quiet.upd);
    const del = perTurn(counts.del, quiet.del);
    const sum = ins + upd + del;
    if (Math.abs(sum) < 0.05) continue;
    total += sum;
    if (writtenAfterTheTurn(name)) after += sum;
    lines.push(
      `${writtenAfterTheTurn(name) ? '* ' : '  '}${name.padEnd(36)} ins ${ins.toFixed(2)}  upd ${upd.toFixed(2)}  del ${del.toFixed(2)}`,
    );
  }
  console.log(`row writes per turn: ${total.toFixed(1)} (in the turn's own statements ${(total - after).toFixed(1)},`);
  console.log(`  by what reads or follows it after it: ${after.toFixed(1)}; tables marked *)`);
  for (const line of lines.sort()) console.log(line);
} finally {
  await client.end();
  await parley.stop();
  await mock.close();
}
