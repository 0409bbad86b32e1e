/**
 * `npm run bench:import [-- <beir-dir>]`: the SciFact corpus (5,183 abstracts, read in place from
 * ../shared/ir/scifact; never copied into the repository) sent as one zip, one file per abstract,
 * through POST /v1/knowledge-sources/:id/imports on embedded storage at the default rate limit (600
 * requests a minute); then indexed; then sent again, which must add nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/platform/db/client.js';
import { runMigrations } from '../../src/platform/db/migrate.js';
import { createLogger } from '../../src/platform/logger.js';
import { deriveServerKeys } from '../../src/platform/secrets.js';
import { readBeirCollection } from '../retrieval/beir-collection.js';

const directory = process.argv[2] ?? '../shared/ir/scifact';
const collection = await readBeirCollection(directory);
const zip = zipSync(
  Object.fromEntries(
    collection.documents.map((document) => [
      `scifact/${document.id}.txt`,
      Buffer.from(`${document.title}\n\n${document.text}`),
    ]),
  ),
);
console.log(`${collection.documents.length} documents, zipped to ${(zip.byteLength / 1e6).toFixed(1)} MB`);

const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-import-'));
const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'warn', DATA_DIR: dataDir });
const logger = createLogger({ level: config.logLevel });
const database = await openDatabase({ dataDir: path.join(dataDir, 'pglite') });
await runMigrations(database, logger);
const app = await buildApp({ config, database, logger, keys: deriveServerKeys(randomBytes(32).toString('hex')) });
await app.ready();

try {
  const signedUp = await app.inject({
    method: 'POST',
    url: '/v1/auth/register',
    payload: { email: 'bench@example.test', password: 'a long bench password' },
  });
  const headers = { authorization: `Bearer ${signedUp.json().accessToken as string}` };
  const source = await app.inject({
    method: 'POST',
    url: '/v1/knowledge-sources',
    headers,
    payload: { name: 'SciFact' },
  });
  const sourceId = source.json().id as string;

  const sendZip = async () => {
    const boundary = `----bench-${randomBytes(6).toString('hex')}`;
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="scifact.zip"\r\n\r\n`),
      Buffer.from(zip),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const started = performance.now();
    const response = await app.inject({
      method: 'POST',
      url: `/v1/knowledge-sources/${sourceId}/imports`,
      headers: { ...headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    if (response.statusCode !== 201) throw new Error(`import answered ${response.statusCode}: ${response.body}`);
    return { seconds: (performance.now() - started) / 1000, view: response.json() };
  };

  const first = await sendZip();
  console.log(`first import: ${JSON.stringify(first.view)} in ${first.seconds.toFixed(1)} s`);
  const indexingStarted = performance.now();
  for (;;) {
    const { rows } = await database.executeSql(
      `select status, count(*)::int as n from knowledge_documents where source_id = $1 group by status`,
      [sourceId],
    );
    const counts = Object.fromEntries((rows as { status: string; n: number }[]).map((row) => [row.status, row.n]));
    const waiting = (counts.pending ?? 0) + (counts.processing ?? 0);
    if (waiting === 0) {
      console.log(
        `indexed: ${JSON.stringify(counts)} ${((performance.now() - indexingStarted) / 1000).toFixed(1)} s after the import answered`,
      );
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
  const second = await sendZip();
  console.log(`second import (a retry): ${JSON.stringify(second.view)} in ${second.seconds.toFixed(1)} s`);
  const { rows } = await database.executeSql(
    'select count(*)::int as n from knowledge_documents where source_id = $1',
    [sourceId],
  );
  console.log(`documents in the source after both: ${(rows[0] as { n: number }).n}`);
} finally {
  await app.close();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}
