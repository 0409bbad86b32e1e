import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../harness/test-app.js';
import type { SignedInUser } from '../harness/tenant-setup.js';
import { rotaSource, startEmbeddingsApp, type EmbeddingsApp } from './embeddings-app.js';
import type { FakeEmbeddingsServer } from './fake-embeddings-server.js';
import { uploadAccepted, waitForDocument, type DocumentView } from './knowledge-setup.js';

/** Longer than the job's 500 ms between progress writes, so the first batch's progress is written. */
const firstBatchDelayMs = 700;

describe('indexing progress', () => {
  let setup: EmbeddingsApp;
  let embeddings: FakeEmbeddingsServer;
  let t: TestApp;
  let admin: SignedInUser;

  beforeAll(async () => {
    setup = await startEmbeddingsApp();
    ({ embeddings, t, admin } = setup);
  });
  afterAll(() => setup.close());

  it('shows a document processing at a percent between 0 and 100 while its chunks are embedded', async () => {
    const { sourceId, text } = await rotaSource(setup, 400);
    // ~130 chunks, three batches of 64. The first answers slowly; the second waits until the test has looked.
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let batches = 0;
    embeddings.beforeAnswer = async (inputs) => {
      if (inputs.length < 2) return undefined; // the dimension probe
      batches += 1;
      if (batches === 1) await new Promise((resolve) => setTimeout(resolve, firstBatchDelayMs));
      else await released;
      return undefined;
    };
    try {
      const uploaded = await uploadAccepted(t.app, admin, sourceId, Buffer.from(text), {
        filename: 'rota.txt',
      });
      const seen: Pick<DocumentView, 'status' | 'progress'>[] = [];
      const midway = await waitForDocument(t.app, admin, sourceId, uploaded.id, (current) => {
        seen.push({ status: current.status, progress: current.progress });
        return current.progress > 30 || ['ready', 'failed', 'cancelled'].includes(current.status);
      });
      expect(midway.status).toBe('processing');
      expect(midway.progress).toBeGreaterThan(0);
      expect(midway.progress).toBeLessThan(100);
      expect(midway.errorMessage).toBeNull();
      release();

      const ready = await waitForDocument(t.app, admin, sourceId, uploaded.id, (current) => {
        seen.push({ status: current.status, progress: current.progress });
        return ['ready', 'failed', 'cancelled'].includes(current.status);
      });
      expect(ready).toMatchObject({ status: 'ready', progress: 100 });
      expect(ready.chunkCount).toBeGreaterThan(64); // two batches at least, so one was held
      // Progress only goes forward while processing.
      const processing = seen.filter((view) => view.status === 'processing').map((view) => view.progress);
      expect(processing).toEqual([...processing].sort((a, b) => a - b));
    } finally {
      release();
      embeddings.beforeAnswer = undefined;
    }
  }, 60_000);
});
