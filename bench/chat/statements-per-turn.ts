/**
 * Lists the SQL statements one chat turn sends to PostgreSQL, in order, and counts those sent before the
 * model was called and after (issues 48 and 63), for a warm turn (the tenant's previous turn a second ago)
 * and a cold one (the tenant idle COLD_IDLE_MS, 12 s by default). Runs the bench's mock and Parley (from
 * `src/` through tsx, or `dist/` with ENTRY=dist) on a database whose name contains `bench`, with
 * `log_statement = all` on that database only, and reads the server log given as PG_LOG. "Before the
 * model" is every statement logged between the request's start and the mock receiving the model call
 * (the log's clock and ours are the machine's); statements of the server's own timers that fall in the
 * window are listed too, so read the list.
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/parley_bench_statements \
 *   PG_LOG=/var/log/postgresql/postgresql-15-main.log npx tsx bench/chat/statements-per-turn.ts
 */
import { readFileSync, statSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { launchParley } from './parley-instance.js';
import { startMockLlm } from './mock-llm.js';

const databaseUrl = process.env.DATABASE_URL;
const logFile = process.env.PG_LOG ?? '/var/log/postgresql/postgresql-15-main.log';
const coldIdleMs = Number(process.env.COLD_IDLE_MS ?? 12_000);
if (!databaseUrl) throw new Error('DATABASE_URL names the bench database');
const database = new URL(databaseUrl).pathname.slice(1);
const settleS = Number(process.env.SETTLE_MS ?? 4_000) / 1000;

interface LoggedStatement {
  readonly at: number;
  readonly text: string;
}

/** The statements of the bench database logged since `from` (a byte offset of the log). */
function statementsSince(from: number): LoggedStatement[] {
  const logged = readFileSync(logFile).subarray(from).toString('utf8');
  return logged
    .split(/\n(?=\d{4}-\d\d-\d\d )/)
    .filter((entry) => entry.includes(`@${database} `) && /LOG:\s+(statement|execute)/.test(entry))
    .map((entry) => ({
      at: Date.parse(`${entry.slice(0, 23).replace(' ', 'T')}Z`),
      text: entry
        .replace(/^.*?LOG:\s+/s, '')
        .replace(/\s+/g, ' ')
        .slice(0, 200),
    }));
}

const mock = await startMockLlm();
const parley = await launchParley({
  storageKind: 'postgres',
  databaseUrl,
  workDir: mkdtempSync(path.join(tmpdir(), 'parley-statements-')),
  mockUrl: mock.url,
  entry: process.env.ENTRY === 'dist' ? 'dist' : 'tsx',
  postgresSettings: ['log_statement=all'],
});
try {
  const agent = await parley.client.createAgent(parley.admin, 'Statements', 'bench:bench-t10-g10-f0');
  const conversation = await parley.client.createConversation(parley.admin, agent);
  for (let turn = 0; turn < 3; turn += 1) await parley.client.sendMessage(parley.admin, conversation, `warm ${turn}`);

  const measure = async (label: string, idleMs: number) => {
    await new Promise((resolve) => setTimeout(resolve, idleMs));
    const from = statSync(logFile).size;
    const startedAt = Date.now();
    await parley.client.sendMessage(parley.admin, conversation, `the ${label} turn`);
    const modelAt = mock.stats.lastStreamAt;
    // Jobs and notes the turn leaves behind run within a few seconds.
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.SETTLE_MS ?? 4_000)));
    // pg-boss's workers poll their queues whatever the turn does: counted apart.
    const all = statementsSince(from);
    const polls = all.filter((statement) => statement.text.includes('pgboss.job'));
    const statements = all.filter((statement) => !polls.includes(statement));
    const before = statements.filter((statement) => statement.at >= startedAt - 1 && statement.at <= modelAt);
    console.log(`\n## ${label} turn (idle ${idleMs / 1000} s before it)`);
    for (const statement of statements)
      console.log(`${statement.at <= modelAt ? 'before' : 'after '} ${statement.text}`);
    console.log(
      `${before.length} statements before the model, ${statements.length - before.length} after ` +
        `(window ${settleS} s), besides ${polls.length} polls of pg-boss's queues`,
    );
  };
  await measure('warm', 1_000);
  await measure('cold', coldIdleMs);
} finally {
  await parley.stop();
  await mock.close();
}
