import type { RecordModelCall } from '../../ai/usage-paths.js';
import type { EmbedderRegistry } from '../../ai/embeddings/embedder-registry.js';
import type { RerankerRegistry } from '../../ai/reranking/reranker-registry.js';
import type { Metrics } from '../../platform/metrics.js';
import type { Config } from '../../config.js';
import type { ParseSettings } from './parsing/index.js';
import type { Database, DatabaseHandle } from '../../platform/db/client.js';
import type { App } from '../../platform/http/types.js';
import type { JobQueue } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/logger.js';
import type { OutboundHttp } from '../../platform/outbound/index.js';
import type { FileStorage } from '../../platform/storage/index.js';
import type { TenantProviderSource } from '../chat/turn/model-resolver.js';
import type { WebhookEvents } from '../webhooks/index.js';
import { createDocumentsRepository } from './documents.repository.js';
import { registerDocumentsRoutes } from './documents.routes.js';
import { createDocumentsService } from './documents.service.js';
import { createDocumentIngestion, ingestWorkOptions } from './ingestion/ingest-document.js';
import { createIndexRefresh, indexRefreshJobName, indexRefreshWorkOptions } from './ingestion/index-refresh.js';
import { createIndexUpkeep, indexUpkeepJobName, indexUpkeepWorkOptions } from './ingestion/index-upkeep.js';
import { createIndexWriter } from './ingestion/index-writer.js';
import { createIngestionRepository } from './ingestion/ingestion.repository.js';
import { createIngestionScheduler, ingestJobName } from './ingestion/ingestion-job.js';
import { createImportsUpkeep } from './imports/imports-upkeep.js';
import { withDocumentOutcomeEvents } from './ingestion/document-outcome-events.js';
import { createImportsRepository } from './imports/imports.repository.js';
import { registerImportsRoutes } from './imports/imports.routes.js';
import { createImportsService } from './imports/imports.service.js';
import { registerQueryRoutes } from './query.routes.js';
import { createQueryService } from './query.service.js';
import { createKnowledgeSearch } from './retrieval/knowledge-search.js';
import { createIndexWritesRepository } from './retrieval/index-writes.repository.js';
import { removeDocumentChunks } from './retrieval/knowledge-index.repository.js';
import { createSourceRemoval, removeSourceJobName, removeSourceWorkOptions } from './source-removal.js';
import { createSourcesRepository } from './sources.repository.js';
import { registerSourcesRoutes } from './sources.routes.js';
import { createSourcesService } from './sources.service.js';
import type { StorageQuota } from '../storage-quota/index.js';

export interface KnowledgeModuleDeps {
  readonly db: Database;
  /** The engine: the ingestion job sizes its transactions by it (ingestion/index-writer.ts). */
  readonly storageKind: DatabaseHandle['kind'];
  readonly config: ParseSettings & Pick<Config, 'defaultEmbeddingModel' | 'importMaxBytes' | 'importLeaseStaleMs'>;
  readonly logger: Logger;
  readonly jobs: Pick<JobQueue, 'register' | 'send'>;
  readonly storage: FileStorage;
  readonly outbound: OutboundHttp;
  readonly embedders: EmbedderRegistry;
  readonly rerankers: RerankerRegistry;
  readonly loadTenantProviders: TenantProviderSource;
  readonly metrics: Pick<Metrics, 'knowledgeReranks'>;
  /** Where `document.ready` and `document.failed` go (webhooks). */
  readonly events?: WebhookEvents;
  readonly quota: StorageQuota;
  /** The usage ledger (budgets): embeddings and reranking calls, which no budget refuses. */
  readonly recordModelCall?: RecordModelCall;
}

/**
 * Knowledge sources, their documents (upload, URL), the ingestion job and the query endpoint. `search` is
 * the one KnowledgeSearch of the app: chat retrieves through the same object the query endpoint uses.
 */
export function createKnowledgeModule(deps: KnowledgeModuleDeps) {
  const { db } = deps;
  const ingestion = createIngestionScheduler(deps.jobs);
  const indexWrites = createIndexWritesRepository();
  const indexWriter = createIndexWriter({
    db,
    logger: deps.logger,
    writes: indexWrites,
    storageKind: deps.storageKind,
  });
  const sourcesRepository = createSourcesRepository();
  const scheduleIndexUpkeep = () =>
    indexUpkeep
      .schedule()
      .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not queue the knowledge index upkeep'));
  const sourceRemoval = createSourceRemoval({
    db,
    logger: deps.logger,
    jobs: deps.jobs,
    sources: sourcesRepository,
    storage: deps.storage,
    scheduleIndexUpkeep,
  });
  const indexUpkeep = createIndexUpkeep({ db, jobs: deps.jobs, indexWriter, sourceRemoval, logger: deps.logger });
  const documentsRepository = createDocumentsRepository();
  const sources = createSourcesService({
    db,
    config: deps.config,
    sources: sourcesRepository,
    documents: documentsRepository,
    embedders: deps.embedders,
    rerankers: deps.rerankers,
    recordModelCall: deps.recordModelCall,
    loadTenantProviders: deps.loadTenantProviders,
    indexWrites,
    removal: sourceRemoval,
    ingestion,
  });
  const documents = createDocumentsService({
    db,
    config: deps.config,
    documents: documentsRepository,
    sources,
    storage: deps.storage,
    outbound: deps.outbound,
    ingestion,
    indexWrites,
    indexWriter,
    removeDocumentChunks,
    scheduleIndexUpkeep,
    quota: deps.quota,
  });
  const importsRepository = createImportsRepository();
  const imports = createImportsService({
    db,
    config: deps.config,
    repository: importsRepository,
    storage: deps.storage,
    documents,
    sources,
    ingestion,
    logger: deps.logger,
    quota: deps.quota,
  });
  const search = createKnowledgeSearch({
    db,
    embedders: deps.embedders,
    rerankers: deps.rerankers,
    logger: deps.logger,
    metrics: deps.metrics,
    recordModelCall: deps.recordModelCall,
    loadTenantProviders: deps.loadTenantProviders,
  });
  const query = createQueryService({ sources, search });
  const ingestionRepository = createIngestionRepository();
  const importsUpkeep = createImportsUpkeep({
    db,
    imports: importsRepository,
    ingestion: ingestionRepository,
    scheduler: ingestion,
    logger: deps.logger,
    staleAfterMs: deps.config.importLeaseStaleMs,
  });
  const indexRefresh = createIndexRefresh({
    db,
    jobs: deps.jobs,
    repository: ingestionRepository,
    ingestion,
    logger: deps.logger,
  });
  const documentIngestion = createDocumentIngestion({
    db,
    logger: deps.logger,
    config: deps.config,
    storage: deps.storage,
    embedders: deps.embedders,
    recordModelCall: deps.recordModelCall,
    loadTenantProviders: deps.loadTenantProviders,
    sources: sourcesRepository,
    repository: ingestionRepository,
    indexWrites,
    indexWriter,
    scheduleIndexUpkeep,
  });

  return {
    sources,
    documents,
    imports,
    search,
    /** Only on nodes that run jobs; a node that only serves HTTP still queues them. */
    registerJobs: () => {
      if (deps.storageKind === 'embedded') {
        // In the background: a large write takes seconds to remove, and the server should not wait.
        indexUpkeep
          .sweepEarlierRun(new Date())
          .catch((error: unknown) => deps.logger.warn({ err: error }, 'removing the last run’s index writes failed'));
      }
      const ingest = deps.events
        ? withDocumentOutcomeEvents(documentIngestion.ingest, {
            db,
            documents: documentsRepository,
            events: deps.events,
          })
        : documentIngestion.ingest;
      deps.jobs.register(ingestJobName, ingest, ingestWorkOptions);
      deps.jobs.register(indexUpkeepJobName, () => indexUpkeep.run(), indexUpkeepWorkOptions);
      deps.jobs.register(removeSourceJobName, (data, job) => sourceRemoval.run(data, job), removeSourceWorkOptions);
      deps.jobs.register(indexRefreshJobName, () => indexRefresh.run(), indexRefreshWorkOptions);
    },
    /**
     * Once the job queue has started, on nodes that run jobs: documents an older index version wrote are
     * reindexed in the background (ingestion/index-versions.ts). A failure to queue it never stops start-up.
     */
    /**
     * On nodes that run jobs, once the queue has started: every `intervalMs`, imports whose node stopped
     * are marked failed and documents never queued are queued (imports/imports-upkeep.ts). Embedded
     * storage first marks at once what its own last run left running.
     */
    async startImportsUpkeep(intervalMs: number): Promise<void> {
      if (deps.storageKind === 'embedded') await importsUpkeep.sweepEarlierRun();
      importsUpkeep.start(intervalMs);
    },
    stopImportsUpkeep: () => importsUpkeep.stop(),
    scheduleIndexRefresh: (): Promise<void> =>
      indexRefresh
        .schedule()
        .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not queue the knowledge index refresh')),
    /** Upload routes need a multipart parser: register these inside a scope that has one. */
    registerRoutes(app: App): void {
      registerSourcesRoutes(app, sources);
      registerDocumentsRoutes(app, documents, { uploadMaxBytes: deps.config.uploadMaxBytes });
      registerImportsRoutes(app, imports, { importMaxBytes: deps.config.importMaxBytes });
      registerQueryRoutes(app, query);
    },
  };
}

export type { SourcesService } from './sources.service.js';
export type { DocumentsService } from './documents.service.js';
export type { ImportsService, ImportFile } from './imports/imports.service.js';
export type { KnowledgeSearch, SearchHit, SearchMode, SearchRequest } from './retrieval/knowledge-search.js';
