import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedText } from '../../src/ai/embeddings/offline-embedding-model.js';
import type { FeatureWeights } from '../../src/ai/embeddings/offline-text-features.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { createSource, uploadAccepted, waitForDocument } from './knowledge-setup.js';

/** The offline features before the refit of 2026-11-28 (offlineFeaturesVersion 1). */
const version1Weights: FeatureWeights = { unigram: 1, bigram: 0, charGram: 1.4, charGramSizes: [3, 4, 5] };
const text = 'Calibration of the scales happens each spring.';

interface Answer {
  corrections: { from: string; to: string }[];
  results: { documentTitle: string }[];
}

/**
 * Issue 64: a change of the offline features changes every stored offline vector, and a document indexed
 * before spellings were recorded (migration 0056) offered no query correction until someone reindexed it.
 * A node now reindexes such documents in the background at start-up.
 */
describe('documents an older index version wrote', () => {
  let first: TestApp;
  let second: TestApp | undefined;
  let admin: SignedInUser;
  let sourceId: string;
  let documentId: string;

  async function query(app: TestApp, body: Record<string, unknown>): Promise<Answer> {
    const response = await app.app.inject({
      method: 'POST',
      url: `/v1/knowledge-sources/${sourceId}/query`,
      headers: admin.headers,
      payload: { topK: 5, ...body },
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Answer>();
  }

  async function documentRow() {
    const { rows } = await first.database.executeSql(
      'select status, index_version, generation from knowledge_documents where id = $1',
      [documentId],
    );
    return rows[0] as { status: string; index_version: number; generation: number };
  }

  async function storedVector(): Promise<number[]> {
    const { rows } = await first.database.executeSql(
      'select embedding::text as embedding from knowledge_chunks where document_id = $1 order by created_at desc limit 1',
      [documentId],
    );
    return JSON.parse((rows[0] as { embedding: string }).embedding) as number[];
  }

  beforeAll(async () => {
    first = await buildTestApp();
    admin = await createTenantWithAdmin(first.app, await registerPlatformAdmin(first.app));
    sourceId = (await createSource(first.app, admin, { name: 'Service desk', embeddingModel: 'offline' })).id;
    documentId = (await uploadAccepted(first.app, admin, sourceId, Buffer.from(text), { filename: 'scales.txt' })).id;
    expect((await waitForDocument(first.app, admin, sourceId, documentId)).status).toBe('ready');
    // As a server before 2026-11-28 left it: no spellings, vectors of the first offline features.
    const oldVector = `[${embedText(text, 384, version1Weights).join(',')}]`;
    for (const statement of [
      'update knowledge_documents set index_version = 0 where id = $1',
      'update knowledge_chunks set embedding = $2::vector where document_id = $1',
      'update knowledge_postings set spelling = null where chunk_id in (select id from knowledge_chunks where document_id = $1)',
      'delete from knowledge_term_spellings where source_id = (select source_id from knowledge_documents where id = $1)',
    ]) {
      await first.database.executeSql(statement, statement.includes('$2') ? [documentId, oldVector] : [documentId]);
    }
  }, 120_000);
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('offers no correction before the refresh', async () => {
    expect((await query(first, { query: 'calibraton', mode: 'lexical' })).corrections).toEqual([]);
  });

  it('is reindexed after a start-up, then corrected and embedded with the features in use', async () => {
    const before = await documentRow();
    // Another start of the server: same database, same stored files.
    second = await buildTestApp({ DATA_DIR: first.config.dataDir }, { sharedDatabase: first.database });
    const deadline = Date.now() + 60_000;
    let row = await documentRow();
    while (!(row.status === 'ready' && row.index_version === 1) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      row = await documentRow();
    }
    expect(row).toMatchObject({ status: 'ready', index_version: 1, generation: before.generation + 1 });

    for (const mode of ['lexical', 'hybrid']) {
      const answer = await query(second, { query: 'calibraton', mode });
      expect(answer.corrections, mode).toEqual([{ from: 'calibraton', to: 'calibration' }]);
      expect(answer.results[0]?.documentTitle, mode).toBe('scales.txt');
    }
    const expected = embedText(text, 384);
    const stored = await storedVector();
    expect(stored).toHaveLength(expected.length);
    stored.forEach((value, index) => expect(value).toBeCloseTo(expected[index] ?? Number.NaN, 5));
  }, 90_000);
});
