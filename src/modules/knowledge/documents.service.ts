import type { Actor } from '../../access/actor.js';
import { requireAdmin } from '../../access/require-access.js';
import type { Config } from '../../config.js';
import type { Database, Executor } from '../../platform/db/client.js';
import { isForeignKeyViolation } from '../../platform/db/errors.js';
import { toPage, type Page } from '../../platform/db/pagination.js';
import type { DocumentOrigin } from '../../platform/db/schema/index.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { OutboundHttp } from '../../platform/outbound/index.js';
import type { FileStorage, StoredFile } from '../../platform/storage/index.js';
import { titleFromFilename, titleFromUrl } from './document-title.js';
import { storeUpload, type Upload } from './document-upload.js';
import { storageKeysOf, type DocumentRow, type DocumentsRepository } from './documents.repository.js';
import { presentDocument, type DocumentView, type ListDocumentsQuery } from './documents.schemas.js';
import type { IngestionScheduler } from './ingestion/ingestion-job.js';
import { detectDocumentType, documentMediaTypes, unsupportedTextFormat, whyTextIsUnreadable } from './parsing/index.js';
import type { IndexWriter } from './ingestion/index-writer.js';
import type { IndexWritesRepository } from './retrieval/index-writes.repository.js';
import type { removeDocumentChunks } from './retrieval/knowledge-index.repository.js';
import type { SourcesService } from './sources.service.js';
import { downloadToStorage } from './url-download.js';
import type { StorageQuota } from '../storage-quota/index.js';

export interface DocumentsServiceDeps {
  readonly db: Database;
  readonly config: Pick<Config, 'uploadMaxBytes'>;
  readonly documents: DocumentsRepository;
  readonly sources: Pick<SourcesService, 'findSource'>;
  readonly storage: FileStorage;
  readonly outbound: OutboundHttp;
  readonly ingestion: IngestionScheduler;
  readonly indexWrites: Pick<IndexWritesRepository, 'retireDocument'>;
  readonly indexWriter: Pick<IndexWriter, 'removeRetired'>;
  readonly removeDocumentChunks: typeof removeDocumentChunks;
  /** Queued after removals; the schedule never fails a request (it logs instead). */
  readonly scheduleIndexUpkeep: () => Promise<void>;
  /** Every stored file's row is admitted by the tenant's storage quota in the transaction that writes it. */
  readonly quota: Pick<StorageQuota, 'requireRoom' | 'admit'>;
}

interface NewDocument {
  readonly title: string;
  readonly origin: DocumentOrigin;
  readonly url: string | null;
  readonly stored: StoredFile;
  /** Breaks ties among text formats only; the content decides. */
  readonly nameHint: string | undefined;
  /** Where an imported file was in its folder or zip. */
  readonly path?: string;
}

export function createDocumentsService(deps: DocumentsServiceDeps) {
  const { db, documents, storage } = deps;
  const maxBytes = deps.config.uploadMaxBytes;

  /** The source first: another tenant's source, or a document of another source, is a 404. */
  async function findDocument(actor: Actor, sourceId: string, documentId: string): Promise<DocumentRow> {
    await deps.sources.findSource(actor, sourceId);
    const document = await documents.findById(db, actor.tenantId, sourceId, documentId);
    if (!document) throw notFound('Document', documentId);
    return document;
  }

  /** The file's type by its content; an unsupported file is removed again and answered 415 (or 400). */
  async function requireIndexableType(stored: StoredFile, nameHint: string | undefined) {
    const type = detectDocumentType(stored.head, nameHint);
    if (type) return type;
    await storage.remove(stored.key);
    // The format first: RTF saved as UTF-16 is readable text, refused for being RTF.
    const format = unsupportedTextFormat(stored.head);
    const unreadable = format ? undefined : whyTextIsUnreadable(stored.head);
    if (unreadable) throw new AppError('validation_failed', unreadable);
    throw new AppError(
      'unsupported_media_type',
      `${format ? `${format} files cannot be indexed` : 'This kind of file cannot be indexed'}; upload a PDF, DOCX, HTML, Markdown, plain text, CSV or JSON document`,
    );
  }

  /**
   * Refuses content the source already holds, in its document `same` (409, naming it): the same passages
   * twice only crowd out others in search and in answers.
   */
  async function requireNewContent(
    tx: Executor,
    tenantId: string,
    sourceId: string,
    stored: StoredFile,
    replacing?: string,
  ) {
    await documents.lockContent(tx, sourceId, stored.sha256);
    const same = await documents.findSameContent(tx, tenantId, sourceId, stored.sha256);
    if (!same) return;
    if (same.id === replacing) {
      throw new AppError(
        'conflict',
        same.replacedSha256 === stored.sha256
          ? `'${same.title}' is being replaced, and this is its file from before; cancel the replacement to keep that file`
          : `'${same.title}' already holds this file; reindex it to index it again`,
        { extensions: { documentId: same.id } },
      );
    }
    // The id is for programs (the problem's documentId); the sentence a person reads names the title.
    throw new AppError(
      'conflict',
      `This source already has this content as '${same.title}'; delete that document first to add it again, or reindex it`,
      { extensions: { documentId: same.id } },
    );
  }

  async function addStoredDocument(actor: Actor, sourceId: string, input: NewDocument): Promise<DocumentView> {
    const document = await insertStoredDocument(actor, sourceId, input);
    await deps.ingestion.schedule(actor.tenantId, [document]);
    return presentDocument(document);
  }

  /**
   * The document of a stored file, pending and not yet scheduled; the file is removed again when it is
   * refused (415/400 for its type, 409 naming the document that holds the same content).
   */
  async function insertStoredDocument(actor: Actor, sourceId: string, input: NewDocument): Promise<DocumentRow> {
    const type = await requireIndexableType(input.stored, input.nameHint);
    const now = new Date();
    const document = await db
      .transaction(async (tx) => {
        await requireNewContent(tx, actor.tenantId, sourceId, input.stored);
        await deps.quota.admit(tx, actor.tenantId, input.stored.byteSize);
        return documents.insert(tx, {
          id: newId(),
          tenantId: actor.tenantId,
          sourceId,
          title: input.title,
          path: input.path ?? null,
          origin: input.origin,
          url: input.url,
          mediaType: documentMediaTypes[type],
          byteSize: input.stored.byteSize,
          sha256: input.stored.sha256,
          storageKey: input.stored.key,
          status: 'pending',
          createdBy: actor.userId,
          createdAt: now,
          updatedAt: now,
        });
      })
      .catch(async (error: unknown) => {
        await storage.remove(input.stored.key);
        // The source was deleted while the file was being received.
        if (isForeignKeyViolation(error)) throw notFound('Knowledge source', sourceId);
        throw error;
      });
    return document;
  }

  return {
    /**
     * For imports, which check the actor and the source once and schedule their documents' indexing
     * in batches: one imported file, stored already.
     */
    addImportedFile: (actor: Actor, sourceId: string, input: { path: string; stored: StoredFile }) =>
      insertStoredDocument(actor, sourceId, {
        title: titleFromFilename(input.path),
        path: input.path,
        origin: 'upload',
        url: null,
        stored: input.stored,
        nameHint: titleFromFilename(input.path),
      }),

    async list(actor: Actor, sourceId: string, query: ListDocumentsQuery): Promise<Page<DocumentView>> {
      await deps.sources.findSource(actor, sourceId);
      const page = { limit: query.limit, after: query.cursor };
      const rows = await documents.list(db, actor.tenantId, sourceId, query.status, page);
      return toPage(rows, query.limit, presentDocument);
    },

    async get(actor: Actor, sourceId: string, documentId: string): Promise<DocumentView> {
      return presentDocument(await findDocument(actor, sourceId, documentId));
    },

    /** Streams the file into storage (bounded by UPLOAD_MAX_BYTES); the name is only a label. */
    async upload(actor: Actor, sourceId: string, openUpload: () => Promise<Upload>): Promise<DocumentView> {
      requireAdmin(actor);
      await deps.sources.findSource(actor, sourceId);
      await deps.quota.requireRoom(actor.tenantId);
      const upload = await openUpload();
      const stored = await storeUpload(storage, upload, maxBytes);
      return addStoredDocument(actor, sourceId, {
        title: titleFromFilename(upload.filename),
        origin: 'upload',
        url: null,
        stored,
        nameHint: titleFromFilename(upload.filename),
      });
    },

    /**
     * Fetched now, through the outbound guard, so a refused address, a missing page or an unsupported type is
     * answered at once and nothing is queued. The page's own title replaces the label when it is parsed.
     */
    async addFromUrl(actor: Actor, sourceId: string, address: string): Promise<DocumentView> {
      requireAdmin(actor);
      await deps.sources.findSource(actor, sourceId);
      const url = new URL(address);
      await deps.outbound.assertAllowed(url);
      await deps.quota.requireRoom(actor.tenantId);
      const stored = await downloadToStorage(deps, url, maxBytes);
      const title = titleFromUrl(url);
      return addStoredDocument(actor, sourceId, { title, origin: 'url', url: url.href, stored, nameHint: title });
    },

    /**
     * Hidden from search at once, then removed a batch per transaction (ADR 12), and the row last; the
     * file after the commit. One transaction around a large document's chunks held an embedded server's
     * only database session for as long as the removal.
     */
    async remove(actor: Actor, sourceId: string, documentId: string): Promise<void> {
      requireAdmin(actor);
      await deps.sources.findSource(actor, sourceId);
      const { tenantId } = actor;
      // The update locks the row `for no key update` only: a batch of a write in flight takes a key-share
      // lock on it (its chunks' foreign key), and must be able to finish for its write to be retired.
      await db.transaction(async (tx) => {
        const isFound = await documents.advanceGeneration(tx, tenantId, sourceId, documentId);
        if (!isFound) throw notFound('Document', documentId);
        await deps.indexWrites.retireDocument(tx, { tenantId, sourceId, documentId });
      });
      await deps.indexWriter.removeRetired(tenantId, documentId);
      const storageKeys = await db.transaction(async (tx) => {
        const document = await documents.lock(tx, tenantId, sourceId, documentId);
        if (!document) throw notFound('Document', documentId); // a concurrent delete finished first
        // Normally nothing: no write can begin past the new generation, so this is what the batches
        // left on an error.
        await deps.removeDocumentChunks(tx, tenantId, documentId);
        await documents.delete(tx, tenantId, sourceId, documentId);
        return storageKeysOf(document);
      });
      await Promise.all(storageKeys.map((key) => storage.remove(key)));
      await deps.scheduleIndexUpkeep();
    },

    /**
     * Gives a document a new file. It stays the same document (its id, and the citations made from it,
     * which keep their excerpts); its old passages answer until the new ones are indexed (ADR 12). Its
     * old file is kept until then: a replacement that fails or is cancelled puts it back.
     */
    async replaceFile(
      actor: Actor,
      sourceId: string,
      documentId: string,
      openUpload: () => Promise<Upload>,
    ): Promise<DocumentView> {
      requireAdmin(actor);
      await findDocument(actor, sourceId, documentId);
      await deps.quota.requireRoom(actor.tenantId);
      const upload = await openUpload();
      const stored = await storeUpload(storage, upload, maxBytes);
      // The title stays the document's: its old passages answer until the new ones are published, and
      // a new name would credit them to a file they do not come from.
      const type = await requireIndexableType(stored, titleFromFilename(upload.filename));
      // Its origin and URL stay the old file's until the new one is indexed (markIndexed), so that a
      // replacement that fails or is cancelled leaves a page's document a page's, as it was.
      const file = {
        mediaType: documentMediaTypes[type],
        byteSize: stored.byteSize,
        sha256: stored.sha256,
        storageKey: stored.key,
      };
      // The file it replaces is read under the row's lock: of two replacements at once, each removes the
      // file the other put in place before it, and none is left behind.
      const replaced = await db
        .transaction(async (tx) => {
          const previous = await documents.lock(tx, actor.tenantId, sourceId, documentId);
          if (!previous) return undefined;
          await requireNewContent(tx, actor.tenantId, sourceId, stored, documentId);
          // A replacement of a replacement not yet indexed: the file whose passages are searched stays
          // the one kept, and the unindexed one goes.
          const isReplacing = previous.replacedStorageKey !== null;
          const addedBytes = stored.byteSize - (isReplacing ? (previous.byteSize ?? 0) : 0);
          await deps.quota.admit(tx, actor.tenantId, addedBytes);
          const kept = isReplacing
            ? {}
            : {
                replacedMediaType: previous.mediaType,
                replacedByteSize: previous.byteSize,
                replacedSha256: previous.sha256,
                replacedStorageKey: previous.storageKey,
              };
          const document = await documents.restart(tx, actor.tenantId, sourceId, documentId, { ...file, ...kept });
          return document && { document, unindexedKey: isReplacing ? previous.storageKey : null };
        })
        .catch(async (error: unknown) => {
          await storage.remove(stored.key);
          throw error;
        });
      if (!replaced) {
        // Deleted while the file was being received.
        await storage.remove(stored.key);
        throw notFound('Document', documentId);
      }
      if (replaced.unindexedKey) await storage.remove(replaced.unindexedKey);
      await deps.ingestion.schedule(actor.tenantId, [replaced.document]);
      return presentDocument(replaced.document);
    },

    /** A new generation: a job still running for the old one stops without writing. */
    async reindex(actor: Actor, sourceId: string, documentId: string): Promise<DocumentView> {
      requireAdmin(actor);
      await findDocument(actor, sourceId, documentId);
      const document = await documents.restart(db, actor.tenantId, sourceId, documentId);
      if (!document) throw notFound('Document', documentId);
      await deps.ingestion.schedule(actor.tenantId, [document]);
      return presentDocument(document);
    },

    /**
     * Stops a waiting or running indexing. Chunks of an earlier, finished indexing stay searchable until
     * the document is reindexed or deleted.
     */
    async cancel(actor: Actor, sourceId: string, documentId: string): Promise<DocumentView> {
      requireAdmin(actor);
      const current = await findDocument(actor, sourceId, documentId);
      if (current.status === 'cancelled') return presentDocument(current);
      // Locked first: a cancelled replacement's file is read before the replaced one is put back.
      const cancelled = await db.transaction(async (tx) => {
        const before = await documents.lock(tx, actor.tenantId, sourceId, documentId);
        const after = before && (await documents.cancel(tx, actor.tenantId, sourceId, documentId));
        return after && { document: after, unindexedKey: before.replacedStorageKey ? before.storageKey : null };
      });
      if (cancelled) {
        if (cancelled.unindexedKey) await storage.remove(cancelled.unindexedKey);
        return presentDocument(cancelled.document);
      }
      const latest = await findDocument(actor, sourceId, documentId);
      throw conflict(
        `Document '${documentId}' is ${latest.status}, so there is nothing to cancel; reindex or delete it instead`,
      );
    },
  };
}

export type DocumentsService = ReturnType<typeof createDocumentsService>;
