import type { DatabaseHandle } from '../../src/platform/db/client.js';
import { fileUpload, startBenchApp, uploadContentType } from './bench-app.js';
import type { BenchSource } from './bench-storage.js';
import type { CorpusText } from './corpus-ingestion.js';

export interface UploadedCorpus {
  readonly source: BenchSource;
  /** Knowledge document id → corpus id. */
  readonly corpusIds: Map<string, string>;
  /** Upload of the first text → every document `ready`, in seconds. */
  readonly seconds: number;
  /** Of which the uploads alone (the jobs run meanwhile). */
  readonly uploadSeconds: number;
}

const pollIntervalMs = 500;
const progressEveryMs = 30_000;

/**
 * The real path, as a user's uploads take it: a Parley app in this process on the bench's database,
 * a tenant and a knowledge source made through its API, each text uploaded as a plain-text file
 * ("title\n\ntext") over the multipart endpoint, then indexed by the `knowledge.ingest` jobs (pg-boss:
 * parse in a worker thread, chunk with the source's settings, offline embeddings, index) with the
 * product's own concurrency. Done when every document is `ready`; a failed one stops the bench.
 */
export async function ingestThroughUploads(
  handle: DatabaseHandle,
  texts: readonly CorpusText[],
): Promise<UploadedCorpus> {
  const bench = await startBenchApp(handle);
  try {
    const { headers, tenantId } = await bench.signUp();
    const created = await bench.call<{ id: string }>('POST', '/v1/knowledge-sources', {
      headers,
      payload: { name: 'BEIR collection' },
    });
    const source = { tenantId, sourceId: created.id };
    const uploadHeaders = { ...headers, 'content-type': uploadContentType };

    const started = performance.now();
    const corpusIds = new Map<string, string>();
    for (const text of texts) {
      const content = Buffer.from(`${text.title}\n\n${text.text}`, 'utf8');
      const document = await bench.call<{ id: string }>('POST', `/v1/knowledge-sources/${source.sourceId}/documents`, {
        headers: uploadHeaders,
        payload: fileUpload(`${text.id}.txt`, 'text/plain', content),
      });
      corpusIds.set(document.id, text.id);
    }
    const uploadSeconds = (performance.now() - started) / 1000;
    await untilAllReady(handle, source.sourceId, texts.length, started);
    return { source, corpusIds, seconds: (performance.now() - started) / 1000, uploadSeconds };
  } finally {
    // Closing stops the job workers, so nothing runs beside the timed queries.
    await bench.close();
  }
}

async function untilAllReady(handle: DatabaseHandle, sourceId: string, expected: number, started: number) {
  let lastProgress = performance.now();
  for (;;) {
    const [counts] = (
      await handle.executeSql(
        `select count(*) filter (where status = 'ready') as ready,
                count(*) filter (where status in ('failed', 'cancelled')) as failed
           from knowledge_documents where source_id = $1`,
        [sourceId],
      )
    ).rows as { ready: string | number; failed: string | number }[];
    const ready = Number(counts?.ready ?? 0);
    if (Number(counts?.failed ?? 0) > 0) throw new Error(`${String(counts?.failed)} documents failed to ingest`);
    if (ready >= expected) return;
    if (performance.now() - lastProgress > progressEveryMs) {
      lastProgress = performance.now();
      const elapsed = ((lastProgress - started) / 1000).toFixed(0);
      console.log(`  … ${ready} of ${expected} documents ready after ${elapsed} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}
