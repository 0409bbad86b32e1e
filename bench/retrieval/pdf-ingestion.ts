/**
 * `npm run bench:ingestion -- [--pages 500]`: how long a generated N-page PDF takes from upload to
 * searchable, through the real path (multipart upload → pg-boss job → parse in a worker → chunk →
 * offline embeddings → index), on embedded PGlite or, with DATABASE_URL, on PostgreSQL. Then checks
 * that it really is searchable: each probed page's unique access code must come back from that page.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/platform/db/client.js';
import { runMigrations } from '../../src/platform/db/migrate.js';
import type { App } from '../../src/platform/http/types.js';
import { createLogger } from '../../src/platform/logger.js';
import { deriveServerKeys } from '../../src/platform/secrets.js';
import { accessCode, generateLargePdf } from '../../test/fixtures/generate-pdf.js';

const pages = Number(readOption('--pages') ?? 500);
const databaseUrl = process.env.DATABASE_URL;
const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-ingestion-'));

console.log(
  `# bench:ingestion on ${databaseUrl ? 'PostgreSQL' : 'embedded PGlite'} — node ${process.version}, ${new Date().toISOString()}`,
);
console.log(`$ ${databaseUrl ? 'DATABASE_URL=… ' : ''}npm run bench:ingestion -- --pages ${pages}\n`);

const database = await openDatabase(databaseUrl ? { url: databaseUrl } : { dataDir: path.join(dataDir, 'pglite') });
await runMigrations(database);
const config = loadConfig({
  NODE_ENV: 'production',
  LOG_LEVEL: 'warn',
  DATA_DIR: dataDir,
  RATE_LIMIT_PER_MINUTE: '1000000',
});
const app = await buildApp({
  config,
  database,
  logger: createLogger({ level: 'warn' }),
  keys: deriveServerKeys(randomBytes(32).toString('hex')),
});
await app.ready();

try {
  const token = await signUp(app);
  const headers = { authorization: `Bearer ${token}` };
  const source = await call<{ id: string }>(app, 'POST', '/v1/knowledge-sources', headers, { name: 'Bench manual' });

  const generateStart = performance.now();
  const pdf = Buffer.from(await generateLargePdf(pages));
  console.log(
    `generated a ${pages}-page PDF (${(pdf.length / 1024 / 1024).toFixed(1)} MB) in ${seconds(generateStart)} s`,
  );

  const uploadStart = performance.now();
  const boundary = `----parley-bench-${randomBytes(8).toString('hex')}`;
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="manual.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
    ),
    pdf,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const document = await call<{ id: string }>(
    app,
    'POST',
    `/v1/knowledge-sources/${source.id}/documents`,
    {
      ...headers,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
    payload,
  );
  let status = { status: 'pending', progress: 0, chunkCount: 0, pageCount: 0, errorMessage: null as string | null };
  while (!['ready', 'failed', 'cancelled'].includes(status.status)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    status = await call(app, 'GET', `/v1/knowledge-sources/${source.id}/documents/${document.id}`, headers);
  }
  const toReady = seconds(uploadStart);
  if (status.status !== 'ready') throw new Error(`the document ended ${status.status}: ${status.errorMessage}`);
  console.log(`upload → ready: ${toReady} s (${status.pageCount} pages, ${status.chunkCount} chunks)`);

  const probes = [1, Math.ceil(pages / 4), Math.ceil(pages / 2), pages];
  let found = 0;
  for (const page of probes) {
    const result = await call<{ results: { page: number | null; content: string }[] }>(
      app,
      'POST',
      `/v1/knowledge-sources/${source.id}/query`,
      headers,
      { query: `access code for section ${page}`, topK: 5, mode: 'hybrid' },
    );
    const top = result.results[0];
    const hit = top?.page === page && top.content.includes(accessCode(page));
    if (hit) found += 1;
    console.log(`  page ${page}: top hit on page ${top?.page ?? '—'}${hit ? ' with its access code' : ' (MISSED)'}`);
  }
  console.log(
    `searchable: ${found}/${probes.length} probed pages found first; target: searchable within 60 s → ${Number(toReady) <= 60 ? 'met' : 'MISSED'}`,
  );
} finally {
  await app.close();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}

async function signUp(target: App): Promise<string> {
  const body = await call<{ accessToken: string }>(
    target,
    'POST',
    '/v1/auth/register',
    {},
    {
      email: `bench-${Date.now()}@example.test`,
      password: 'a long bench password',
    },
  );
  return body.accessToken;
}

async function call<T>(
  target: App,
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string>,
  payload?: unknown,
): Promise<T> {
  const response = await target.inject({
    method,
    url,
    headers,
    ...(payload !== undefined && { payload: payload as string }),
  });
  if (response.statusCode >= 300) throw new Error(`${method} ${url} answered ${response.statusCode}: ${response.body}`);
  return response.json();
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

function readOption(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}
