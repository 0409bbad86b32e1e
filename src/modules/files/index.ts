import fastifyMultipart from '@fastify/multipart';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Transcription } from '../../ai/transcription.js';
import type { Config } from '../../config.js';
import type { ParseSettings } from '../knowledge/parsing/index.js';
import type { Database } from '../../platform/db/client.js';
import type { App } from '../../platform/http/types.js';
import type { FileStorage } from '../../platform/storage/index.js';
import { createAttachmentModelParts } from './attachment-parts.js';
import { createFilesRepository } from './files.repository.js';
import { registerFilesRoutes } from './files.routes.js';
import { createFilesService } from './files.service.js';
import type { StorageQuota } from '../storage-quota/index.js';

export interface FilesModuleDeps {
  readonly db: Database;
  readonly config: ParseSettings & Pick<Config, 'uploadMaxBytes'>;
  readonly storage: FileStorage;
  /** Speech to text behind the model gate (ai/transcription.ts), made where the gate is wired. */
  readonly transcription: Transcription;
  readonly quota: StorageQuota;
}

/** Chat attachments: upload, read, delete, and what a model is given for them. */
export function createFilesModule(deps: FilesModuleDeps) {
  const repository = createFilesRepository();
  const service = createFilesService({
    db: deps.db,
    repository,
    storage: deps.storage,
    config: deps.config,
    transcription: deps.transcription,
    modelParts: createAttachmentModelParts({ db: deps.db, repository, storage: deps.storage }),
    quota: deps.quota,
  });
  return {
    service,
    /** In a scope of their own, so the multipart parser serves only the upload route. */
    registerRoutes: (app: App) =>
      app.register(async (scope) => {
        await scope.register(fastifyMultipart);
        registerFilesRoutes(scope.withTypeProvider<ZodTypeProvider>(), service, {
          uploadMaxBytes: deps.config.uploadMaxBytes,
        });
      }),
  };
}

export type { FilesService } from './files.service.js';
export { fileIdsSchema, maxAttachmentsPerMessage } from './files.schemas.js';
