import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { chunksPerStatement } from '../../src/modules/knowledge/retrieval/knowledge-index.repository.js';
import { corruptPdfBytes, formatSamples, pngBytes } from './document-fixtures.js';
import { testStorage } from '../harness/test-database.js';
import { documentIndexRows, ingestJobsOf, sourceStatistics, waitForJobEnd, writeInFlight } from './index-state.js';
import {
  createSource,
  getDocument,
  multipartBody,
  query,
  uploadAccepted,
  uploadDocument,
  waitForDocument,
  type DocumentView,
} from './knowledge-setup.js';

const uploadMaxBytes = 256 * 1024;

/** Every regular file under a directory, recursively. */
function filesUnder(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
}

describe('knowledge documents', () => {
  let t: TestApp;
  let admin: SignedInUser;
  let member: SignedInUser;
  let otherAdmin: SignedInUser;
  let sourceId: string;

  beforeAll(async () => {
    // DATA_DIR one level inside a fresh directory, so that where '../../x' would land (beside DATA_DIR)
    // is a place nothing else on the machine writes to.
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'parley-traversal-')), 'data');
    t = await buildTestApp({ UPLOAD_MAX_BYTES: String(uploadMaxBytes), DATA_DIR: dataDir });
    const platformAdmin = await registerPlatformAdmin(t.app);
    admin = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant A');
    otherAdmin = await createTenantWithAdmin(t.app, platformAdmin, 'Tenant B');
    member = await createUser(t.app, admin);
    sourceId = (await createSource(t.app, admin, { name: 'Company docs' })).id;
  });
  afterAll(() => t.close());

  const documentsUrl = (source: string) => `/v1/knowledge-sources/${source}/documents`;
  const call = (user: SignedInUser, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: user.headers, ...(payload && { payload }) });
  const chunkRows = async (documentId: string, database = t.database) => {
    const { rows } = await database.executeSql(
      'select count(*)::int as total, count(distinct position)::int as positions from knowledge_chunks where document_id = $1',
      [documentId],
    );
    return rows[0] as { total: number; positions: number };
  };

  it('indexes every supported format to ready and finds each by its own words', async () => {
    const uploaded: { sample: (typeof formatSamples)[number]; document: DocumentView }[] = [];
    for (const sample of formatSamples) {
      const document = await uploadAccepted(t.app, admin, sourceId, await sample.content(), {
        filename: sample.filename,
      });
      expect(document).toMatchObject({ status: 'pending', title: sample.filename, mediaType: sample.mediaType });
      uploaded.push({ sample, document });
    }
    for (const { sample, document } of uploaded) {
      const done = await waitForDocument(t.app, admin, sourceId, document.id);
      expect(done.status, `${sample.format}: ${done.errorMessage}`).toBe('ready');
      expect(done.progress).toBe(100);
      expect(done.chunkCount).toBeGreaterThan(0);
      expect(await chunkRows(document.id)).toEqual({ total: done.chunkCount, positions: done.chunkCount });
      const { results } = await query(t.app, member, sourceId, { query: sample.keyword, mode: 'lexical', topK: 3 });
      expect(results[0]?.documentId, sample.format).toBe(document.id);
      expect(results[0]?.content.toLowerCase()).toContain(sample.keyword);
    }
    const pdf = uploaded.find(({ sample }) => sample.format === 'pdf')!;
    expect((await getDocument(t.app, admin, sourceId, pdf.document.id)).pageCount).toBe(2);
    const pdfHit = (await query(t.app, admin, sourceId, { query: 'aardvark registered', topK: 1 })).results[0];
    expect(pdfHit).toMatchObject({ documentId: pdf.document.id, page: 2 });
    const hybrid = await query(t.app, admin, sourceId, { query: 'where is the capybara room?' });
    expect(hybrid.mode).toBe('hybrid');
    expect(hybrid.results[0]?.documentTitle).toBe('faq.html');
    // The HTML page's script is not part of its text.
    const script = await query(t.app, admin, sourceId, { query: 'secret', mode: 'lexical' });
    expect(script.results).toEqual([]);
    const source = (await call(admin, 'GET', `/v1/knowledge-sources/${sourceId}`)).json();
    expect(source.documentCount).toBe(formatSamples.length);
    const indexed = await Promise.all(uploaded.map(({ document }) => getDocument(t.app, admin, sourceId, document.id)));
    const published = indexed.reduce((sum, document) => sum + document.chunkCount, 0);
    expect(source.chunkCount).toBe(published);
    // Chunks still being written are in the search statistics before they can be found; not in the count.
    await t.database.executeSql('update knowledge_sources set chunk_count = chunk_count + 100 where id = $1', [
      sourceId,
    ]);
    expect((await call(admin, 'GET', `/v1/knowledge-sources/${sourceId}`)).json().chunkCount).toBe(published);
    await t.database.executeSql('update knowledge_sources set chunk_count = chunk_count - 100 where id = $1', [
      sourceId,
    ]);
  });

  it('answers 415 for an image or binary file and keeps nothing of it', async () => {
    const before = filesUnder(t.config.filesDir).length;
    for (const content of [pngBytes, Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7919) % 256))]) {
      const response = await uploadDocument(t.app, admin, sourceId, content, { filename: 'notes.txt' });
      expect(response.statusCode).toBe(415);
      expect(response.json().detail).toContain('cannot be indexed');
    }
    expect(filesUnder(t.config.filesDir)).toHaveLength(before);
  });

  it('answers 415 naming RTF, saved as UTF-8 or as UTF-16 with its mark', async () => {
    const rtf = '{\\rtf1\\ansi Meeting notes}';
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(rtf, 'utf16le')]);
    for (const content of [Buffer.from(rtf), utf16]) {
      const response = await uploadDocument(t.app, admin, sourceId, content, { filename: 'notes.rtf' });
      expect(response.statusCode, response.body).toBe(415);
      expect(response.json().detail).toMatch(/^RTF files cannot be indexed; upload a PDF/);
    }
  });

  it('says what is wrong with text it cannot read (blank space only, UTF-16 without its mark), keeping nothing', async () => {
    const before = filesUnder(t.config.filesDir).length;
    const blank = await uploadDocument(t.app, admin, sourceId, Buffer.from('  \n\t\n   \n'), { filename: 'blank.txt' });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().detail).toBe('The file holds only blank space; check that it was saved, and upload it again');
    const utf16 = Buffer.from('Meeting notes: the launch moves to Tuesday.\n', 'utf16le');
    const unmarked = await uploadDocument(t.app, admin, sourceId, utf16, { filename: 'notes.txt' });
    expect(unmarked.statusCode).toBe(400);
    expect(unmarked.json().detail).toBe(
      'The file looks like UTF-16 text saved without its byte-order mark; save it as UTF-8 and upload it again',
    );
    expect(filesUnder(t.config.filesDir)).toHaveLength(before);
  });

  it('refuses a second file in the form instead of dropping it, and keeps neither', async () => {
    const before = filesUnder(t.config.filesDir).length;
    const first = multipartBody(Buffer.from('The first file.\n'), { filename: 'first.txt' });
    const boundary = first.headers['content-type']!.split('boundary=')[1]!;
    const second =
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="second.txt"\r\n` +
      `Content-Type: text/plain\r\n\r\nThe second file.\r\n--${boundary}--\r\n`;
    const payload = Buffer.concat([
      first.payload.subarray(0, first.payload.length - `--${boundary}--\r\n`.length),
      Buffer.from(second),
    ]);
    const response = await t.app.inject({
      method: 'POST',
      url: documentsUrl(sourceId),
      headers: { ...admin.headers, ...first.headers },
      payload,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toBe("Send one file, in a field named 'file', and nothing else");
    expect(filesUnder(t.config.filesDir)).toHaveLength(before);
  });

  it('says an empty file is empty, and keeps nothing of it', async () => {
    const before = filesUnder(t.config.filesDir).length;
    const response = await uploadDocument(t.app, admin, sourceId, Buffer.alloc(0), { filename: 'notes.txt' });
    expect(response.statusCode).toBe(400);
    expect(response.json().detail).toBe('The file is empty; check that it was saved, and upload it again');
    expect(filesUnder(t.config.filesDir)).toHaveLength(before);
  });

  it('refuses a file the source already holds (409 naming it), keeping nothing of the second; another source takes it', async () => {
    const content = Buffer.from('The saffron harvest begins in late October and lasts three weeks.\n');
    const first = await uploadAccepted(t.app, admin, sourceId, content, { filename: 'saffron.txt' });
    const before = filesUnder(t.config.filesDir).length;
    const again = await uploadDocument(t.app, admin, sourceId, content, { filename: 'saffron copy.txt' });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({
      detail:
        "This source already has this content as 'saffron.txt'; delete that document first to add it again, or reindex it",
      documentId: first.id,
    });
    expect(filesUnder(t.config.filesDir)).toHaveLength(before);
    const otherSourceId = (await createSource(t.app, admin, { name: 'Harvest notes' })).id;
    await uploadAccepted(t.app, admin, otherSourceId, content, { filename: 'saffron.txt' });
    await waitForDocument(t.app, admin, sourceId, first.id);
  });

  it('takes one of the same file sent many times at once, and refuses the others with 409', async () => {
    const content = Buffer.from('Vanilla orchids are pollinated by hand, one flower at a time.\n');
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        uploadDocument(t.app, admin, sourceId, content, { filename: `vanilla-${index}.txt` }),
      ),
    );
    expect(answers.map((answer) => answer.statusCode).sort()).toEqual([202, ...Array<number>(11).fill(409)]);
    const accepted = answers.find((answer) => answer.statusCode === 202)!.json<{ id: string }>();
    await waitForDocument(t.app, admin, sourceId, accepted.id);
  });

  it('counts a document whose reindex was cancelled or failed as holding its content: its last index is still searched', async () => {
    const content = Buffer.from('Cardamom pods are picked by hand, every forty days.\n');
    const first = await uploadAccepted(t.app, admin, sourceId, content, { filename: 'cardamom.txt' });
    await waitForDocument(t.app, admin, sourceId, first.id);
    for (const status of ['cancelled', 'failed']) {
      // What a reindex cancelled or failed after the first index leaves: that status, the last index live.
      await t.database.executeSql('update knowledge_documents set status = $2 where id = $1', [first.id, status]);
      const again = await uploadDocument(t.app, admin, sourceId, content, { filename: 'cardamom copy.txt' });
      expect(again.statusCode, status).toBe(409);
    }
  });

  it('keeps the file name only as a label: ../../x is titled x and stored by id', async () => {
    const document = await uploadAccepted(t.app, admin, sourceId, Buffer.from('Path traversal check text.\n'), {
      filename: '../../x',
    });
    expect(document.title).toBe('x');
    expect(existsSync(path.resolve(t.config.filesDir, '../../x'))).toBe(false);
    expect(filesUnder(t.config.filesDir).some((file) => path.basename(file) === 'x')).toBe(false);
    await waitForDocument(t.app, admin, sourceId, document.id);
  });

  it('refuses a form without a file, a file in another field, and a JSON body, with a sentence', async () => {
    const wrongField = await uploadDocument(t.app, admin, sourceId, Buffer.from('text'), { field: 'document' });
    expect(wrongField.statusCode).toBe(400);
    expect(wrongField.json().detail).toContain("field named 'file'");
    const json = await call(admin, 'POST', documentsUrl(sourceId), { file: 'text' });
    expect(json.statusCode).toBe(415);
    const plain = await t.app.inject({
      method: 'POST',
      url: documentsUrl(sourceId),
      headers: { ...admin.headers, 'content-type': 'text/plain' },
      payload: 'just text',
    });
    expect(plain.statusCode).toBe(415);
    // The upload's own media type, not the JSON the other routes take.
    expect(plain.json().detail).toBe('Send the request body as multipart/form-data');
    const empty = await t.app.inject({
      method: 'POST',
      url: documentsUrl(sourceId),
      headers: { ...admin.headers, 'content-type': 'multipart/form-data; boundary=abc' },
      payload: '--abc--\r\n',
    });
    expect(empty.statusCode).toBe(400);
    // A boundary past what multipart allows (70 characters), and past what the parser can search for (256).
    const long = 'b'.repeat(300);
    const longBoundary = await t.app.inject({
      method: 'POST',
      url: documentsUrl(sourceId),
      headers: { ...admin.headers, 'content-type': `multipart/form-data; boundary=${long}` },
      payload: `--${long}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nabc\r\n--${long}--\r\n`,
    });
    expect(longBoundary.statusCode, longBoundary.body).toBe(400);
    expect(longBoundary.json().detail).toBe(
      'The upload ended early or is not well-formed multipart data; send it again',
    );
  });

  it('answers 413 from Content-Length alone, before the body is sent', async () => {
    const address = await listen();
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const body = multipartBody(Buffer.alloc(0));
      const outgoing = httpRequest({
        host: '127.0.0.1',
        port: address.port,
        method: 'POST',
        path: documentsUrl(sourceId),
        agent: false,
        headers: { ...admin.headers, ...body.headers, 'content-length': String(10 * 1024 ** 3) },
      });
      outgoing.on('response', (incoming) => {
        let text = '';
        incoming.on('data', (chunk: Buffer) => (text += chunk.toString()));
        incoming.on('end', () => {
          resolve({ status: incoming.statusCode ?? 0, body: text });
          // The rest of the body is never sent; drop the socket so closing the app does not wait for it.
          outgoing.destroy();
        });
      });
      outgoing.on('error', reject);
      outgoing.flushHeaders(); // headers only: the 10 GB body never comes
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).detail).toBe('The file is larger than the 256 KB this server accepts');
  });

  it('answers 413 when a chunked upload without Content-Length streams past the limit, leaving no file', async () => {
    const address = await listen();
    const before = filesUnder(t.config.filesDir).length;
    const body = multipartBody(Buffer.alloc(uploadMaxBytes + 10_000, 'a'), { filename: 'big.txt' });
    const response = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const outgoing = httpRequest({
        host: '127.0.0.1',
        port: address.port,
        method: 'POST',
        path: documentsUrl(sourceId),
        agent: false,
        headers: { ...admin.headers, ...body.headers, 'transfer-encoding': 'chunked' },
      });
      outgoing.on('response', (incoming) => {
        let text = '';
        incoming.on('data', (chunk: Buffer) => (text += chunk.toString()));
        incoming.on('end', () => {
          resolve({ status: incoming.statusCode ?? 0, body: text });
          // The rest of the body is never sent; drop the socket so closing the app does not wait for it.
          outgoing.destroy();
        });
      });
      // The server may answer and close before the rest of the body is written.
      outgoing.on('error', (error: NodeJS.ErrnoException) =>
        error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error),
      );
      for (let offset = 0; offset < body.payload.length; offset += 16 * 1024) {
        outgoing.write(body.payload.subarray(offset, offset + 16 * 1024));
      }
      outgoing.end();
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body).code).toBe('payload_too_large');
    expect(filesUnder(t.config.filesDir)).toHaveLength(before);
  });

  it.each([
    ['a document', () => documentsUrl(sourceId)],
    ['a chat file', () => '/v1/files'],
  ])('answers 400 to %s whose multipart body breaks off, keeping neither a file nor a row', async (_, url) => {
    const filesBefore = filesUnder(t.config.filesDir).length;
    const documentsBefore = (await call(admin, 'GET', documentsUrl(sourceId))).json().items.length;
    const whole = multipartBody(Buffer.from('A note that never ends'), { filename: 'cut.txt' });
    const response = await t.app.inject({
      method: 'POST',
      url: url(),
      headers: { ...admin.headers, ...whole.headers },
      payload: whole.payload.subarray(0, whole.payload.length - 20),
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'malformed_request',
      detail: expect.stringContaining('ended early'),
    });
    expect(filesUnder(t.config.filesDir)).toHaveLength(filesBefore);
    expect((await call(admin, 'GET', documentsUrl(sourceId))).json().items).toHaveLength(documentsBefore);
  });

  it("marks a corrupt PDF failed with the parser's reason", async () => {
    const document = await uploadAccepted(t.app, admin, sourceId, corruptPdfBytes, { filename: 'broken.pdf' });
    const failed = await waitForDocument(t.app, admin, sourceId, document.id);
    expect(failed.status).toBe('failed');
    expect(failed.errorMessage).toMatch(/PDF/);
    expect(failed.chunkCount).toBe(0);
  });

  it('reindexes a document to the same chunks, without duplicates', async () => {
    const document = await uploadAccepted(
      t.app,
      admin,
      sourceId,
      Buffer.from('# Title\n\nReindex me, the heron said.\n'),
      {
        filename: 'heron.md',
      },
    );
    const first = await waitForDocument(t.app, admin, sourceId, document.id);
    expect(first.status).toBe('ready');
    const response = await call(admin, 'POST', `${documentsUrl(sourceId)}/${document.id}/reindex`);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({ status: 'pending', progress: 0 });
    const second = await waitForDocument(t.app, admin, sourceId, document.id);
    expect(second.status).toBe('ready');
    expect(second.chunkCount).toBe(first.chunkCount);
    expect(await chunkRows(document.id)).toEqual({ total: first.chunkCount, positions: first.chunkCount });
    const { results } = await query(t.app, admin, sourceId, { query: 'heron', mode: 'lexical' });
    expect(results.filter((hit) => hit.documentId === document.id)).toHaveLength(first.chunkCount);
  });

  it('indexes every document of a source again when its chunking changes', async () => {
    const source = (await createSource(t.app, admin, { chunkTokens: 512, chunkOverlapTokens: 0 })).id;
    const sentences = Array.from({ length: 80 }, (_, index) => `The osprey rule number ${index} applies on weekdays.`);
    const document = await uploadAccepted(t.app, admin, source, Buffer.from(sentences.join(' ')), {
      filename: 'osprey.txt',
    });
    const before = await waitForDocument(t.app, admin, source, document.id);
    expect(before.status).toBe('ready');
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/v1/knowledge-sources/${source}`,
      headers: admin.headers,
      payload: { chunkTokens: 64 },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(['pending', 'processing', 'ready']).toContain((await getDocument(t.app, admin, source, document.id)).status);
    const after = await waitForDocument(
      t.app,
      admin,
      source,
      document.id,
      (current) => current.status === 'ready' && current.chunkCount !== before.chunkCount,
    );
    expect(after.chunkCount).toBeGreaterThan(before.chunkCount);
    expect(await chunkRows(document.id)).toEqual({ total: after.chunkCount, positions: after.chunkCount });
    const view = (await call(admin, 'GET', `/v1/knowledge-sources/${source}`)).json();
    expect(view).toMatchObject({ chunkTokens: 64, documentCount: 1, chunkCount: after.chunkCount });
  });

  it('cancels a pending document, whose job then writes nothing; a ready one answers 409', async () => {
    // A node that queues but runs no jobs, so the document is certainly still pending when it is cancelled.
    const queueing = await buildTestApp({}, { runsJobs: false });
    try {
      const platformAdmin = await registerPlatformAdmin(queueing.app);
      const owner = await createTenantWithAdmin(queueing.app, platformAdmin);
      const source = (await createSource(queueing.app, owner)).id;
      const document = await uploadAccepted(queueing.app, owner, source, Buffer.from('Cancel this ibis text.\n'), {
        filename: 'ibis.txt',
      });
      const cancelled = await queueing.app.inject({
        method: 'POST',
        url: `${documentsUrl(source)}/${document.id}/cancel`,
        headers: owner.headers,
      });
      expect(cancelled.statusCode, cancelled.body).toBe(200);
      expect(cancelled.json().status).toBe('cancelled');

      // Now a node that runs jobs (on the same files) picks up the cancelled document's job, which must
      // find nothing to do.
      const [job] = await ingestJobsOf(queueing.database, document.id);
      const worker = await buildTestApp({ DATA_DIR: queueing.config.dataDir }, { sharedDatabase: queueing.database });
      try {
        expect(await waitForJobEnd(queueing.database, job!.id)).toBe('completed');
        expect(await getDocument(worker.app, owner, source, document.id)).toMatchObject({
          status: 'cancelled',
          chunkCount: 0,
        });
        expect((await chunkRows(document.id, queueing.database)).total).toBe(0);

        const reindexed = await worker.app.inject({
          method: 'POST',
          url: `${documentsUrl(source)}/${document.id}/reindex`,
          headers: owner.headers,
        });
        expect(reindexed.statusCode).toBe(202);
        expect((await waitForDocument(worker.app, owner, source, document.id)).status).toBe('ready');
        const again = await worker.app.inject({
          method: 'POST',
          url: `${documentsUrl(source)}/${document.id}/cancel`,
          headers: owner.headers,
        });
        expect(again.statusCode).toBe(409);
        expect(again.json().detail).toContain('is ready, so there is nothing to cancel');
      } finally {
        await worker.close();
      }
    } finally {
      await queueing.close();
    }
  });

  it('deletes a document with its chunks and stored file', async () => {
    const before = filesUnder(t.config.filesDir).length;
    const document = await uploadAccepted(t.app, admin, sourceId, Buffer.from('The jackal note, soon deleted.\n'), {
      filename: 'jackal.txt',
    });
    await waitForDocument(t.app, admin, sourceId, document.id);
    expect(filesUnder(t.config.filesDir)).toHaveLength(before + 1);
    expect((await call(admin, 'DELETE', `${documentsUrl(sourceId)}/${document.id}`)).statusCode).toBe(204);
    expect((await call(admin, 'GET', `${documentsUrl(sourceId)}/${document.id}`)).statusCode).toBe(404);
    expect((await chunkRows(document.id)).total).toBe(0);
    expect((await query(t.app, admin, sourceId, { query: 'jackal', mode: 'lexical' })).results).toEqual([]);
    expect(filesUnder(t.config.filesDir)).toHaveLength(before);
  });

  it('deletes a document of many statements, leaving the other documents and exact statistics', async () => {
    const bylaws = (await createSource(t.app, admin, { name: 'Bylaws', chunkTokens: 128, chunkOverlapTokens: 0 })).id;
    const kept = await uploadAccepted(t.app, admin, bylaws, Buffer.from('The osprey clause stays.\n'), {
      filename: 'osprey.txt',
    });
    await waitForDocument(t.app, admin, bylaws, kept.id);
    const statisticsBefore = await sourceStatistics(t.database, bylaws);
    const clauses = Array.from(
      { length: 400 },
      (_, index) => `Clause ${index + 1} of the harbour bylaws: berth ${index % 9} is kept clear on tide ${index % 4}.`,
    );
    const large = await uploadAccepted(t.app, admin, bylaws, Buffer.from(clauses.join(' ')), {
      filename: 'bylaws.txt',
    });
    expect((await waitForDocument(t.app, admin, bylaws, large.id)).chunkCount).toBeGreaterThan(2 * chunksPerStatement);

    expect((await call(admin, 'DELETE', `${documentsUrl(bylaws)}/${large.id}`)).statusCode).toBe(204);
    expect((await call(admin, 'GET', `${documentsUrl(bylaws)}/${large.id}`)).statusCode).toBe(404);
    expect(await documentIndexRows(t.database, large.id)).toMatchObject({ chunks: 0, postings: 0 });
    expect(await sourceStatistics(t.database, bylaws)).toEqual(statisticsBefore);
    const { rows: writesLeft } = await t.database.executeSql(
      'select id from knowledge_index_writes where document_id = $1',
      [large.id],
    );
    expect(writesLeft).toEqual([]);
    expect((await query(t.app, admin, bylaws, { query: 'harbour bylaws', mode: 'lexical' })).results).toEqual([]);
    expect((await query(t.app, admin, bylaws, { query: 'osprey', mode: 'lexical' })).results).toHaveLength(1);
  });

  // Two sessions at once: only PostgreSQL has them (PGlite's one session runs transactions in turn).
  it.runIf(testStorage === 'postgres')(
    'deletes a document while a batch of its index write is in flight, without a deadlock',
    async () => {
      const source = await createSource(t.app, admin, { name: 'Marten notes' });
      const document = await uploadAccepted(t.app, admin, source.id, Buffer.from('The marten note.\n'), {
        filename: 'marten.txt',
      });
      await waitForDocument(t.app, admin, source.id, document.id);
      const { embeddingDimensions: dimensions } = (
        await call(admin, 'GET', `/v1/knowledge-sources/${source.id}`)
      ).json();
      const location = { tenantId: admin.tenantId, sourceId: source.id, documentId: document.id };
      const write = await writeInFlight(t.database, location, dimensions);

      // The batch's chunks reference the document: a lock of the document that excludes them deadlocks.
      const deleted = await write.batchDuring(() => call(admin, 'DELETE', `${documentsUrl(source.id)}/${document.id}`));
      expect(deleted.statusCode).toBe(204);
      expect(await documentIndexRows(t.database, document.id)).toMatchObject({ chunks: 0, postings: 0 });
      expect(await sourceStatistics(t.database, source.id)).toMatchObject({ stored_chunks: 0, stored_term_chunks: 0 });
    },
  );

  it('lists documents with their status, filtered and a page at a time', async () => {
    const page = (await call(member, 'GET', `${documentsUrl(sourceId)}?limit=2`)).json();
    expect(page.items).toHaveLength(2);
    expect(page.items[0]).toHaveProperty('progress');
    expect(page.nextCursor).toEqual(expect.any(String));
    const failed = (await call(member, 'GET', `${documentsUrl(sourceId)}?status=failed`)).json();
    expect(failed.items.every((document: DocumentView) => document.status === 'failed')).toBe(true);
    expect(failed.items.length).toBeGreaterThan(0);
  });

  it('lets a member read and query, but not upload or change documents', async () => {
    const document = await uploadAccepted(t.app, admin, sourceId, Buffer.from('The kestrel policy.\n'), {
      filename: 'k.txt',
    });
    await waitForDocument(t.app, admin, sourceId, document.id);
    expect((await call(member, 'GET', `${documentsUrl(sourceId)}/${document.id}`)).statusCode).toBe(200);
    expect((await query(t.app, member, sourceId, { query: 'kestrel' })).results.length).toBeGreaterThan(0);
    expect((await uploadDocument(t.app, member, sourceId, Buffer.from('x'))).statusCode).toBe(403);
    for (const action of ['reindex', 'cancel']) {
      expect((await call(member, 'POST', `${documentsUrl(sourceId)}/${document.id}/${action}`)).statusCode).toBe(403);
    }
    expect((await call(member, 'DELETE', `${documentsUrl(sourceId)}/${document.id}`)).statusCode).toBe(403);
    expect(
      (await call(member, 'POST', `${documentsUrl(sourceId)}/from-url`, { url: 'https://example.com/' })).statusCode,
    ).toBe(403);
  });

  it("keeps tenants apart: another tenant's documents answer 404 and its chunks never come back", async () => {
    const otherSource = (await createSource(t.app, otherAdmin)).id;
    const shared = Buffer.from('The lemur budget is approved for both tenants.\n');
    const theirs = await uploadAccepted(t.app, otherAdmin, otherSource, shared, { filename: 'lemur.txt' });
    const ours = await uploadAccepted(t.app, admin, sourceId, shared, { filename: 'lemur.txt' });
    await waitForDocument(t.app, otherAdmin, otherSource, theirs.id);
    await waitForDocument(t.app, admin, sourceId, ours.id);

    for (const base of [`${documentsUrl(otherSource)}/${theirs.id}`, `${documentsUrl(sourceId)}/${theirs.id}`]) {
      for (const [method, suffix] of [
        ['GET', ''],
        ['DELETE', ''],
        ['POST', '/reindex'],
        ['POST', '/cancel'],
      ] as const) {
        const response = await call(admin, method, `${base}${suffix}`);
        expect(response.statusCode, `${method} ${base}${suffix}`).toBe(404);
      }
    }
    expect((await uploadDocument(t.app, admin, otherSource, shared)).statusCode).toBe(404);
    const { results } = await query(t.app, admin, sourceId, { query: 'lemur budget', topK: 50 });
    expect(results.map((hit) => hit.documentId)).toContain(ours.id);
    expect(results.every((hit) => hit.sourceId === sourceId)).toBe(true);
    const filtered = await query(t.app, admin, sourceId, { query: 'lemur budget', documentIds: [theirs.id] });
    expect(filtered.results).toEqual([]);
    expect((await getDocument(t.app, otherAdmin, otherSource, theirs.id)).status).toBe('ready');
  });

  it('validates the query body', async () => {
    for (const body of [
      { query: '' },
      { query: 'x'.repeat(2001) },
      { query: 'x', topK: 101 },
      { query: 'x', mode: 'fuzzy' },
    ]) {
      const response = await call(admin, 'POST', `/v1/knowledge-sources/${sourceId}/query`, body);
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
    }
  });

  let listening: AddressInfo | undefined;
  async function listen(): Promise<AddressInfo> {
    if (!listening) {
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      listening = t.app.server.address() as AddressInfo;
    }
    return listening;
  }
});
