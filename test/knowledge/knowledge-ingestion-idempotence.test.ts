import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestJobName } from '../../src/modules/knowledge/ingestion/ingestion-job.js';
import { bringRetryForward } from '../harness/job-retries.js';
import type { TestApp } from '../harness/test-app.js';
import type { SignedInUser } from '../harness/tenant-setup.js';
import { startEmbeddingsApp, type EmbeddingsApp } from './embeddings-app.js';
import type { FakeEmbeddingsServer } from './fake-embeddings-server.js';
import {
  documentGeneration,
  documentIndexRows,
  ingestJobsOf,
  redeliverIngestJob,
  sourceRows,
  sourceStatistics,
  waitForJobEnd,
  waitForSourceRemoval,
} from './index-state.js';
import { createSource, getDocument, query, uploadAccepted, waitForDocument } from './knowledge-setup.js';

/**
 * ~100 chunks at 64 tokens: two embedding batches (64 texts each), so a job can fail after its first.
 * `marker` appears in exactly one sentence, so exactly one chunk may match it.
 */
function rotaDocument(marker: string): Buffer {
  const sentences = Array.from(
    { length: 400 },
    (_, index) => `Rule ${index + 1} of the rota: desk ${index % 7} is staffed on shift ${index % 3}.`,
  );
  sentences.splice(200, 0, `The ${marker} clause says the night desk closes at midnight.`);
  return Buffer.from(sentences.join(' '));
}

describe('the knowledge.ingest job run again after its work was done', () => {
  let setup: EmbeddingsApp;
  let embeddings: FakeEmbeddingsServer;
  let t: TestApp;
  let admin: SignedInUser;

  beforeAll(async () => {
    setup = await startEmbeddingsApp();
    ({ embeddings, t, admin } = setup);
  });
  afterAll(() => setup.close());

  const newSource = async () =>
    (
      await createSource(t.app, admin, {
        embeddingModel: 'compatible:fake-embedder',
        chunkTokens: 64,
        chunkOverlapTokens: 0,
      })
    ).id;

  /** Every embedding batch (not the one-text probe) waits until released. */
  function holdEmbeddingBatches() {
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let held = 0;
    embeddings.beforeAnswer = async (inputs) => {
      if (inputs.length < 2) return undefined;
      held += 1;
      await released;
      return undefined;
    };
    return {
      held: () => held,
      release: () => release(),
      stop: () => {
        release();
        embeddings.beforeAnswer = undefined;
      },
    };
  }

  /** One set of chunks and postings for the document, statistics in step, and one search hit per passage. */
  async function expectIndexedOnce(sourceId: string, documentId: string, marker: string) {
    const document = await getDocument(t.app, admin, sourceId, documentId);
    expect(document).toMatchObject({ status: 'ready', errorMessage: null, progress: 100 });
    const rows = await documentIndexRows(t.database, documentId);
    expect(rows.chunks).toBe(document.chunkCount);
    expect(rows.distinctPositions).toBe(document.chunkCount);
    const statistics = await sourceStatistics(t.database, sourceId);
    expect(statistics.stored_chunks).toBe(statistics.counted_chunks);
    expect(statistics.counted_chunks).toBe(document.chunkCount);
    expect(statistics.stored_terms).toBe(statistics.counted_terms);
    expect(statistics.stored_term_chunks).toBe(statistics.counted_postings);
    expect(statistics.counted_postings).toBe(rows.postings);
    const lexical = await query(t.app, admin, sourceId, { query: marker, mode: 'lexical', topK: 50 });
    expect(lexical.results.map((hit) => hit.content.includes(marker))).toEqual([true]);
    const hybrid = await query(t.app, admin, sourceId, { query: `${marker} night desk`, topK: 50 });
    const chunkIds = hybrid.results.map((hit) => hit.chunkId);
    expect(new Set(chunkIds).size).toBe(chunkIds.length);
    expect(hybrid.results.filter((hit) => hit.content.includes(marker))).toHaveLength(1);
    return { document, rows };
  }

  it('is retried by pg-boss after failing past its first embedding batch and ends with one set of chunks', async () => {
    const sourceId = await newSource();
    const answeredBatches: string[] = [];
    let isOutage = false;
    // The outage starts once the first batch of chunks has been embedded (the 1-text probe is not a batch).
    embeddings.beforeAnswer = (inputs) => {
      if (inputs.length < 2) return undefined;
      if (isOutage) return 'fail';
      answeredBatches.push(inputs[0]!);
      if (answeredBatches.length === 1) isOutage = true;
      return undefined;
    };
    try {
      const uploaded = await uploadAccepted(t.app, admin, sourceId, rotaDocument('quetzal'), { filename: 'rota.txt' });
      const retrying = await waitForDocument(
        t.app,
        admin,
        sourceId,
        uploaded.id,
        (current) => current.errorMessage !== null,
        60_000,
      );
      expect(retrying.status).toBe('pending');
      expect(retrying.errorMessage).toMatch(/\(500\).*attempt 1 of \d; retrying/);
      isOutage = false;
      // pg-boss set the retry's backoff (3–6 s); it is checked, then brought forward rather than sat out.
      await bringRetryForward(t.database, ingestJobName, uploaded.id, 0, 'documentId');

      await waitForDocument(t.app, admin, sourceId, uploaded.id, undefined, 60_000);
      const { document } = await expectIndexedOnce(sourceId, uploaded.id, 'quetzal');
      expect(document.chunkCount).toBeGreaterThan(64);
      // The batch embedded before the outage was embedded again by the retry, which then did the rest.
      expect(answeredBatches.filter((first) => first === answeredBatches[0])).toHaveLength(2);
      expect(answeredBatches.length).toBeGreaterThan(2);
    } finally {
      embeddings.beforeAnswer = undefined;
    }
  }, 90_000);

  it('writes nothing again when the same job is delivered after the document is ready', async () => {
    const sourceId = await newSource();
    const uploaded = await uploadAccepted(t.app, admin, sourceId, rotaDocument('toucan'), { filename: 'rota.txt' });
    await waitForDocument(t.app, admin, sourceId, uploaded.id);
    const before = await expectIndexedOnce(sourceId, uploaded.id, 'toucan');
    const callsBefore = embeddings.callCount();

    const jobId = await redeliverIngestJob(t.database, {
      tenantId: admin.tenantId,
      documentId: uploaded.id,
      generation: await documentGeneration(t.database, uploaded.id),
    });
    expect(await waitForJobEnd(t.database, jobId)).toBe('completed');
    expect(embeddings.callCount()).toBe(callsBefore); // nothing was embedded again

    const after = await expectIndexedOnce(sourceId, uploaded.id, 'toucan');
    expect(after.rows).toEqual(before.rows); // the very same chunk rows: nothing was rewritten
  }, 60_000);

  it('keeps one set of chunks when a second delivery of the job runs alongside the first', async () => {
    const sourceId = await newSource();
    // Every batch waits, so both deliveries are certainly mid-embedding at the same time.
    const batches = holdEmbeddingBatches();
    try {
      const uploaded = await uploadAccepted(t.app, admin, sourceId, rotaDocument('hoopoe'), { filename: 'rota.txt' });
      await waitForDocument(t.app, admin, sourceId, uploaded.id, (current) => current.status === 'processing');
      await expect.poll(batches.held, { timeout: 20_000 }).toBe(1);
      const jobId = await redeliverIngestJob(t.database, {
        tenantId: admin.tenantId,
        documentId: uploaded.id,
        generation: await documentGeneration(t.database, uploaded.id),
      });
      await expect.poll(batches.held, { timeout: 20_000 }).toBe(2);
      batches.release();

      // Both deliveries end, the one that lost the publish after removing what it wrote.
      const jobs = await ingestJobsOf(t.database, uploaded.id);
      for (const job of jobs) expect(await waitForJobEnd(t.database, job.id)).toBe('completed');
      await expectIndexedOnce(sourceId, uploaded.id, 'hoopoe');
      // The delivery that lost found the work done and stopped, rather than failing into a retry.
      expect(await ingestJobsOf(t.database, uploaded.id)).toEqual([
        expect.objectContaining({ state: 'completed', retryCount: 0 }),
        expect.objectContaining({ id: jobId, state: 'completed', retryCount: 0 }),
      ]);
    } finally {
      batches.stop();
    }
  }, 60_000);

  it.each([
    ['the document is', 'egret'],
    ['its source is', 'plover'],
  ])(
    'stops the job when %s deleted while it runs, leaving no rows behind',
    async (deleted, marker) => {
      const sourceId = await newSource();
      const deletesSource = deleted === 'its source is';
      const batches = holdEmbeddingBatches();
      try {
        const uploaded = await uploadAccepted(t.app, admin, sourceId, rotaDocument(marker), { filename: 'rota.txt' });
        await expect.poll(batches.held, { timeout: 20_000 }).toBe(1);
        const sourceUrl = `/v1/knowledge-sources/${sourceId}`;
        const url = deletesSource ? sourceUrl : `${sourceUrl}/documents/${uploaded.id}`;
        expect((await t.app.inject({ method: 'DELETE', url, headers: admin.headers })).statusCode).toBe(204);
        batches.release();

        const [job] = await ingestJobsOf(t.database, uploaded.id);
        expect(await waitForJobEnd(t.database, job!.id)).toBe('completed');
        expect(await ingestJobsOf(t.database, uploaded.id)).toEqual([
          expect.objectContaining({ state: 'completed', retryCount: 0 }),
        ]);
        if (deletesSource) {
          expect(await waitForSourceRemoval(t.database, sourceId)).toBe('completed');
          expect(await sourceRows(t.database, sourceId)).toMatchObject({
            sources: 0,
            chunks: 0,
            postings: 0,
            writes: 0,
          });
        } else {
          expect(await documentIndexRows(t.database, uploaded.id)).toMatchObject({ chunks: 0, postings: 0 });
          expect(await sourceStatistics(t.database, sourceId)).toMatchObject({
            stored_chunks: 0,
            stored_term_chunks: 0,
          });
        }
      } finally {
        batches.stop();
      }
    },
    60_000,
  );

  it('replaces the stored chunks, postings and term counts when reindexed twice in a row', async () => {
    const sourceId = await newSource();
    const uploaded = await uploadAccepted(t.app, admin, sourceId, rotaDocument('kakapo'), { filename: 'rota.txt' });
    await waitForDocument(t.app, admin, sourceId, uploaded.id);
    const before = await expectIndexedOnce(sourceId, uploaded.id, 'kakapo');
    const statisticsBefore = await sourceStatistics(t.database, sourceId);

    for (let round = 0; round < 2; round += 1) {
      const response = await t.app.inject({
        method: 'POST',
        url: `/v1/knowledge-sources/${sourceId}/documents/${uploaded.id}/reindex`,
        headers: admin.headers,
      });
      expect(response.statusCode, response.body).toBe(202);
    }
    await waitForDocument(
      t.app,
      admin,
      sourceId,
      uploaded.id,
      (current) => current.status === 'ready' || current.status === 'failed',
    );

    const after = await expectIndexedOnce(sourceId, uploaded.id, 'kakapo');
    expect(after.document.chunkCount).toBe(before.document.chunkCount);
    expect(after.rows.postings).toBe(before.rows.postings);
    expect(after.rows.chunkIds).not.toEqual(before.rows.chunkIds); // written anew, not left in place
    expect(await sourceStatistics(t.database, sourceId)).toEqual(statisticsBefore);
  }, 60_000);
});
