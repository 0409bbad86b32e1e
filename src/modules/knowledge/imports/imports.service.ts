import type { Readable } from 'node:stream';
import type { Actor } from '../../../access/actor.js';
import { requireAdmin } from '../../../access/require-access.js';
import type { Config } from '../../../config.js';
import type { Database } from '../../../platform/db/client.js';
import type { ImportFileOutcome } from '../../../platform/db/schema/index.js';
import { AppError, notFound } from '../../../platform/errors.js';
import { formatBytes } from '../../../platform/format-bytes.js';
import { newId } from '../../../platform/ids.js';
import type { Logger } from '../../../platform/logger.js';
import type { FileStorage, StoredFile } from '../../../platform/storage/index.js';
import type { DocumentRow } from '../documents.repository.js';
import type { DocumentsService } from '../documents.service.js';
import type { IngestionScheduler } from '../ingestion/ingestion-job.js';
import type { SourcesService } from '../sources.service.js';
import { openArchiveInWorker } from './archive-reader.js';
import { isDocumentArchive } from './document-archive.js';
import { cleanImportPath } from './import-path.js';
import type { ImportCounts, ImportsRepository } from './imports.repository.js';
import { presentImport, presentImportFile, type ImportView, type ListImportFilesQuery } from './imports.schemas.js';
import { isStorageQuotaRefusal, type StorageQuota } from '../../storage-quota/index.js';

/** One file handed to an import: from a multipart request, a folder on the server, or a zip's entry. */
export interface ImportFile {
  readonly path: string;
  readonly content: Readable | AsyncIterable<Uint8Array>;
}

export interface ImportsServiceDeps {
  readonly db: Database;
  readonly config: Pick<Config, 'uploadMaxBytes' | 'importMaxBytes' | 'importLeaseStaleMs'>;
  readonly repository: ImportsRepository;
  readonly storage: FileStorage;
  readonly documents: Pick<DocumentsService, 'addImportedFile'>;
  readonly sources: Pick<SourcesService, 'findSource'>;
  readonly ingestion: IngestionScheduler;
  readonly logger: Logger;
  readonly quota: Pick<StorageQuota, 'requireRoom'>;
}

/** Indexing is queued a batch at a time, not one job send per file between two files' writes. */
const scheduleBatchSize = 100;
/** A running import's lease is renewed this often (four chances before it goes stale, at most 20 s apart). */
const leaseRenewMsFor = (staleAfterMs: number) => Math.min(20_000, Math.floor(staleAfterMs / 4));

export function createImportsService(deps: ImportsServiceDeps) {
  const { db, repository, storage } = deps;
  const maxEntryBytes = deps.config.uploadMaxBytes;

  async function findImport(actor: Actor, sourceId: string, importId: string) {
    await deps.sources.findSource(actor, sourceId);
    const row = await repository.findById(db, actor.tenantId, sourceId, importId);
    if (!row) throw notFound('Import', importId);
    return row;
  }

  return {
    /**
     * Adds every file as a document of the source, one at a time, recording each file's outcome as it
     * goes (GET the import meanwhile to follow it). A file whose content the source already holds is a
     * duplicate, so running the same import again adds nothing twice. A zip among the files is opened
     * and its files added (not a zip inside a zip). The files' indexing runs in the background, as for
     * one upload.
     */
    async run(
      actor: Actor,
      sourceId: string,
      files: AsyncIterable<ImportFile>,
      options: { onProgress?: (view: ImportView, path: string) => void } = {},
    ): Promise<ImportView> {
      requireAdmin(actor);
      await deps.sources.findSource(actor, sourceId);
      await deps.quota.requireRoom(actor.tenantId);
      const { tenantId } = actor;
      const now = new Date();
      let row = await repository.insert(db, {
        id: newId(),
        tenantId,
        sourceId,
        status: 'running',
        createdBy: actor.userId,
        createdAt: now,
        updatedAt: now,
      });
      // Its lease: while this process runs the import, the sweep of imports cut short (imports-upkeep.ts)
      // leaves it be, however long one large file takes to arrive.
      const lease = setInterval(() => {
        repository
          .renew(db, tenantId, row.id)
          .catch((error: unknown) =>
            deps.logger.warn({ err: error, importId: row.id }, 'an import lease renewal failed'),
          );
      }, leaseRenewMsFor(deps.config.importLeaseStaleMs));
      lease.unref();
      const counts: ImportCounts = { fileCount: 0, addedCount: 0, duplicateCount: 0, failedCount: 0 };
      let toSchedule: DocumentRow[] = [];
      const scheduleAdded = async () => {
        const batch = toSchedule;
        toSchedule = [];
        if (batch.length > 0) await deps.ingestion.schedule(tenantId, batch);
      };

      async function record(
        path: string,
        outcome: ImportFileOutcome,
        documentId: string | null,
        message: string | null,
      ) {
        counts.fileCount += 1;
        if (outcome === 'added') counts.addedCount += 1;
        if (outcome === 'duplicate') counts.duplicateCount += 1;
        if (outcome === 'failed') counts.failedCount += 1;
        await repository.recordFile(
          db,
          { importId: row.id, position: counts.fileCount, tenantId, path, outcome, documentId, message },
          counts,
        );
        options.onProgress?.(presentImport({ ...row, ...counts }), path);
      }

      async function addStored(path: string, stored: StoredFile) {
        try {
          const document = await deps.documents.addImportedFile(actor, sourceId, { path, stored });
          toSchedule.push(document);
          await record(path, 'added', document.id, null);
          if (toSchedule.length >= scheduleBatchSize) await scheduleAdded();
        } catch (error) {
          // The quota ends the import: every file after this one would be refused too. What was added stays.
          if (isStorageQuotaRefusal(error)) throw error;
          if (!(error instanceof AppError) || error.code === 'not_found' || error.status >= 500) throw error;
          const sameId = error.details.extensions?.documentId;
          if (error.code === 'conflict')
            await record(path, 'duplicate', typeof sameId === 'string' ? sameId : null, error.message);
          else await record(path, 'failed', null, error.message);
        }
      }

      /** Stores one file; undefined (its outcome recorded) when it cannot be stored or is empty. */
      async function store(path: string, content: ImportFile['content'], maxBytes: number, isZipEntry: boolean) {
        try {
          const stored = await storage.write(content, { maxBytes });
          if (stored.byteSize > 0) return stored;
          await storage.remove(stored.key);
          await record(path, 'failed', null, 'The file is empty');
        } catch (error) {
          if (error instanceof AppError && error.code === 'payload_too_large') {
            await record(
              path,
              'failed',
              null,
              `The file is larger than the ${formatBytes(maxBytes)} this import can take`,
            );
          } else if (isZipEntry && error instanceof AppError && error.status < 500) {
            // The entry's bytes passed its declared size or a limit, or ended short (archive-entry-bytes.ts).
            await record(path, 'failed', null, error.message);
          } else {
            throw error;
          }
        }
        return undefined;
      }

      async function addArchive(label: string, stored: StoredFile) {
        const archive = await openArchiveInWorker(storage.localPath(stored.key), label, {
          maxEntryBytes,
          maxTotalBytes: deps.config.importMaxBytes,
        });
        try {
          for (const entry of archive.entries) {
            const path = cleanImportPath(entry.path);
            if (entry.refusal) {
              await record(path, 'failed', null, entry.refusal);
              continue;
            }
            const entryStored = await store(path, entry.bytes(), maxEntryBytes, true);
            if (entryStored) await addStored(path, entryStored);
          }
        } finally {
          archive.close();
          await storage.remove(stored.key);
        }
      }

      try {
        for await (const file of files) {
          const path = cleanImportPath(file.path);
          // A zip is read from disk, so it may be larger than one document; its files are bounded each.
          const stored = await store(path, file.content, Math.max(maxEntryBytes, deps.config.importMaxBytes), false);
          if (!stored) continue;
          if (isDocumentArchive(stored.head)) await addArchive(path, stored);
          else if (stored.byteSize > maxEntryBytes) {
            await storage.remove(stored.key);
            await record(
              path,
              'failed',
              null,
              `The file is larger than the ${formatBytes(maxEntryBytes)} this server accepts`,
            );
          } else await addStored(path, stored);
        }
        await scheduleAdded();
        row = (await repository.finish(db, tenantId, row.id, { status: 'finished', errorMessage: null })) ?? row;
        return presentImport(row);
      } catch (error) {
        await scheduleAdded().catch(() => undefined);
        const message =
          error instanceof AppError && error.status < 500
            ? error.message
            : 'The import stopped on a server error; start it again: the files already added are recognised and skipped';
        await repository
          .finish(db, tenantId, row.id, { status: 'failed', errorMessage: message })
          .catch(() => undefined);
        if (!(error instanceof AppError))
          deps.logger.error({ err: error, importId: row.id }, 'a knowledge import stopped');
        throw error;
      } finally {
        clearInterval(lease);
      }
    },

    async list(actor: Actor, sourceId: string): Promise<{ items: ImportView[] }> {
      await deps.sources.findSource(actor, sourceId);
      const rows = await repository.listRecent(db, actor.tenantId, sourceId, 20);
      return { items: rows.map(presentImport) };
    },

    async get(actor: Actor, sourceId: string, importId: string): Promise<ImportView> {
      return presentImport(await findImport(actor, sourceId, importId));
    },

    async listFiles(actor: Actor, sourceId: string, importId: string, query: ListImportFilesQuery) {
      await findImport(actor, sourceId, importId);
      const rows = await repository.listFiles(db, actor.tenantId, importId, {
        afterPosition: query.after,
        limit: query.limit + 1,
        outcome: query.outcome,
      });
      const items = rows.slice(0, query.limit).map(presentImportFile);
      return { items, nextAfter: rows.length > query.limit ? (items.at(-1)?.position ?? null) : null };
    },
  };
}

export type ImportsService = ReturnType<typeof createImportsService>;
