import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createIndexUpkeep,
  indexUpkeepJobName,
  type IndexUpkeep,
} from '../../src/modules/knowledge/ingestion/index-upkeep.js';
import { createIndexWriter } from '../../src/modules/knowledge/ingestion/index-writer.js';
import { createIndexWritesRepository } from '../../src/modules/knowledge/retrieval/index-writes.repository.js';
import { createSourceRemoval } from '../../src/modules/knowledge/source-removal.js';
import { createSourcesRepository } from '../../src/modules/knowledge/sources.repository.js';
import type { SendOptions } from '../../src/platform/jobs/index.js';
import { createLogger } from '../../src/platform/logger.js';
import { createDirectoryStorage } from '../../src/platform/storage/index.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { testStorage } from '../harness/test-database.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { ingestJobsOf, sourceRows, waitForJobEnd, writeInFlight } from './index-state.js';
import { createSource, uploadAccepted, waitForDocument } from './knowledge-setup.js';

const logger = createLogger({ level: 'silent' });

/** What the upkeep queued on the job queue. */
type SentJob = { readonly name: string; readonly options: SendOptions | undefined };

/** The upkeep the app's job runs, with the real parts, on the test app's database and files. */
function upkeepOf(t: TestApp, sent: SentJob[] = []): IndexUpkeep {
  const db = t.database.db;
  const jobs = {
    send: async (name: string, _data: object, options?: SendOptions) => {
      sent.push({ name, options });
      return null;
    },
  };
  const indexWriter = createIndexWriter({
    db,
    logger,
    writes: createIndexWritesRepository(),
    storageKind: t.database.kind,
  });
  const sourceRemoval = createSourceRemoval({
    db,
    logger,
    jobs,
    sources: createSourcesRepository(),
    storage: createDirectoryStorage(t.config.filesDir),
    scheduleIndexUpkeep: async () => {},
  });
  return createIndexUpkeep({ db, jobs, indexWriter, sourceRemoval, logger });
}

interface TableState {
  readonly pages: number;
  readonly allVisiblePages: number;
  readonly estimatedRows: number;
}

describe('the knowledge index upkeep', () => {
  let t: TestApp;
  let admin: SignedInUser;
  beforeAll(async () => {
    t = await buildTestApp();
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
  });
  afterAll(() => t?.close());

  it('is queued when a document is indexed, and leaves the postings all-visible and analyzed', async () => {
    const source = await createSource(t.app, admin);
    const paragraphs = Array.from({ length: 60 }, (_, index) => `Paragraph ${index} on walrus ${index * 7} migration.`);
    const document = await uploadAccepted(
      t.app,
      admin,
      source.id,
      Buffer.from(`# Walruses\n\n${paragraphs.join('\n\n')}\n`),
      {
        filename: 'walrus.md',
      },
    );
    expect((await waitForDocument(t.app, admin, source.id, document.id)).status).toBe('ready');
    // The job queues the upkeep after `ready`: count once the job has ended.
    for (const job of await ingestJobsOf(t.database, document.id)) {
      expect(await waitForJobEnd(t.database, job.id)).toBe('completed');
    }

    const queued = await t.database.executeSql(
      `select count(*)::int as jobs from pgboss.job where name = $1 and state in ('created', 'active', 'completed')`,
      [indexUpkeepJobName],
    );
    expect(queued.rows[0]).toEqual({ jobs: 1 });

    // What the job runs; its 10 s settling delay is not worth waiting for here.
    const upkeep = upkeepOf(t);
    const postingsState = async (): Promise<TableState> => {
      const { rows } = await t.database.executeSql(
        `select relpages as pages, relallvisible as "allVisiblePages", reltuples::int as "estimatedRows"
         from pg_class where oid = 'knowledge_postings'::regclass`,
      );
      return rows[0] as TableState;
    };
    await upkeep.run();
    let postings = await postingsState();
    // On PostgreSQL, VACUUM cannot mark a page all-visible while an older transaction of the database is
    // open, and pg-boss's polls and autovacuum's ANALYZE run beside this test (CI once saw 0 of 2 pages):
    // the upkeep is run again, as its next run would. Embedded storage has no other session, so there the
    // first run must do.
    const runs = testStorage === 'postgres' ? 20 : 1;
    for (let run = 1; run < runs && postings.allVisiblePages < postings.pages; run += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await upkeep.run();
      postings = await postingsState();
    }
    const { rows: counted } = await t.database.executeSql('select count(*)::int as total from knowledge_postings');
    expect(postings.pages).toBeGreaterThan(0);
    // Index-only scans skip the heap only for all-visible pages; the statistics are exact on a table this small.
    expect(postings.allVisiblePages).toBe(postings.pages);
    expect(postings.estimatedRows).toBe((counted[0] as { total: number }).total);
    // Hits' documents are planned from these statistics too.
    const { rows: documents } = await t.database.executeSql(
      `select reltuples::int as "estimatedRows", (select count(*)::int from knowledge_documents) as total
       from pg_class where oid = 'knowledge_documents'::regclass`,
    );
    const { estimatedRows, total } = documents[0] as { estimatedRows: number; total: number };
    expect(total).toBeGreaterThan(0);
    expect(estimatedRows).toBe(total);
  }, 60_000);

  it('finishes removing a source deleted long ago whose removal never ran', async () => {
    const source = await createSource(t.app, admin);
    const document = await uploadAccepted(t.app, admin, source.id, Buffer.from('The gannet rule.\n'), {
      filename: 'gannet.txt',
    });
    expect((await waitForDocument(t.app, admin, source.id, document.id)).status).toBe('ready');
    // What a node leaves when it stops between hiding the source and queuing its removal job.
    await t.database.executeSql(`update knowledge_sources set deleted_at = now() - interval '2 hours' where id = $1`, [
      source.id,
    ]);
    const recent = await createSource(t.app, admin);
    await t.database.executeSql(`update knowledge_sources set deleted_at = now() where id = $1`, [recent.id]);
    expect(await sourceRows(t.database, source.id)).toMatchObject({ sources: 1, documents: 1 });

    await upkeepOf(t).run();

    expect(await sourceRows(t.database, source.id)).toMatchObject({ sources: 0, documents: 0, chunks: 0, postings: 0 });
    // One deleted a moment ago is its own job's to remove.
    expect(await sourceRows(t.database, recent.id)).toMatchObject({ sources: 1 });
  }, 60_000);

  it('queues its next run for when a write still being written will count as abandoned, nothing else needed', async () => {
    const source = await createSource(t.app, admin);
    const document = await uploadAccepted(t.app, admin, source.id, Buffer.from('The shearwater rule.\n'), {
      filename: 'shearwater.txt',
    });
    await waitForDocument(t.app, admin, source.id, document.id);
    const { embeddingDimensions } = (
      await t.app.inject({ method: 'GET', url: `/v1/knowledge-sources/${source.id}`, headers: admin.headers })
    ).json<{ embeddingDimensions: number }>();
    // What a node that stopped gracefully mid-write leaves: a write begun a minute ago, never finished.
    await writeInFlight(
      t.database,
      { tenantId: admin.tenantId, sourceId: source.id, documentId: document.id },
      embeddingDimensions,
    );
    await t.database.executeSql(
      `update knowledge_index_writes set created_at = now() - interval '1 minute' where status = 'writing'`,
    );
    const sent: SentJob[] = [];

    await upkeepOf(t, sent).run();

    const next = sent.find((job) => job.options?.singletonKey === 'knowledge-index-writes-due');
    expect(next?.name).toBe(indexUpkeepJobName);
    // Abandoned 30 minutes after it began (twice the ingestion job's expiry): 29 minutes from now.
    expect(next?.options?.startAfterSeconds).toBeGreaterThan(28 * 60);
    expect(next?.options?.startAfterSeconds).toBeLessThanOrEqual(29 * 60 + 2);
    // Leaves no write behind for the files that share this database (the PostgreSQL run).
    await t.database.executeSql('delete from knowledge_sources where id = $1', [source.id]);
  }, 60_000);
});
