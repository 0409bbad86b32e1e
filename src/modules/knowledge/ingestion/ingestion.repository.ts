import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import { offlineModelRef } from '../../../ai/model-ref.js';
import type { Executor } from '../../../platform/db/client.js';
import { isLiveSource, knowledgeDocuments, knowledgeSources } from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';
import { noReplacedFile, putBackReplacedFile, restarted, type DocumentRow } from '../documents.repository.js';
import { currentIndexVersion, requiredIndexVersions } from './index-versions.js';

/**
 * The job's own statements. Each one names the generation it works for: once reindex, cancel or delete
 * moved the document on, they match nothing, and the job learns that it was superseded.
 */
const ofGeneration = (tenantId: string, documentId: string, generation: number) =>
  inTenant(
    knowledgeDocuments,
    tenantId,
    eq(knowledgeDocuments.id, documentId),
    eq(knowledgeDocuments.generation, generation),
  );

const isRunning = eq(knowledgeDocuments.status, 'processing');

export interface IndexedDocument {
  readonly chunkCount: number;
  readonly pageCount: number | null;
  /** Set for documents fetched from a URL whose page had a title. */
  readonly title?: string;
}

export function createIngestionRepository() {
  return {
    /**
     * Documents still `pending` (their indexing never began) whose row has not changed for `staleAfterMs`,
     * oldest first, across tenants (a sweep): their job may never have been queued, the node that added
     * them having stopped between the row's commit and the queueing.
     */
    async pendingSince(
      db: Executor,
      staleAfterMs: number,
      limit: number,
    ): Promise<{ tenantId: string; id: string; generation: number }[]> {
      return db
        .select({
          tenantId: knowledgeDocuments.tenantId,
          id: knowledgeDocuments.id,
          generation: knowledgeDocuments.generation,
        })
        .from(knowledgeDocuments)
        .where(
          and(
            eq(knowledgeDocuments.status, 'pending'),
            lt(knowledgeDocuments.updatedAt, sql`now() - make_interval(secs => ${staleAfterMs / 1000})`),
          ),
        )
        .orderBy(knowledgeDocuments.updatedAt)
        .limit(limit);
    },

    /**
     * Marks the document processing. A document left `processing` by a node that stopped is claimed again
     * by the retry of its job (same generation), so a crash never strands it.
     */
    async claim(
      db: Executor,
      tenantId: string,
      documentId: string,
      generation: number,
    ): Promise<DocumentRow | undefined> {
      const [row] = await db
        .update(knowledgeDocuments)
        .set({ status: 'processing', progress: 0, errorMessage: null, updatedAt: new Date() })
        .where(
          and(
            ofGeneration(tenantId, documentId, generation),
            inArray(knowledgeDocuments.status, ['pending', 'processing']),
          ),
        )
        .returning();
      return row;
    },

    async isCurrent(db: Executor, tenantId: string, documentId: string, generation: number): Promise<boolean> {
      const rows = await db
        .select({ id: knowledgeDocuments.id })
        .from(knowledgeDocuments)
        .where(and(ofGeneration(tenantId, documentId, generation), isRunning));
      return rows.length > 0;
    },

    /** False when the document moved on: the caller stops. */
    async setProgress(
      db: Executor,
      tenantId: string,
      documentId: string,
      generation: number,
      progress: number,
    ): Promise<boolean> {
      const rows = await db
        .update(knowledgeDocuments)
        .set({ progress, updatedAt: new Date() })
        .where(and(ofGeneration(tenantId, documentId, generation), isRunning))
        .returning({ id: knowledgeDocuments.id });
      return rows.length > 0;
    },

    /**
     * Inside the publishing transaction: holds the row until commit, so cancel and delete wait for it.
     * `no key update`, not `update`: the foreign-key checks of chunks being inserted for this document
     * (another delivery's write) take a key-share lock on it, which `update` would conflict with.
     */
    async lockIfCurrent(db: Executor, tenantId: string, documentId: string, generation: number): Promise<boolean> {
      const rows = await db
        .select({ id: knowledgeDocuments.id })
        .from(knowledgeDocuments)
        .where(and(ofGeneration(tenantId, documentId, generation), isRunning))
        .for('no key update');
      return rows.length > 0;
    },

    /**
     * In the transaction that publishes the document's new index write: what was indexed, and `ready`
     * when nothing it replaced is left to remove; otherwise the status stays `processing` (at 99 %) until
     * the replaced writes are gone (markReady). One statement on purpose: PostgreSQL re-checks the row's
     * foreign keys when a transaction updates a row it already updated, and that check's key-share lock
     * on the source waited on a batch of another write holding the source, which waited on this row.
     */
    async markIndexed(
      db: Executor,
      tenantId: string,
      documentId: string,
      generation: number,
      result: IndexedDocument & { readonly isReady: boolean },
    ): Promise<void> {
      const now = new Date();
      await db
        .update(knowledgeDocuments)
        .set({
          ...(result.isReady ? { status: 'ready', progress: 100, errorMessage: null } : { progress: 99 }),
          // A replacement is always an upload: published, the document is that file's, no longer a page's.
          origin: sql`case when ${knowledgeDocuments.replacedStorageKey} is null then ${knowledgeDocuments.origin} else 'upload' end`,
          url: sql`case when ${knowledgeDocuments.replacedStorageKey} is null then ${knowledgeDocuments.url} end`,
          // The new file's passages are the searched ones now: a replaced file has nothing left to answer for.
          ...noReplacedFile,
          chunkCount: result.chunkCount,
          pageCount: result.pageCount,
          ...(result.title && { title: result.title }),
          indexedAt: now,
          indexVersion: currentIndexVersion,
          updatedAt: now,
        })
        .where(ofGeneration(tenantId, documentId, generation));
    },

    /**
     * The start-up pass (index-refresh.ts), for every tenant at once: up to `limit` ready documents of live
     * sources whose index is older than their source needs get a new generation, as a reindex gives them;
     * their passages stay searched until the new ones are published. Rows another node is restarting are
     * skipped, and a restarted document is no longer `ready`, so the next call finds the next ones.
     */
    async restartOutdated(
      db: Executor,
      limit: number,
    ): Promise<{ tenantId: string; id: string; generation: number }[]> {
      const needed = sql`case when ${knowledgeSources.embeddingModel} = ${offlineModelRef}
        then ${requiredIndexVersions.offline}::smallint else ${requiredIndexVersions.provider}::smallint end`;
      const outdated = db
        .select({ id: knowledgeDocuments.id })
        .from(knowledgeDocuments)
        .innerJoin(knowledgeSources, eq(knowledgeSources.id, knowledgeDocuments.sourceId))
        .where(and(eq(knowledgeDocuments.status, 'ready'), isLiveSource, lt(knowledgeDocuments.indexVersion, needed)))
        .limit(limit)
        .for('update', { of: knowledgeDocuments, skipLocked: true });
      return db
        .update(knowledgeDocuments)
        .set({ ...restarted, updatedAt: new Date() })
        .where(inArray(knowledgeDocuments.id, outdated))
        .returning({
          tenantId: knowledgeDocuments.tenantId,
          id: knowledgeDocuments.id,
          generation: knowledgeDocuments.generation,
        });
    },

    async markReady(db: Executor, tenantId: string, documentId: string, generation: number): Promise<void> {
      await db
        .update(knowledgeDocuments)
        .set({ status: 'ready', progress: 100, errorMessage: null, updatedAt: new Date() })
        .where(and(ofGeneration(tenantId, documentId, generation), isRunning));
    },

    /**
     * A failed replacement gives the document back its replaced file. Answers the file the document
     * has now (the replaced one, if it was put back); undefined when superseded.
     */
    async markFailed(
      db: Executor,
      tenantId: string,
      documentId: string,
      generation: number,
      errorMessage: string,
    ): Promise<{ storageKey: string | null } | undefined> {
      const [row] = await db
        .update(knowledgeDocuments)
        .set({ ...putBackReplacedFile, status: 'failed', progress: 0, errorMessage, updatedAt: new Date() })
        .where(and(ofGeneration(tenantId, documentId, generation), isRunning))
        .returning({ storageKey: knowledgeDocuments.storageKey });
      return row;
    },

    /** Between a failed attempt and its retry: waiting again, with the reason shown. */
    async markRetrying(
      db: Executor,
      tenantId: string,
      documentId: string,
      generation: number,
      errorMessage: string,
    ): Promise<void> {
      await db
        .update(knowledgeDocuments)
        .set({ status: 'pending', progress: 0, errorMessage, updatedAt: new Date() })
        .where(and(ofGeneration(tenantId, documentId, generation), isRunning));
    },
  };
}

export type IngestionRepository = ReturnType<typeof createIngestionRepository>;
