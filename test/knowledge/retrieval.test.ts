import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbedder, createEmbedderRegistry } from '../../src/ai/embeddings/embedder-registry.js';
import type { Embedder, EmbedderRegistry } from '../../src/ai/embeddings/embedder-types.js';
import { createOfflineEmbeddingModel } from '../../src/ai/embeddings/offline-embedding-model.js';
import { createRerankerRegistry } from '../../src/ai/reranking/reranker-registry.js';
import type { Executor } from '../../src/platform/db/client.js';
import { knowledgeDocuments, knowledgeSources, tenants } from '../../src/platform/db/schema/index.js';
import { newId } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/logger.js';
import { indexedText, insertDocumentChunks, removeDocumentChunks } from '../../src/modules/knowledge/retrieval/knowledge-index.repository.js';
import { bm25, weighAndScore } from '../../src/modules/knowledge/retrieval/bm25.repository.js';
import { bm25Candidates, splitByThreshold } from '../../src/modules/knowledge/retrieval/bm25-search.js';
import { createKnowledgeSearch, type KnowledgeSearch } from '../../src/modules/knowledge/retrieval/knowledge-search.js';
import { createTestDatabase, type TestDatabase } from '../harness/test-database.js';
import { rowsOf } from '../../src/platform/db/raw-sql.js';

/** A 768-dimensional model next to the 384 offline one: the offline features hashed wider. */
const wideModelRef = 'test:wide';
const wideEmbedder = createEmbedder(wideModelRef, createOfflineEmbeddingModel({ dimensions: 768 }), 768);

let database: TestDatabase;
let search: KnowledgeSearch;
let embedders: EmbedderRegistry;
let offline: Embedder;

beforeAll(async () => {
  database = await createTestDatabase();
  const real = createEmbedderRegistry({ config: { providers: {} } });
  embedders = { resolve: (ref, providers) => (ref === wideModelRef ? wideEmbedder : real.resolve(ref, providers)) };
  offline = await embedders.resolve('offline', []);
  search = createKnowledgeSearch({
    db: database.db,
    embedders,
    rerankers: createRerankerRegistry({ config: { providers: {} } }),
    logger: createLogger({ level: 'silent' }),
    loadTenantProviders: async () => [],
  });
});

afterAll(async () => {
  await database.dispose();
});

async function createTenant(): Promise<string> {
  const tenantId = newId();
  await database.db.insert(tenants).values({ id: tenantId, name: `tenant ${tenantId}` });
  return tenantId;
}

async function createSource(tenantId: string, embedder: Embedder = offline): Promise<string> {
  const sourceId = newId();
  await database.db.insert(knowledgeSources).values({
    id: sourceId,
    tenantId,
    name: `source ${sourceId}`,
    embeddingModel: embedder.modelRef,
    embeddingDimensions: embedder.dimensions,
    chunkTokens: 512,
    chunkOverlapTokens: 64,
  });
  return sourceId;
}

/** Indexes texts as one document's chunks, the way the ingestion job does: remove, then insert, in one transaction. */
async function indexDocument(
  tenantId: string,
  sourceId: string,
  texts: readonly string[],
  options: { documentId?: string; embedder?: Embedder; title?: string } = {},
): Promise<string> {
  const embedder = options.embedder ?? offline;
  const documentId = options.documentId ?? newId();
  const chunks = texts.map((content, position) => ({ position, content, page: null, headingPath: [], tokenCount: 5 }));
  const vectors = await embedder.embed(chunks.map(indexedText));
  await database.db.transaction(async (tx) => {
    if (!options.documentId) {
      await tx.insert(knowledgeDocuments).values({
        id: documentId,
        tenantId,
        sourceId,
        title: options.title ?? 'Document',
        origin: 'upload',
        status: 'ready',
      });
    }
    await removeDocumentChunks(tx, tenantId, documentId);
    await insertDocumentChunks(tx, {
      tenantId,
      sourceId,
      documentId,
      writeId: newId(),
      dimensions: embedder.dimensions,
      chunks: chunks.map((chunk, index) => ({ ...chunk, embedding: vectors[index]! })),
    });
  });
  return documentId;
}

async function query<Row>(db: Executor, text: ReturnType<typeof sql>): Promise<Row[]> {
  return rowsOf<Row>(await db.execute(text));
}

interface SourceStatistics {
  chunkCount: number;
  totalTermCount: number;
  terms: Record<string, number>;
}

async function statistics(sourceId: string): Promise<SourceStatistics> {
  const [source] = await query<{ chunk_count: string; total_term_count: string }>(
    database.db,
    sql`select chunk_count, total_term_count from knowledge_sources where id = ${sourceId}`,
  );
  const terms = await query<{ term: string; chunk_frequency: number }>(
    database.db,
    sql`select term, chunk_frequency from knowledge_terms where source_id = ${sourceId} order by term`,
  );
  return {
    chunkCount: Number(source!.chunk_count),
    totalTermCount: Number(source!.total_term_count),
    terms: Object.fromEntries(terms.map((row) => [row.term, row.chunk_frequency])),
  };
}

/** What the statistics must be, recomputed from the chunks and postings that are actually there. */
async function statisticsFromRows(sourceId: string): Promise<SourceStatistics> {
  const [chunks] = await query<{ chunks: number; terms: number }>(
    database.db,
    sql`select count(*)::int as chunks, coalesce(sum(term_count), 0)::int as terms from knowledge_chunks where source_id = ${sourceId}`,
  );
  const terms = await query<{ term: string; chunks: number }>(
    database.db,
    sql`select term, count(*)::int as chunks from knowledge_postings where source_id = ${sourceId} group by term order by term`,
  );
  return {
    chunkCount: chunks!.chunks,
    totalTermCount: chunks!.terms,
    terms: Object.fromEntries(terms.map((row) => [row.term, row.chunks])),
  };
}

describe('knowledge index statistics', () => {
  it('counts chunks, terms and document frequencies on insert and takes exactly them back on remove', async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    await indexDocument(tenantId, sourceId, ['Volcanoes erupt lava and ash.', 'Ash clouds ground flights.']);
    const before = await statistics(sourceId);
    expect(before).toEqual(await statisticsFromRows(sourceId));
    expect(before.chunkCount).toBe(2);
    expect(before.terms['ash']).toBe(2);

    const documentId = await indexDocument(tenantId, sourceId, [
      'Lava flows cool into basalt.',
      'Basalt basalt basalt.',
    ]);
    const during = await statistics(sourceId);
    expect(during).toEqual(await statisticsFromRows(sourceId));
    expect(during.chunkCount).toBe(4);
    expect(during.terms['basalt']).toBe(2);
    expect(during.terms['lava']).toBe(2);

    const removed = await database.db.transaction((tx) => removeDocumentChunks(tx, tenantId, documentId));
    expect(removed).toBe(2);
    expect(await statistics(sourceId)).toEqual(before);
    expect((await statistics(sourceId)).terms['basalt']).toBeUndefined();
  });

  it('lets the event loop run between the statements that write a large document', async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    // 450 chunks are several statements. Embedded statements run synchronously and resolve as microtasks,
    // so without a pause between them an immediate scheduled now would wait for the whole write.
    const texts = Array.from({ length: 450 }, (_, index) => `Chunk ${index} of a long manual about pumps.`);
    let immediatesRun = 0;
    let isWriting = true;
    const countImmediates = (): void => {
      if (!isWriting) return;
      immediatesRun += 1;
      setImmediate(countImmediates);
    };
    const written = indexDocument(tenantId, sourceId, texts);
    setImmediate(countImmediates);
    await written;
    isWriting = false;
    expect(immediatesRun).toBeGreaterThanOrEqual(2);
    expect((await statistics(sourceId)).chunkCount).toBe(450);
  });

  it('gives identical scores after a document is removed and indexed again', async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    await indexDocument(tenantId, sourceId, ['Glaciers carve valleys over millennia.']);
    const documentId = await indexDocument(tenantId, sourceId, ['Valleys shaped by glaciers have a U profile.']);
    const request = { tenantId, sourceIds: [sourceId], query: 'glacier valleys', topK: 10 } as const;
    const lexical = await search.search({ ...request, mode: 'lexical' });
    const hybrid = await search.search({ ...request, mode: 'hybrid' });

    await indexDocument(tenantId, sourceId, ['Valleys shaped by glaciers have a U profile.'], { documentId });
    const scores = (hits: readonly { score: number; content: string }[]) => hits.map((hit) => [hit.content, hit.score]);
    expect(scores(await search.search({ ...request, mode: 'lexical' }))).toEqual(scores(lexical));
    expect(scores(await search.search({ ...request, mode: 'hybrid' }))).toEqual(scores(hybrid));
    expect((await statistics(sourceId)).chunkCount).toBe(2);
  });

  it('removing a document without chunks changes nothing', async () => {
    const tenantId = await createTenant();
    expect(await database.db.transaction((tx) => removeDocumentChunks(tx, tenantId, newId()))).toBe(0);
  });
});

describe('lexical search', () => {
  it('scores chunks with BM25 from the source statistics', async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    const texts = ['zebra zebra lion', 'lion tiger', 'tiger bear wolf', 'wolf wolf wolf bear'];
    await indexDocument(tenantId, sourceId, texts);

    // Every word here is its own english lexeme, so the formula can be applied to the words themselves.
    const documents = texts.map((text) => text.split(' '));
    const averageLength = documents.reduce((sum, words) => sum + words.length, 0) / documents.length;
    const expectedScore = (words: string[], queryWords: string[]) =>
      queryWords.reduce((score, term) => {
        const frequency = words.filter((word) => word === term).length;
        if (frequency === 0) return score;
        const df = documents.filter((document) => document.includes(term)).length;
        const idf = Math.log(1 + (documents.length - df + 0.5) / (df + 0.5));
        const norm = frequency + bm25.k1 * (1 - bm25.b + (bm25.b * words.length) / averageLength);
        return score + (idf * frequency * (bm25.k1 + 1)) / norm;
      }, 0);

    const hits = await search.search({
      tenantId,
      sourceIds: [sourceId],
      query: 'zebra lions',
      topK: 10,
      mode: 'lexical',
    });
    expect(hits.map((hit) => hit.content)).toEqual(['zebra zebra lion', 'lion tiger']);
    for (const hit of hits) {
      expect(hit.score).toBeCloseTo(expectedScore(hit.content.split(' '), ['zebra', 'lion']), 10);
      expect(hit.lexicalScore).toBe(hit.score);
      expect(hit.vectorScore).toBeNull();
    }
    expect(hits.map((hit) => hit.lexicalRank)).toEqual([1, 2]);
    expect(hits[0]!.highlights.join(' ')).toContain('«zebra»');
  });

  it('finds the number of a hyphenated product code on its own, and the code whole, however its hyphen is typed', async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    await indexDocument(tenantId, sourceId, [
      'The ZX-4471 warranty lasts five years.',
      'Keep the unit above -5 degrees.',
      'Nothing about codes here.',
      'The AB1234 ships in May.',
    ]);
    const lexical = (query: string) =>
      search.search({ tenantId, sourceIds: [sourceId], query, topK: 10, mode: 'lexical' });

    const byNumber = await lexical('4471');
    expect(byNumber.map((hit) => hit.content)).toEqual(['The ZX-4471 warranty lasts five years.']);
    expect(byNumber[0]!.highlights.join(' ')).toContain('ZX-«4471»');
    const byCode = await lexical('zx-4471 warranty');
    expect(byCode[0]!.content).toBe('The ZX-4471 warranty lasts five years.');
    expect(byCode[0]!.highlights.join(' ')).toContain('«ZX»-«4471» «warranty»');
    // A number standing alone keeps its sign.
    expect((await lexical('-5')).map((hit) => hit.content)).toEqual(['Keep the unit above -5 degrees.']);
    // The code typed without its hyphen, or written without one in the document, is the same code.
    const withoutHyphen = await lexical('zx4471');
    expect(withoutHyphen.map((hit) => hit.content)).toEqual(['The ZX-4471 warranty lasts five years.']);
    expect(withoutHyphen[0]!.highlights.join(' ')).toContain('«ZX»-«4471»');
    expect((await lexical('AB-1234')).map((hit) => hit.content)).toEqual(['The AB1234 ships in May.']);
  });

  it('finds Chinese and Japanese passages by part of a run of characters, not only the whole run', async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    await indexDocument(tenantId, sourceId, [
      '東京オフィスの営業時間は午前九時から午後六時までです。',
      '上海办公室位于浦东新区。',
      '大阪の天気は晴れです。',
    ]);
    const lexical = async (query: string) =>
      (await search.search({ tenantId, sourceIds: [sourceId], query, topK: 10, mode: 'lexical' })).map(
        (hit) => hit.content,
      );

    expect((await lexical('オフィス'))[0]).toBe('東京オフィスの営業時間は午前九時から午後六時までです。');
    expect((await lexical('東京オフィスの営業時間'))[0]).toBe('東京オフィスの営業時間は午前九時から午後六時までです。');
    expect(await lexical('办公室')).toEqual(['上海办公室位于浦东新区。']);
    // The passage marks what matched as one run, as it reads.
    const [hit] = await search.search({ tenantId, sourceIds: [sourceId], query: 'オフィス', topK: 1, mode: 'lexical' });
    expect(hit!.highlights.join(' ')).toContain('東京«オフィス»の営業時間');
  });

  it('finds a Thai passage by one of its words, written without spaces, and marks the word', async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    const bangkok = 'กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย';
    await indexDocument(tenantId, sourceId, [bangkok, 'เชียงใหม่อยู่ทางภาคเหนือ']);
    const lexical = (query: string) =>
      search.search({ tenantId, sourceIds: [sourceId], query, topK: 10, mode: 'lexical' });

    const hits = await lexical('กรุงเทพมหานคร');
    expect(hits.map((hit) => hit.content)).toEqual([bangkok]);
    expect(hits[0]!.highlights).toEqual(['«กรุงเทพมหานคร»เป็นเมืองหลวงของประเทศไทย']);
    expect((await lexical('เชียงใหม่')).map((hit) => hit.content)).toEqual(['เชียงใหม่อยู่ทางภาคเหนือ']);
  });

  it('marks Hindi and vowelled Arabic words whole, with their marks', async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    await indexDocument(tenantId, sourceId, ['भारत की राजधानी नई दिल्ली है।', 'اسمه مُحَمَّد وهو طبيب.']);
    const [delhi] = await search.search({ tenantId, sourceIds: [sourceId], query: 'दिल्ली', topK: 1, mode: 'lexical' });
    expect(delhi!.highlights).toEqual(['भारत की राजधानी नई «दिल्ली» है।']);
    const [name] = await search.search({ tenantId, sourceIds: [sourceId], query: 'مُحَمَّد', topK: 1, mode: 'lexical' });
    expect(name!.highlights).toEqual(['اسمه «مُحَمَّد» وهو طبيب.']);
  });

  it('finds accented Latin words typed without their accents, and the other way round', async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    await indexDocument(tenantId, sourceId, [
      'Le café de la gare ouvre à sept heures.',
      'Résumé writing: keep it to one page.',
      'Our Łódź and Zürich offices share one phone line.',
      'Nothing accented here about coffee.',
    ]);
    const lexical = (query: string) =>
      search.search({ tenantId, sourceIds: [sourceId], query, topK: 10, mode: 'lexical' });
    const contents = async (query: string) => (await lexical(query)).map((hit) => hit.content);

    expect(await contents('cafe')).toEqual(['Le café de la gare ouvre à sept heures.']);
    expect(await contents('CAFÉ')).toEqual(['Le café de la gare ouvre à sept heures.']);
    // An accent typed as a combining mark of its own.
    expect(await contents('cafe\u0301')).toEqual(['Le café de la gare ouvre à sept heures.']);
    expect(await contents('resume')).toEqual(['Résumé writing: keep it to one page.']);
    expect(await contents('lodz zurich')).toEqual(['Our Łódź and Zürich offices share one phone line.']);
    // German "ß" as it is typed without it, and the other way round.
    await indexDocument(tenantId, sourceId, ['Die Größe der Straße ist unbekannt.', 'Grosse Strasse 5, Berlin']);
    expect((await contents('grosse strasse')).sort()).toEqual([
      'Die Größe der Straße ist unbekannt.',
      'Grosse Strasse 5, Berlin',
    ]);
    expect((await contents('Straße')).sort()).toEqual([
      'Die Größe der Straße ist unbekannt.',
      'Grosse Strasse 5, Berlin',
    ]);
    // And marked where they were found, however they are spelled there.
    const marked = async (query: string) => (await lexical(query)).flatMap((hit) => hit.highlights);
    expect(await marked('grosse strasse')).toEqual(
      expect.arrayContaining(['Die «Größe» der «Straße» ist unbekannt.', '«Grosse» «Strasse» 5, Berlin']),
    );
    await indexDocument(tenantId, sourceId, ['DIE GROẞE KARTE VON WEIßENFELS.']);
    expect(await marked('weissenfels')).toEqual(['DIE GROẞE KARTE VON «WEIßENFELS».']);
    // Other scripts keep their marks: Russian "й" is a letter of its own, not "и" with an accent.
    await indexDocument(tenantId, sourceId, ['Мой край родной.']);
    expect(await contents('краи')).toEqual([]);
    expect(await contents('край')).toEqual(['Мой край родной.']);

    const [hit] = await lexical('resume writing');
    expect(hit!.highlights.join(' ')).toContain('«Résumé» «writing»: keep');
    const [zurich] = await lexical('zurich');
    expect(zurich!.highlights.join(' ')).toContain('Łódź and «Zürich» offices');
  });

  it('finds a document indexed before ß was read as ss by its ß spelling, until it is indexed again', async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    await indexDocument(tenantId, sourceId, ['Die Größe der Straße ist unbekannt.']);
    // The index as the version before held it: 'große' and 'straße', where it now holds 'gross' and 'strass'.
    for (const table of ['knowledge_postings', 'knowledge_terms']) {
      await database.executeSql(
        `update ${table} set term = case term when 'gross' then 'große' else 'straße' end
         where source_id = $1 and term in ('gross', 'strass')`,
        [sourceId],
      );
    }
    const contents = async (query: string) =>
      (await search.search({ tenantId, sourceIds: [sourceId], query, topK: 10, mode: 'lexical' })).map(
        (hit) => hit.content,
      );
    expect(await contents('Größe')).toEqual(['Die Größe der Straße ist unbekannt.']);
    expect(await contents('STRAẞE')).toEqual(['Die Größe der Straße ist unbekannt.']);
    expect(await contents('Grosse')).toEqual([]);
  });

  it('ranks and scores exactly as reading every posting when MaxScore skips the common terms', async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    // Words with a Zipf-like spread: "alpha" is in nearly every chunk, the numbered words in few.
    const words = (index: number) =>
      ['alpha', 'alpha', 'beta', `gamma${index % 3}`, `delta${index % 17}`, `omega${(index * 7) % 101}`].join(' ');
    await indexDocument(
      tenantId,
      sourceId,
      Array.from({ length: 300 }, (_, index) => `${words(index)} ${words(index + 1)}`),
    );
    const filter = { tenantId, sourceIds: [sourceId], limit: 10 };
    let pruned = 0;
    for (const text of [
      'alpha beta omega5',
      'alpha gamma1 delta3',
      'beta delta16 omega99 omega7',
      'alpha beta gamma2',
    ]) {
      const everyPosting = await bm25Candidates(database.db, text, filter, { exhaustivePostings: Infinity });
      const withPruning = await bm25Candidates(database.db, text, filter, { exhaustivePostings: 0 });
      expect(withPruning.map((hit) => hit.chunkId)).toEqual(everyPosting.map((hit) => hit.chunkId));
      withPruning.forEach((hit, index) => expect(hit.score).toBeCloseTo(everyPosting[index]!.score, 12));
      expect(everyPosting).toHaveLength(10);
      const { terms } = await weighAndScore(database.db, text, { ...filter, postingsBudget: 0 });
      const rarestFirst = [...terms].sort((a, b) => b.weight - a.weight);
      if (splitByThreshold(rarestFirst, everyPosting[9]!.score).optional.length > 0) pruned += 1;
    }
    // The queries exercise the pruning itself, not only its fallback to reading everything.
    expect(pruned).toBeGreaterThanOrEqual(2);
  });

  it("marks in its passages exactly the words the database's english configuration indexes as query terms", async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    const content =
      'Running studies of the P53 protein: runners ran, then studied proteins again. Long-term COVID-19 ' +
      "patients' running times were measured; nothing else was run.";
    await indexDocument(tenantId, sourceId, [content]);
    const query = 'run study p53 covid long-term patient';
    const [hit] = await search.search({ tenantId, sourceIds: [sourceId], query, topK: 1, mode: 'lexical' });
    const passage = hit!.highlights.join(' ');
    expect(passage.replace(/[«»]/g, '')).toBe(content);

    const marked = [...passage.matchAll(/«([^»]*)»/g)].map((match) => match[1]!);
    expect(marked).toEqual([
      'Running',
      'studies',
      'P53',
      'studied',
      'Long-term',
      'COVID',
      'patients',
      'running',
      'run',
    ]);
    // The database agrees: the words and compounds' parts (token types 1–3, 9–11) it indexes as a query lexeme.
    const queryLexemes = sql`tsvector_to_array(to_tsvector('english', ${query}))`;
    const indexedAsQueryTerms = rowsOf<{ token: string }>(
      await database.db.execute(sql`
        select token from ts_parse('default', ${content})
        where tokid in (1, 2, 3, 9, 10, 11) and tsvector_to_array(to_tsvector('english', token)) && ${queryLexemes}`),
    ).map((row) => row.token);
    expect(marked.flatMap((mark) => mark.split('-'))).toEqual(indexedAsQueryTerms);
  });

  it('answers nothing for a query of stop words only', async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    await indexDocument(tenantId, sourceId, ['the sea is wide']);
    expect(
      await search.search({ tenantId, sourceIds: [sourceId], query: 'the of is', topK: 5, mode: 'lexical' }),
    ).toEqual([]);
  });
});

describe('search scope', () => {
  /** Text the offline embedder finds nothing in is the zero vector, whose cosine distance is NaN. */
  it.each(['vector', 'hybrid'] as const)(
    'scores nothing by the zero vector in %s mode: neither such a query nor such a chunk',
    async (mode) => {
      const tenantId = await createTenant();
      const sourceId = await createSource(tenantId);
      await indexDocument(tenantId, sourceId, ['\u202e\u202e\u202e']);
      await indexDocument(tenantId, sourceId, ['the sea is wide and deep']);
      const find = (query: string) => search.search({ tenantId, sourceIds: [sourceId], query, topK: 5, mode });
      expect(await find('\u202e')).toEqual([]);
      const hits = await find('wide sea');
      expect(hits.map((hit) => hit.content)).toEqual(['the sea is wide and deep']);
      expect(hits.every((hit) => Number.isFinite(hit.score))).toBe(true);
    },
  );

  it("never returns another tenant's chunks, even given that tenant's source id", async () => {
    const tenantA = await createTenant();
    const tenantB = await createTenant();
    const sourceA = await createSource(tenantA);
    const sourceB = await createSource(tenantB);
    await indexDocument(tenantA, sourceA, ['Comets have icy nuclei.']);
    await indexDocument(tenantB, sourceB, ['Comets and comet tails: comets everywhere.']);
    for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
      const both = await search.search({
        tenantId: tenantA,
        sourceIds: [sourceA, sourceB],
        query: 'comets',
        topK: 10,
        mode,
      });
      expect(both.map((hit) => hit.sourceId)).toEqual([sourceA]);
      expect(await search.search({ tenantId: tenantA, sourceIds: [sourceB], query: 'comets', topK: 10, mode })).toEqual(
        [],
      );
    }
  });

  it('limits hits to the given documents', async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    await indexDocument(tenantId, sourceId, ['Saturn has rings of ice.']);
    const wanted = await indexDocument(tenantId, sourceId, ['Saturn rings are thin.'], { title: 'Rings' });
    for (const mode of ['lexical', 'vector', 'hybrid'] as const) {
      const hits = await search.search({
        tenantId,
        sourceIds: [sourceId],
        documentIds: [wanted],
        query: 'Saturn rings',
        topK: 10,
        mode,
      });
      expect(hits.map((hit) => [hit.documentId, hit.documentTitle])).toEqual([[wanted, 'Rings']]);
    }
  });

  it('searches a 384- and a 768-dimensional source side by side', async () => {
    const tenantId = await createTenant();
    const narrow = await createSource(tenantId);
    const wide = await createSource(tenantId, wideEmbedder);
    await indexDocument(tenantId, narrow, ['Photosynthesis turns light into sugar.', 'Bricks are made of clay.']);
    await indexDocument(
      tenantId,
      wide,
      ['Chlorophyll absorbs light for photosynthesis.', 'Granite is an igneous rock.'],
      {
        embedder: wideEmbedder,
      },
    );
    const vector = await search.search({
      tenantId,
      sourceIds: [narrow, wide],
      query: 'photosynthesis light',
      topK: 4,
      mode: 'vector',
    });
    expect(vector).toHaveLength(4);
    expect(new Set(vector.map((hit) => hit.sourceId))).toEqual(new Set([narrow, wide]));
    expect(
      vector
        .slice(0, 2)
        .map((hit) => hit.content)
        .sort(),
    ).toEqual(['Chlorophyll absorbs light for photosynthesis.', 'Photosynthesis turns light into sugar.']);
    const onlyWide = await search.search({
      tenantId,
      sourceIds: [wide],
      query: 'photosynthesis',
      topK: 4,
      mode: 'hybrid',
    });
    expect(onlyWide[0]).toMatchObject({ sourceId: wide, lexicalRank: 1, vectorRank: 1 });
  });

  it('serves vector candidates from the partial HNSW index of their dimension', async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    const probe = `[${Array.from({ length: 384 }, (_, index) => (index === 0 ? 1 : 0)).join(',')}]`;
    const plan = await database.db.transaction(async (tx) => {
      // A test source is tiny, where scanning it is rightly cheaper; these make the planner show the index path.
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(sql`set local enable_bitmapscan = off`);
      return query<{ 'QUERY PLAN': string }>(
        tx,
        sql`explain select id from knowledge_chunks
            where embedding_dimensions = 384 and tenant_id = ${tenantId} and source_id = any(${`{${sourceId}}`}::uuid[])
            order by embedding::vector(384) <=> ${probe}::vector(384) limit 10`,
      );
    });
    expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toContain('knowledge_chunks_embedding_384_idx');
  });
});

describe('hybrid search over offline vectors', () => {
  it('reads no vectors when BM25 fills what is kept (they weigh 0), and ranks as with them', async () => {
    const tenantId = await createTenant();
    const sourceId = await createSource(tenantId);
    await indexDocument(tenantId, sourceId, [
      'Glaciers carve valleys.',
      'A glacier moves slowly down the valley.',
      'Glacial lakes fill the valleys after the ice.',
      'Rivers cut narrow gorges.',
    ]);
    let queryEmbeddings = 0;
    const counting = createKnowledgeSearch({
      db: database.db,
      embedders: {
        resolve: async (ref, providers) => {
          const embedder = await embedders.resolve(ref, providers);
          return {
            ...embedder,
            embed: (texts, signal, onCall) => {
              queryEmbeddings += 1;
              return embedder.embed(texts, signal, onCall);
            },
          };
        },
      },
      rerankers: createRerankerRegistry({ config: { providers: {} } }),
      logger: createLogger({ level: 'silent' }),
      loadTenantProviders: async () => [],
    });
    const request = { tenantId, sourceIds: [sourceId], query: 'glacier valleys', mode: 'hybrid' } as const;
    const lexical = await search.search({ ...request, topK: 2, mode: 'lexical' });
    expect(lexical.length).toBeGreaterThanOrEqual(2);

    const filled = await counting.search({ ...request, topK: 2 });
    expect(queryEmbeddings).toBe(0);
    // The same fusion given as fixed reads the vectors whatever their weight: the same hits and scores.
    const readingVectors = createKnowledgeSearch({
      db: database.db,
      embedders,
      rerankers: createRerankerRegistry({ config: { providers: {} } }),
      logger: createLogger({ level: 'silent' }),
      loadTenantProviders: async () => [],
      fusion: { method: 'convex', k: 0, lexicalWeight: 1, vectorWeight: 0 },
    });
    const withVectors = await readingVectors.search({ ...request, topK: 2 });
    expect(withVectors.some((hit) => hit.vectorRank !== null)).toBe(true);
    expect(filled.map((hit) => [hit.chunkId, hit.score])).toEqual(withVectors.map((hit) => [hit.chunkId, hit.score]));
    expect(filled.map((hit) => hit.chunkId)).toEqual(lexical.map((hit) => hit.chunkId));

    // BM25 finds three of the four: the vectors add the fourth after them.
    const wider = await counting.search({ ...request, topK: 4 });
    expect(queryEmbeddings).toBe(1);
    expect(wider).toHaveLength(4);
    expect(wider[3]).toMatchObject({ content: 'Rivers cut narrow gorges.', lexicalRank: null, vectorRank: 4 });
  });
});
