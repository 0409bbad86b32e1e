/**
 * `npm run bench:ingestion -- [--pages 500]`: how long a generated N-page PDF takes from upload to
 * searchable, through the real path (multipart upload → pg-boss job → parse in a worker → chunk →
 * offline embeddings → index), on embedded PGlite or, with DATABASE_URL, on PostgreSQL. Then checks
 * that it really is searchable: each probed page's unique access code must come back from that page.
 * Meanwhile a probe times other requests to the same app, so a stall of the whole server shows; it
 * does so again while the index upkeep the ingestion queued runs, and while the document is deleted.
 *
 * `--text-mb N` uploads N MB of generated plain text instead (no pages, no probes of facts): the large
 * document whose indexing once held an embedded server for seconds.
 *
 * `--delete source` ends by deleting the whole knowledge source rather than the document, and
 * `--documents N` first fills that source with N small documents (2 KB of prose each), so that it has
 * many rows of every kind to remove.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { indexUpkeepJobName } from '../../src/modules/knowledge/ingestion/index-upkeep.js';
import { accessCode, generateLargePdf } from '../../test/fixtures/generate-pdf.js';
import { fileUpload, openAppDatabase, startBenchApp, uploadContentType } from './bench-app.js';
import { describeResponsiveness, startResponsivenessProbe } from './responsiveness-probe.js';
import { generatedProse } from './synthetic-corpus.js';

const pages = Number(readOption('--pages') ?? 500);
const textOption = readOption('--text-mb');
const textMegabytes = textOption === undefined ? undefined : Number(textOption);
const deletesSource = readOption('--delete') === 'source';
const smallDocuments = Number(readOption('--documents') ?? 0);
const databaseUrl = process.env.DATABASE_URL;
const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-bench-ingestion-'));

console.log(
  `# bench:ingestion on ${databaseUrl ? 'PostgreSQL' : 'embedded PGlite'} — node ${process.version}, ${new Date().toISOString()}`,
);
const arguments_ =
  (textMegabytes === undefined ? `--pages ${pages}` : `--text-mb ${textMegabytes}`) +
  (smallDocuments > 0 ? ` --documents ${smallDocuments}` : '') +
  (deletesSource ? ' --delete source' : '');
console.log(`$ ${databaseUrl ? 'DATABASE_URL=… ' : ''}npm run bench:ingestion -- ${arguments_}\n`);

const database = await openAppDatabase(databaseUrl ? { url: databaseUrl } : { dataDir: path.join(dataDir, 'pglite') });
const bench = await startBenchApp(database);

try {
  const { headers } = await bench.signUp();
  const source = await bench.call<{ id: string }>('POST', '/v1/knowledge-sources', {
    headers,
    payload: { name: 'Bench manual' },
  });

  if (smallDocuments > 0) await uploadSmallDocuments(source.id, headers);

  const generateStart = performance.now();
  const upload =
    textMegabytes === undefined
      ? fileUpload('manual.pdf', 'application/pdf', Buffer.from(await generateLargePdf(pages)))
      : fileUpload('notes.txt', 'text/plain', Buffer.from(generatedProse(textMegabytes * 1024 * 1024)));
  console.log(
    `generated ${textMegabytes === undefined ? `a ${pages}-page PDF` : 'plain text'} ` +
      `(${(upload.length / 1024 / 1024).toFixed(1)} MB) in ${seconds(generateStart)} s`,
  );

  const probe = startResponsivenessProbe(bench.app, headers);
  const uploadStart = performance.now();
  const document = await bench.call<{ id: string }>('POST', `/v1/knowledge-sources/${source.id}/documents`, {
    headers: { ...headers, 'content-type': uploadContentType },
    payload: upload,
  });
  let status = { status: 'pending', progress: 0, chunkCount: 0, pageCount: 0, errorMessage: null as string | null };
  while (!['ready', 'failed', 'cancelled'].includes(status.status)) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    status = await bench.call('GET', `/v1/knowledge-sources/${source.id}/documents/${document.id}`, { headers });
  }
  const toReady = seconds(uploadStart);
  console.log(describeResponsiveness(await probe.stop(), 'indexing'));
  if (status.status !== 'ready') throw new Error(`the document ended ${status.status}: ${status.errorMessage}`);
  console.log(`upload → ready: ${toReady} s (${status.pageCount} pages, ${status.chunkCount} chunks)`);
  // Generated prose has no facts to look up: only the PDF's pages are probed.
  if (textMegabytes === undefined) await checkProbedPages(source.id, headers, Number(toReady));
  await timeIndexUpkeep(headers);
  if (deletesSource) await timeDelete(`/v1/knowledge-sources/${source.id}`, 'the source', headers, source.id);
  else await timeDelete(`/v1/knowledge-sources/${source.id}/documents/${document.id}`, 'the document', headers);
} finally {
  await bench.close();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}

async function uploadSmallDocuments(sourceId: string, headers: Record<string, string>): Promise<void> {
  const start = performance.now();
  for (let index = 0; index < smallDocuments; index += 1) {
    await bench.call('POST', `/v1/knowledge-sources/${sourceId}/documents`, {
      headers: { ...headers, 'content-type': uploadContentType },
      payload: fileUpload(`note-${index}.txt`, 'text/plain', Buffer.from(generatedProse(2048))),
    });
  }
  const unfinished = async () => {
    const { rows } = await database.executeSql(
      `select count(*)::int as left from knowledge_documents
       where source_id = $1 and status not in ('ready', 'failed', 'cancelled')`,
      [sourceId],
    );
    return (rows[0] as { left: number }).left;
  };
  while ((await unfinished()) > 0) await new Promise((resolve) => setTimeout(resolve, 200));
  console.log(`${smallDocuments} small documents uploaded and indexed in ${seconds(start)} s`);
}

/** Each probed page's unique access code must come back first, from that page. */
async function checkProbedPages(
  sourceId: string,
  headers: Record<string, string>,
  secondsToReady: number,
): Promise<void> {
  const probes = [1, Math.ceil(pages / 4), Math.ceil(pages / 2), pages];
  let found = 0;
  for (const page of probes) {
    const result = await bench.call<{ results: { page: number | null; content: string }[] }>(
      'POST',
      `/v1/knowledge-sources/${sourceId}/query`,
      { headers, payload: { query: `access code for section ${page}`, topK: 5, mode: 'hybrid' } },
    );
    const top = result.results[0];
    const hit = top?.page === page && top.content.includes(accessCode(page));
    if (hit) found += 1;
    console.log(`  page ${page}: top hit on page ${top?.page ?? '—'}${hit ? ' with its access code' : ' (MISSED)'}`);
  }
  console.log(
    `searchable: ${found}/${probes.length} probed pages found first; target: searchable within 60 s → ${secondsToReady <= 60 ? 'met' : 'MISSED'}`,
  );
}

/**
 * The `knowledge.index-upkeep` job the ingestion queued (its VACUUM (ANALYZE) starts once writes have
 * settled for a few seconds), waited for and probed on its own, so that it does not run during the delete.
 */
async function timeIndexUpkeep(headers: Record<string, string>): Promise<void> {
  const probe = startResponsivenessProbe(bench.app, headers);
  const waitStart = performance.now();
  const deadline = Date.now() + 120_000;
  let state: string | undefined;
  while (state !== 'completed' && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const { rows } = await database.executeSql(
      `select state::text from pgboss.job where name = $1 order by created_on desc limit 1`,
      [indexUpkeepJobName],
    );
    state = (rows[0] as { state: string } | undefined)?.state;
  }
  console.log(describeResponsiveness(await probe.stop(), 'waiting for the index upkeep'));
  console.log(`index upkeep ${state ?? 'never queued'} ${seconds(waitStart)} s after ready`);
}

/**
 * Deleting a document removes every chunk, its postings and their share of the term statistics before it
 * answers. Deleting a source answers once it is hidden; its rows go afterwards (the `knowledge.remove-source`
 * job), so the probe runs until the source's row is gone.
 */
async function timeDelete(
  url: string,
  what: string,
  headers: Record<string, string>,
  sourceId?: string,
): Promise<void> {
  const probe = startResponsivenessProbe(bench.app, headers);
  const deleteStart = performance.now();
  await bench.call('DELETE', url, { headers });
  const toDeleted = seconds(deleteStart);
  while (sourceId && (await sourceRowsLeft(sourceId)) > 0) await new Promise((resolve) => setTimeout(resolve, 50));
  const toRemoved = seconds(deleteStart);
  console.log(describeResponsiveness(await probe.stop(), `deleting ${what}`));
  console.log(
    `delete answered in ${toDeleted} s${sourceId ? `; the source's rows were gone after ${toRemoved} s` : ''}`,
  );
}

async function sourceRowsLeft(sourceId: string): Promise<number> {
  const { rows } = await database.executeSql('select count(*)::int as left from knowledge_sources where id = $1', [
    sourceId,
  ]);
  return (rows[0] as { left: number }).left;
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

function readOption(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}
