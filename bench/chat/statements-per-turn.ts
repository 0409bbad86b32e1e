/**
 * Lists the SQL statements one chat turn sends to PostgreSQL, in order (issue 48's "statements per turn").
 * Runs the bench's mock and a built Parley (`npm run build` first) on a database whose name contains
 * `bench`, with `log_statement = all` on that database only, drives a few turns through the API and prints
 * the statements the last turn's window logged, read from the server log given as PG_LOG.
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
if (!databaseUrl) throw new Error('DATABASE_URL names the bench database');
const database = new URL(databaseUrl).pathname.slice(1);

const mock = await startMockLlm();
const parley = await launchParley({
  storageKind: 'postgres',
  databaseUrl,
  workDir: mkdtempSync(path.join(tmpdir(), 'parley-statements-')),
  mockUrl: mock.url,
  entry: 'dist',
  postgresSettings: ['log_statement=all'],
});
try {
  const agent = await parley.client.createAgent(parley.admin, 'Statements', 'bench:bench-t10-g10-f0');
  const conversation = await parley.client.createConversation(parley.admin, agent);
  for (let turn = 0; turn < 3; turn += 1) await parley.client.sendMessage(parley.admin, conversation, `warm ${turn}`);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const from = statSync(logFile).size;
  await parley.client.sendMessage(parley.admin, conversation, 'the measured turn');
  // Jobs and notes the turn leaves behind run within a few seconds.
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.SETTLE_MS ?? 4_000)));
  const logged = readFileSync(logFile).subarray(from).toString('utf8');
  const statements = logged
    .split(/\n(?=\d{4}-\d\d-\d\d )/)
    .filter((entry) => entry.includes(`@${database} `) && /LOG:\s+(statement|execute)/.test(entry))
    .map((entry) => entry.replace(/^.*?LOG:\s+/s, '').replace(/\s+/g, ' ').slice(0, 220));
  for (const statement of statements) console.log(statement);
  console.log(`\n${statements.length} statements in the window`);
} finally {
  await parley.stop();
  await mock.close();
}
