import type { FetchFunction } from '@ai-sdk/provider-utils';
import fastifyMultipart from '@fastify/multipart';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { TenantProviderConfig } from '../../ai/model-types.js';
import type { Config } from '../../config.js';
import type { ParseSettings } from '../knowledge/parsing/index.js';
import type { Database } from '../../platform/db/client.js';
import type { App } from '../../platform/http/types.js';
import type { FileStorage } from '../../platform/storage/index.js';
import { createAttachmentModelParts } from './attachment-parts.js';
import { createFilesRepository } from './files.repository.js';
import { registerFilesRoutes } from './files.routes.js';
import { createFilesService } from './files.service.js';
import { createTranscription } from './transcription.js';
import type { StorageQuota } from '../storage-quota/index.js';

export interface FilesModuleDeps {
  readonly db: Database;
  readonly config: ParseSettings & Pick<Config, 'providers' | 'transcriptionModel'>;
  readonly storage: FileStorage;
  readonly loadTenantProviders: (tenantId: string) => Promise<readonly TenantProviderConfig[]>;
  /** How the server-wide providers' SDKs reach them (platform/outbound/pooled-http.ts). */
  readonly providerFetch?: FetchFunction | undefined;
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
    transcription: createTranscription({
      config: deps.config,
      loadTenantProviders: deps.loadTenantProviders,
      providerFetch: deps.providerFetch,
    }),
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
