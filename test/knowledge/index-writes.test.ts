import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbedderRegistry } from '../../src/ai/embeddings/embedder-registry.js';
import type { Embedder } from '../../src/ai/embeddings/embedder-types.js';
import { createRerankerRegistry } from '../../src/ai/reranking/reranker-registry.js';
import { SupersededError } from '../../src/modules/knowledge/ingestion/generation-watch.js';
import {
  chunksPerWriteTransaction,
  createIndexWriter,
  type IndexWriter,
} from '../../src/modules/knowledge/ingestion/index-writer.js';
import {
  createIndexWritesRepository,
  writeBeforeIndexWrites,
  type IndexWrite,
} from '../../src/modules/knowledge/retrieval/index-writes.repository.js';
import {
  indexedText,
  insertDocumentChunks,
  type IndexedChunk,
} from '../../src/modules/knowledge/retrieval/knowledge-index.repository.js';
import { createKnowledgeSearch, type KnowledgeSearch } from '../../src/modules/knowledge/retrieval/knowledge-search.js';
import { knowledgeDocuments, knowledgeSources, tenants } from '../../src/platform/db/schema/index.js';
import { newId } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/logger.js';
import { eventually } from '../harness/chat-setup.js';
import { buildTestApp } from '../harness/test-app.js';
import { createTestDatabase, testStorage, type TestDatabase } from '../harness/test-database.js';
import { documentIndexRows, sourceStatistics } from './index-state.js';

/**
 * Index writes (ADR 12): a document's chunks are written a few per transaction, and search sees
 * them only once their write is published, when the document's earlier write is hidden in the same
 * transaction and removed afterwards.
 */
let database: TestDatabase;
let search: KnowledgeSearch;
let offline: Embedder;
let writer: IndexWriter;
let chunksPerTransaction: number;
const writes = createIndexWritesRepository();

beforeAll(async () => {
  database = await createTestDatabase();
  const embedders = createEmbedderRegistry({ config: { providers: {} } });
  offline = await embedders.resolve('offline', []);
  const logger = createLogger({ level: 'silent' });
  search = createKnowledgeSearch({
    db: database.db,
    embedders,
    rerankers: createRerankerRegistry({ config: { providers: {} } }),
    logger,
    loadTenantProviders: async () => [],
  });
  writer = createIndexWriter({ db: database.db, logger, writes, storageKind: database.kind });
  chunksPerTransaction = chunksPerWriteTransaction[database.kind];
});

afterAll(async () => {
  await database.dispose();
});

async function newDocument(): Promise<IndexWrite> {
  const tenantId = newId();
  const sourceId = newId();
  const documentId = newId();
  await database.db.insert(tenants).values({ id: tenantId, name: `tenant ${tenantId}` });
  await database.db.insert(knowledgeSources).values({
    id: sourceId,
    tenantId,
    name: 'manuals',
    embeddingModel: 'offline',
    embeddingDimensions: offline.dimensions,
    chunkTokens: 512,
    chunkOverlapTokens: 64,
  });
  await database.db
    .insert(knowledgeDocuments)
    .values({ id: documentId, tenantId, sourceId, title: 'Pump manual', origin: 'upload', status: 'processing' });
  return { id: newId(), tenantId, sourceId, documentId };
}

/** `count` chunks, each naming `word` once, so a search for it can find every one of them. */
async function chunksNaming(word: string, count: number): Promise<IndexedChunk[]> {
  const texts = Array.from({ length: count }, (_, index) => `Step ${index} of the ${word} pump procedure.`);
  const chunks = texts.map((content, position) => ({ position, content, page: null, headingPath: [], tokenCount: 8 }));
  const vectors = await offline.embed(chunks.map(indexedText));
  return chunks.map((chunk, index) => ({ ...chunk, embedding: vectors[index]! }));
}

async function contentsFound(document: IndexWrite, query: string, mode: 'lexical' | 'vector') {
  const hits = await search.search({
    tenantId: document.tenantId,
    sourceIds: [document.sourceId],
    query,
    topK: 50,
    mode,
  });
  return hits.map((hit) => hit.content);
}

/** Documents are made at generation 1, the column's default, and stay there. */
const target = (write: IndexWrite) => ({ ...write, dimensions: offline.dimensions, generation: 1 });
const quietly = { signal: new AbortController().signal, onProgress: async () => {} };
const publish = (write: IndexWrite) => database.db.transaction((tx) => writes.publish(tx, write));

describe('an index write', () => {
  it('commits each statement on its own, and is not searched until it is published', async () => {
    const write = await newDocument();
    const chunks = await chunksNaming('bilge', 450);
    const committedWhileWriting: number[] = [];
    const foundWhileWriting: string[][] = [];
    await writer.write(target(write), chunks, {
      signal: new AbortController().signal,
      // Between statements: a one-transaction write would hold these reads until its end (PGlite has
      // one session) or hide its rows from them (PostgreSQL).
      onProgress: async () => {
        committedWhileWriting.push((await documentIndexRows(database, write.documentId)).chunks);
        foundWhileWriting.push(await contentsFound(write, 'bilge pump', 'lexical'));
        foundWhileWriting.push(await contentsFound(write, 'bilge pump', 'vector'));
      },
    });
    const statements = Math.ceil(450 / chunksPerTransaction);
    const committedAfterEach = Array.from({ length: statements }, (_, index) =>
      Math.min((index + 1) * chunksPerTransaction, 450),
    );
    expect(committedWhileWriting).toEqual(committedAfterEach);
    expect(foundWhileWriting.flat()).toEqual([]);
    // The statistics count stored chunks, searched or not yet.
    const statistics = await sourceStatistics(database, write.sourceId);
    expect(statistics.stored_chunks).toBe(450);
    expect(statistics.stored_term_chunks).toBe(statistics.counted_postings);
    expect(statistics.stored_spelling_chunks).toBe(statistics.counted_spelled_postings);
    expect(statistics.counted_spelled_postings).toBeGreaterThan(0);

    expect(await publish(write)).toBe(0);
    expect(await contentsFound(write, 'bilge pump', 'lexical')).toHaveLength(50);
    expect(await contentsFound(write, 'bilge pump', 'vector')).toHaveLength(50);
  });

  it("replaces the document's published write at its publish, and the replaced chunks are removed after", async () => {
    const first = await newDocument();
    await writer.write(target(first), await chunksNaming('ballast', 3), quietly);
    expect(await publish(first)).toBe(0);
    const statisticsOfFirst = await sourceStatistics(database, first.sourceId);

    const second = { ...first, id: newId() };
    await writer.write(target(second), await chunksNaming('rudder', 3), quietly);
    // While the second is written, search still answers from the first, and from it alone.
    expect(await contentsFound(first, 'ballast', 'lexical')).toHaveLength(3);
    expect(await contentsFound(first, 'rudder', 'lexical')).toEqual([]);
    expect((await contentsFound(first, 'pump procedure', 'vector')).every((text) => text.includes('ballast'))).toBe(
      true,
    );

    expect(await publish(second)).toBe(1);
    expect(await contentsFound(first, 'ballast', 'lexical')).toEqual([]);
    expect(await contentsFound(first, 'rudder', 'lexical')).toHaveLength(3);
    expect((await contentsFound(first, 'pump procedure', 'vector')).every((text) => text.includes('rudder'))).toBe(
      true,
    );
    expect((await documentIndexRows(database, first.documentId)).chunks).toBe(6);

    await writer.removeRetired(first.tenantId, first.documentId);
    expect((await documentIndexRows(database, first.documentId)).chunks).toBe(3);
    const statistics = await sourceStatistics(database, first.sourceId);
    expect(statistics.stored_chunks).toBe(3);
    expect(statistics.stored_term_chunks).toBe(statistics.counted_postings);
    expect(statistics.stored_spelling_chunks).toBe(statistics.counted_spelled_postings);
    expect(statistics.counted_spelled_postings).toBeGreaterThan(0);
    // Same shape of text, other words: the same number of postings and terms as the first write had.
    expect(statistics.counted_postings).toBe(statisticsOfFirst.counted_postings);
  });

  it('removes at its publish the chunks indexed before index writes existed', async () => {
    const write = await newDocument();
    const legacy = await chunksNaming('keel', 2);
    await database.db.transaction((tx) =>
      insertDocumentChunks(tx, { ...target(write), writeId: writeBeforeIndexWrites, chunks: legacy }),
    );
    expect(await contentsFound(write, 'keel', 'lexical')).toHaveLength(2);

    await writer.write(target(write), await chunksNaming('mast', 2), quietly);
    expect(await publish(write)).toBe(0);
    expect(await contentsFound(write, 'keel', 'lexical')).toEqual([]);
    expect((await documentIndexRows(database, write.documentId)).chunks).toBe(2);
    expect((await sourceStatistics(database, write.sourceId)).stored_chunks).toBe(2);
  });

  it('stops once retired, is not published, and leaves nothing once discarded', async () => {
    const write = await newDocument();
    const chunks = await chunksNaming('hull', 450);
    const writing = writer.write(target(write), chunks, {
      signal: new AbortController().signal,
      // What a newer publish or the upkeep's sweep does to a write in flight.
      onProgress: async (share) => {
        if (share < 1) await writes.retire(database.db, write.tenantId, write.id);
      },
    });
    await expect(writing).rejects.toBeInstanceOf(SupersededError);
    expect((await documentIndexRows(database, write.documentId)).chunks).toBe(chunksPerTransaction);
    expect(await publish(write)).toBeUndefined();

    await writer.discard(write);
    expect((await documentIndexRows(database, write.documentId)).chunks).toBe(0);
    const statistics = await sourceStatistics(database, write.sourceId);
    expect(statistics).toMatchObject({
      stored_chunks: 0,
      stored_terms: 0,
      stored_term_chunks: 0,
      counted_postings: 0,
      stored_spelling_chunks: 0,
    });
  });

  it("hides all of a document's writes for its delete: the published, the legacy and the one in flight", async () => {
    const published = await newDocument();
    await writer.write(target(published), await chunksNaming('winch', 60), quietly);
    expect(await publish(published)).toBe(0);
    // As if indexed before index writes (no document has both; the delete removes either).
    const legacy = await chunksNaming('tiller', 2);
    await database.db.transaction((tx) =>
      insertDocumentChunks(tx, { ...target(published), writeId: writeBeforeIndexWrites, chunks: legacy }),
    );
    const inFlight = { ...published, id: newId() };
    const { tenantId, sourceId, documentId } = published;

    const writing = writer.write(target(inFlight), await chunksNaming('winch', 60), {
      signal: new AbortController().signal,
      // The delete arrives while the second write is between statements.
      onProgress: async (share) => {
        if (share < 1)
          await database.db.transaction((tx) => writes.retireDocument(tx, { tenantId, sourceId, documentId }));
      },
    });
    await expect(writing).rejects.toBeInstanceOf(SupersededError);
    expect(await contentsFound(published, 'winch', 'lexical')).toEqual([]);
    expect(await contentsFound(published, 'tiller', 'lexical')).toEqual([]);
    expect(await contentsFound(published, 'pump procedure', 'vector')).toEqual([]);
    // The legacy chunks went at once; the two writes' chunks wait for their batches.
    expect((await documentIndexRows(database, documentId)).chunks).toBe(60 + chunksPerTransaction);

    await writer.removeRetired(tenantId, documentId);
    expect(await documentIndexRows(database, documentId)).toMatchObject({ chunks: 0, postings: 0 });
    expect(await sourceStatistics(database, sourceId)).toMatchObject({
      stored_chunks: 0,
      stored_terms: 0,
      stored_term_chunks: 0,
    });
    const { rows } = await database.executeSql('select id from knowledge_index_writes where document_id = $1', [
      documentId,
    ]);
    expect(rows).toEqual([]);
  });

  it('does not begin once its document left the generation of the job', async () => {
    const write = await newDocument();
    await database.executeSql('update knowledge_documents set generation = generation + 1 where id = $1', [
      write.documentId,
    ]);
    await expect(writer.write(target(write), await chunksNaming('bowsprit', 30), quietly)).rejects.toBeInstanceOf(
      SupersededError,
    );
    expect((await documentIndexRows(database, write.documentId)).chunks).toBe(0);
    const { rows } = await database.executeSql('select id from knowledge_index_writes where document_id = $1', [
      write.documentId,
    ]);
    expect(rows).toEqual([]);
  });

  it('is swept by the upkeep when its job stopped before publishing it', async () => {
    const abandoned = await newDocument();
    await writer.write(target(abandoned), await chunksNaming('anchor', 3), quietly);
    const running = await newDocument();
    await writer.write(target(running), await chunksNaming('anchor', 3), quietly);

    // Only writes begun before the cut-off are abandoned: the one begun after it is left alone.
    const cutOff = new Date();
    await database.executeSql(
      `update knowledge_index_writes set created_at = now() - interval '1 hour' where id = $1`,
      [abandoned.id],
    );
    expect(await writer.sweep(new Date(cutOff.getTime() - 60_000))).toBe(1);
    expect((await documentIndexRows(database, abandoned.documentId)).chunks).toBe(0);
    expect((await sourceStatistics(database, abandoned.sourceId)).stored_chunks).toBe(0);
    expect((await documentIndexRows(database, running.documentId)).chunks).toBe(3);
    expect(await publish(running)).toBe(0);
    expect(await contentsFound(running, 'anchor', 'lexical')).toHaveLength(3);
  });

  it.skipIf(testStorage !== 'embedded')(
    'left by a killed embedded server, is removed when the server starts again, not half an hour on',
    async () => {
      const left = await newDocument();
      await writer.write(target(left), await chunksNaming('orphan', 3), quietly);
      expect((await sourceStatistics(database, left.sourceId)).stored_chunks).toBe(3);

      const restarted = await buildTestApp({}, { sharedDatabase: database });
      try {
        await eventually(async () =>
          (await documentIndexRows(database, left.documentId)).chunks === 0 ? true : undefined,
        );
        expect((await sourceStatistics(database, left.sourceId)).stored_chunks).toBe(0);
      } finally {
        await restarted.close();
      }
    },
  );
});
