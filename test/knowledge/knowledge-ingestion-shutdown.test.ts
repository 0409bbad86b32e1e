import { describe, expect, it } from 'vitest';
import { rotaSource, startEmbeddingsApp } from './embeddings-app.js';
import { uploadAccepted } from './knowledge-setup.js';

describe('an ingestion running when the app closes', () => {
  it("keeps its provider's connections until the job queue has stopped: its next batch still goes out", async () => {
    const setup = await startEmbeddingsApp();
    const { embeddings, t, admin } = setup;
    const { sourceId, text } = await rotaSource(setup, 1000);
    // Batches of 64 chunks; the first is held until the app has begun to close.
    let reach = () => {};
    const reached = new Promise<void>((resolve) => (reach = resolve));
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let batches = 0;
    embeddings.beforeAnswer = async (inputs) => {
      if (inputs.length < 2) return undefined; // the dimension probe
      batches += 1;
      if (batches === 1) {
        reach();
        await released;
      }
      return undefined;
    };
    await uploadAccepted(t.app, admin, sourceId, Buffer.from(text), { filename: 'rota.txt' });
    await reached;

    // The close hooks begin: the job queue waits for the running job (the grace period), and the
    // provider's connection pool must still be open when that job sends its next batch.
    const closing = setup.close();
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await closing;
    // The probe, the held batch, and the rest of the document's batches after it, all answered.
    expect(embeddings.callCount()).toBeGreaterThan(3);
  }, 60_000);
});
