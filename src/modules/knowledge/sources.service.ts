import type { Actor } from '../../access/actor.js';
import { requireAdmin } from '../../access/require-access.js';
import type { EmbedderRegistry } from '../../ai/embeddings/embedder-registry.js';
import type { RerankerRegistry } from '../../ai/reranking/reranker-registry.js';
import type { RecordModelCall } from '../../ai/usage-paths.js';
import type { Config } from '../../config.js';
import type { Database } from '../../platform/db/client.js';
import { isUniqueViolation } from '../../platform/db/errors.js';
import { toPage, type Page } from '../../platform/db/pagination.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { TenantProviderSource } from '../chat/turn/model-resolver.js';
import type { DocumentsRepository } from './documents.repository.js';
import type { IngestionScheduler } from './ingestion/ingestion-job.js';
import type { IndexWritesRepository } from './retrieval/index-writes.repository.js';
import type { SourceRemoval } from './source-removal.js';
import type { SourceRow, SourcesRepository, SourceWithCounts } from './sources.repository.js';
import {
  presentSource,
  type CreateSourceInput,
  type ListSourcesQuery,
  type SourceView,
  type UpdateSourceInput,
} from './sources.schemas.js';

export interface SourcesServiceDeps {
  readonly db: Database;
  readonly config: Pick<Config, 'defaultEmbeddingModel'>;
  readonly sources: SourcesRepository;
  readonly documents: Pick<DocumentsRepository, 'restartAll' | 'advanceAllGenerations'>;
  readonly indexWrites: Pick<IndexWritesRepository, 'retireSource'>;
  readonly embedders: EmbedderRegistry;
  readonly rerankers: RerankerRegistry;
  /** Writes the ledger row of the request that measures a model's vector size, when there is one. */
  readonly recordModelCall?: RecordModelCall | undefined;
  readonly loadTenantProviders: TenantProviderSource;
  readonly removal: Pick<SourceRemoval, 'schedule'>;
  readonly ingestion: IngestionScheduler;
}

const uniqueName = 'knowledge_sources_tenant_name_unique';

export function createSourcesService(deps: SourcesServiceDeps) {
  const { db, sources } = deps;

  /** Another tenant's source is a 404, exactly like one that does not exist. */
  async function findSource(actor: Actor, sourceId: string): Promise<SourceWithCounts> {
    const source = await sources.findWithCounts(db, actor.tenantId, sourceId);
    if (!source) throw notFound('Knowledge source', sourceId);
    return source;
  }

  /** Resolving the model is the validation: a bad ref is the registry's 400, and it tells the dimension. */
  async function embeddingDimensionsOf(tenantId: string, embeddingModel: string): Promise<number> {
    const embedder = await deps.embedders.resolve(
      embeddingModel,
      await deps.loadTenantProviders(tenantId),
      undefined,
      (call) => void deps.recordModelCall?.(tenantId, { path: 'embedding', modelRef: embeddingModel, ...call }),
    );
    return embedder.dimensions;
  }

  /** Like the embedding model, a reranking model is checked by resolving it, so a bad one is a 400 now. */
  async function assertRerankerUsable(tenantId: string, rerankModel: string | null | undefined): Promise<void> {
    if (!rerankModel) return;
    await deps.rerankers.resolve(rerankModel, await deps.loadTenantProviders(tenantId));
  }

  function assertOverlapFits(chunkTokens: number, chunkOverlapTokens: number): void {
    if (chunkOverlapTokens >= chunkTokens / 2) {
      throw new AppError(
        'validation_failed',
        `chunkOverlapTokens (${chunkOverlapTokens}) must be less than half of chunkTokens (${chunkTokens})`,
        { fields: [{ field: 'chunkOverlapTokens', message: 'must be less than half of chunkTokens' }] },
      );
    }
  }

  async function withUniqueName<T>(name: string | undefined, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error, uniqueName)) throw conflict(`A knowledge source named '${name}' already exists`);
      throw error;
    }
  }

  const changesIndexing = (source: SourceRow, input: UpdateSourceInput): boolean =>
    (input.embeddingModel !== undefined && input.embeddingModel !== source.embeddingModel) ||
    (input.chunkTokens !== undefined && input.chunkTokens !== source.chunkTokens) ||
    (input.chunkOverlapTokens !== undefined && input.chunkOverlapTokens !== source.chunkOverlapTokens);

  return {
    /** Also used by the documents and query services: the one existence check for a source. */
    findSource,

    async list(actor: Actor, query: ListSourcesQuery): Promise<Page<SourceView>> {
      const rows = await sources.list(db, actor.tenantId, { limit: query.limit, after: query.cursor });
      return toPage(rows, query.limit, presentSource);
    },

    async get(actor: Actor, sourceId: string): Promise<SourceView> {
      return presentSource(await findSource(actor, sourceId));
    },

    async create(actor: Actor, input: CreateSourceInput): Promise<SourceView> {
      requireAdmin(actor);
      const embeddingModel = input.embeddingModel ?? deps.config.defaultEmbeddingModel;
      const embeddingDimensions = await embeddingDimensionsOf(actor.tenantId, embeddingModel);
      await assertRerankerUsable(actor.tenantId, input.rerankModel);
      const now = new Date();
      const source = await withUniqueName(input.name, () =>
        sources.insert(db, {
          id: newId(),
          tenantId: actor.tenantId,
          name: input.name,
          description: input.description ?? '',
          embeddingModel,
          embeddingDimensions,
          rerankModel: input.rerankModel ?? null,
          chunkTokens: input.chunkTokens,
          chunkOverlapTokens: input.chunkOverlapTokens,
          createdBy: actor.userId,
          createdAt: now,
          updatedAt: now,
        }),
      );
      return presentSource({ ...source, documentCount: 0, searchableChunks: 0 });
    },

    /**
     * Changing the embedding model or the chunking is allowed at any time: every document of the source
     * is queued again under a new generation, and is searched with its old chunks until its job finishes.
     */
    async update(actor: Actor, sourceId: string, input: UpdateSourceInput): Promise<SourceView> {
      requireAdmin(actor);
      const source = await findSource(actor, sourceId);
      assertOverlapFits(input.chunkTokens ?? source.chunkTokens, input.chunkOverlapTokens ?? source.chunkOverlapTokens);
      const embeddingDimensions =
        input.embeddingModel !== undefined && input.embeddingModel !== source.embeddingModel
          ? await embeddingDimensionsOf(actor.tenantId, input.embeddingModel)
          : undefined;
      if (input.rerankModel !== source.rerankModel) await assertRerankerUsable(actor.tenantId, input.rerankModel);
      const isReindexing = changesIndexing(source, input);
      const queued = await withUniqueName(input.name, () =>
        db.transaction(async (tx) => {
          // Documents before the source, the order an indexing job locks them in, so the two cannot deadlock.
          const restarted = isReindexing ? await deps.documents.restartAll(tx, actor.tenantId, sourceId) : [];
          const updated = await sources.update(tx, actor.tenantId, sourceId, { ...input, embeddingDimensions });
          if (!updated) throw notFound('Knowledge source', sourceId);
          return restarted;
        }),
      );
      await deps.ingestion.schedule(actor.tenantId, queued);
      return presentSource(await findSource(actor, sourceId));
    },

    /**
     * Gone at once for every reader, in one short transaction: its documents' jobs stop, its writes in
     * flight stop at their next batch, its agents no longer answer from it. The rows and files are removed
     * afterwards by the `knowledge.remove-source` job, in batches (ADR 12).
     */
    async remove(actor: Actor, sourceId: string): Promise<void> {
      requireAdmin(actor);
      const isHidden = await db.transaction(async (tx) => {
        // Documents, then writes, then the source: the order an indexing job locks them in, so a batch in
        // flight finishes first rather than deadlock with this.
        await deps.documents.advanceAllGenerations(tx, actor.tenantId, sourceId);
        await deps.indexWrites.retireSource(tx, actor.tenantId, sourceId);
        return sources.hide(tx, actor.tenantId, sourceId);
      });
      // Missing, another tenant's, or deleted already: a 404, as for every other reader.
      if (!isHidden) throw notFound('Knowledge source', sourceId);
      await deps.removal.schedule(actor.tenantId, sourceId);
    },
  };
}

export type SourcesService = ReturnType<typeof createSourcesService>;
