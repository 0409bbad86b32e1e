import type { Actor } from '../../access/actor.js';
import { canModifyOwned, canViewOwned } from '../../access/owned-resources.js';
import type { ParseSettings } from '../knowledge/parsing/index.js';
import type { Database } from '../../platform/db/client.js';
import type { StoredAttachment } from '../../platform/db/schema/index.js';
import { AppError, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { FileStorage } from '../../platform/storage/index.js';
import { formatBytes } from '../../platform/format-bytes.js';
import { titleFromFilename } from '../knowledge/document-title.js';
import { storeUpload, type Upload } from '../knowledge/document-upload.js';
import { attachmentKindOf, detectAttachmentType } from './attachment-type.js';
import { readAttachmentText, type AttachmentModelParts } from './attachment-parts.js';
import type { FileRow, FilesRepository } from './files.repository.js';
import { presentFile, type FileView } from './files.schemas.js';
import { noTranscriptionModel, type Transcription } from '../../ai/transcription.js';
import type { StorageQuota } from '../storage-quota/index.js';

export interface FilesServiceDeps {
  readonly db: Database;
  readonly repository: FilesRepository;
  readonly storage: FileStorage;
  readonly config: ParseSettings;
  readonly transcription: Transcription;
  readonly modelParts: AttachmentModelParts;
  readonly quota: Pick<StorageQuota, 'requireRoom' | 'admit'>;
}

const view = (file: FileRow): FileView => presentFile(file, attachmentKindOf(file.mediaType));

export function createFilesService(deps: FilesServiceDeps) {
  const { db, repository, storage } = deps;

  async function store(
    actor: Actor,
    openUpload: () => Promise<Upload>,
    maxBytes: number,
    accepts: 'any' | 'image',
  ): Promise<FileRow> {
    await deps.quota.requireRoom(actor.tenantId);
    const upload = await openUpload();
    const stored = await storeUpload(storage, upload, maxBytes);
    const filename = titleFromFilename(upload.filename);
    const type = await detectAttachmentType(stored.head, filename);
    if (!type || (accepts === 'image' && type.kind !== 'image')) {
      await storage.remove(stored.key);
      throw new AppError(
        'unsupported_media_type',
        accepts === 'image'
          ? `'${filename}' is not an image; send a PNG, JPEG, WebP or GIF`
          : `'${filename}' is not a file chat can use: send an image (PNG, JPEG, GIF, WebP), a document (PDF, DOCX, HTML, Markdown, text, CSV, JSON) or audio (MP3, WAV, M4A, OGG, WebM)`,
      );
    }
    return db
      .transaction(async (tx) => {
        await deps.quota.admit(tx, actor.tenantId, stored.byteSize);
        return repository.insertFile(tx, {
          id: newId(),
          tenantId: actor.tenantId,
          uploadedBy: actor.userId,
          filename,
          mediaType: type.mediaType,
          byteSize: stored.byteSize,
          storageKey: stored.key,
        });
      })
      .catch(async (error: unknown) => {
        await storage.remove(stored.key);
        throw error;
      });
  }

  /** The uploader sees their files; operators and admins see all of the tenant's; others get a 404. */
  async function findViewable(actor: Actor, fileId: string): Promise<FileRow> {
    const file = await repository.findFile(db, actor.tenantId, fileId);
    if (!file || !canViewOwned(actor, file.uploadedBy)) throw notFound('File', fileId);
    return file;
  }

  return {
    async upload(actor: Actor, openUpload: () => Promise<Upload>): Promise<FileView> {
      return view(await store(actor, openUpload, deps.config.uploadMaxBytes, 'any'));
    },

    /**
     * An image only (PNG, JPEG, WebP, GIF, told from its bytes) under its own size limit: what a widget
     * visitor may send (docs/customer-service.md). Anything else is a 415, a larger one a 413.
     */
    async uploadImage(actor: Actor, openUpload: () => Promise<Upload>, maxBytes: number): Promise<StoredAttachment> {
      const file = await store(actor, openUpload, maxBytes, 'image');
      return { fileId: file.id, filename: file.filename, mediaType: file.mediaType };
    },

    async get(actor: Actor, fileId: string): Promise<FileView> {
      return view(await findViewable(actor, fileId));
    },

    async openContent(actor: Actor, fileId: string): Promise<{ file: FileView; content: NodeJS.ReadableStream }> {
      const file = await findViewable(actor, fileId);
      return { file: view(file), content: storage.read(file.storageKey) };
    },

    /** The uploader or an admin; messages that carry it keep its name, and the model no longer gets it. */
    async remove(actor: Actor, fileId: string): Promise<void> {
      const file = await findViewable(actor, fileId);
      if (!canModifyOwned(actor, file.uploadedBy)) {
        throw new AppError('forbidden', `Only the uploader of file '${fileId}' or an administrator can delete it`);
      }
      if (!(await repository.deleteFile(db, actor.tenantId, fileId))) throw notFound('File', fileId);
      await storage.remove(file.storageKey);
    },

    /**
     * The files a message is about to carry, ready for a model: each must be the sender's own upload;
     * a document is read and audio transcribed once, now, so a file the model cannot be given is a
     * 4xx before the message is stored.
     */
    async prepareAttachments(actor: Actor, fileIds: readonly string[]): Promise<StoredAttachment[]> {
      const found = new Map(
        (await repository.findFiles(db, actor.tenantId, fileIds)).map((file) => [file.id, file] as const),
      );
      const chosen = fileIds.map((fileId) => {
        const file = found.get(fileId);
        // Someone else's upload, even a colleague's, is as unknown to the sender as a made-up id.
        if (!file || file.uploadedBy !== actor.userId) throw notFound('File', fileId);
        return file;
      });
      for (const file of chosen) {
        if (file.extractedText !== null || attachmentKindOf(file.mediaType) === 'image') continue;
        if (attachmentKindOf(file.mediaType) === 'audio' && !(await deps.transcription.isAvailable(actor.tenantId))) {
          throw noTranscriptionModel();
        }
        const text = await readAttachmentText(deps, actor.tenantId, file);
        await repository.setExtractedText(db, actor.tenantId, file.id, text);
      }
      return chosen.map((file) => ({ fileId: file.id, filename: file.filename, mediaType: file.mediaType }));
    },

    /** For chat turns: see attachment-parts.ts. */
    modelParts: deps.modelParts,

    describeLimit: () => formatBytes(deps.config.uploadMaxBytes),
  };
}

export type FilesService = ReturnType<typeof createFilesService>;
