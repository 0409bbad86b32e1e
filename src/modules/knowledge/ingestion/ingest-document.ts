import type { EmbeddingCall, RecordModelCall } from '../../../ai/usage-paths.js';
import type { EmbedderRegistry } from '../../../ai/embeddings/embedder-registry.js';
import { parseModelRef } from '../../../ai/model-ref.js';
import { toModelAppError } from '../../../ai/model-errors.js';
import type { Database } from '../../../platform/db/client.js';
import { AppError } from '../../../platform/errors.js';
import type { JobContext, WorkOptions } from '../../../platform/jobs/index.js';
import type { Logger } from '../../../platform/logger.js';
import type { FileStorage } from '../../../platform/storage/index.js';
import { newId } from '../../../platform/ids.js';
import { yieldToEventLoop } from '../../../platform/yield-to-event-loop.js';
import type { TenantProviderSource } from '../../chat/turn/model-resolver.js';
import { cleanTitle } from '../document-title.js';
import type { DocumentRow } from '../documents.repository.js';
import type { Chunk, DocumentType, ParsedDocument } from '../parsing/index.js';
import { documentMediaTypes, parseAndChunkDocument, parseLimitsOf, type ParseSettings } from '../parsing/index.js';
import type { IndexWritesRepository } from '../retrieval/index-writes.repository.js';
import { insertChunkBatch } from '../retrieval/knowledge-index.repository.js';
import { indexedText, type IndexedChunk } from '../retrieval/knowledge-index.types.js';
import type { SourceRow, SourcesRepository } from '../sources.repository.js';
import { SupersededError, throttleProgress, watchGeneration } from './generation-watch.js';
import type { IndexWriter } from './index-writer.js';
import type { IndexedDocument, IngestionRepository } from './ingestion.repository.js';
import { ingestJobData } from './ingestion-job.js';

/** Attempts after the first, for failures that may pass (a provider's 5xx, a lost connection). */
export const ingestRetryLimit = 3;
export const ingestWorkOptions: WorkOptions = {
  concurrency: 2,
  retryLimit: ingestRetryLimit,
  retryDelaySeconds: 3,
  // A job still active this long is presumed lost with its node; pg-boss then retries it elsewhere.
  expireInSeconds: 15 * 60,
};

/** Progress bands: parsing 0–30 %, embedding 30–90 %, writing the index 90–98 %, publishing 99 %. */
const parsedProgress = 30;
const embeddedProgress = 90;
const writtenProgress = 98;
const embedBatchSize = 64;
const progressIntervalMs = 500;
const generationPollMs = 1000;

export interface DocumentIngestionDeps {
  readonly db: Database;
  readonly logger: Logger;
  readonly config: ParseSettings;
  readonly storage: Pick<FileStorage, 'localPath' | 'remove'>;
  readonly embedders: EmbedderRegistry;
  readonly loadTenantProviders: TenantProviderSource;
  readonly sources: Pick<SourcesRepository, 'findById'>;
  readonly repository: IngestionRepository;
  readonly indexWrites: Pick<IndexWritesRepository, 'begin' | 'publish'>;
  readonly indexWriter: IndexWriter;
  /** Queued after each document is written; never throws (it logs instead). */
  readonly scheduleIndexUpkeep: () => Promise<void>;
  /** The usage ledger (budgets): every embeddings request, however it ended. */
  readonly recordModelCall?: RecordModelCall | undefined;
}

interface PipelineRun {
  /** Aborted when the job is superseded or the queue stops. */
  readonly signal: AbortSignal;
  /** Aborted only when the queue stops. */
  readonly stopping: AbortSignal;
  readonly reportProgress: (progress: number) => Promise<void>;
}

const typeByMediaType = new Map(
  Object.entries(documentMediaTypes).map(([type, mediaType]) => [mediaType, type as DocumentType]),
);

/**
 * The `knowledge.ingest` job: parse (worker thread) → chunk → embed (batches) → index (a hidden write,
 * a transaction per statement) → publish. Safe to run twice: it claims the document's generation, and
 * only the run whose publish finds that generation still processing makes its write searchable; every
 * other write is removed (ADR 12).
 */
export function createDocumentIngestion(deps: DocumentIngestionDeps) {
  const { db, repository } = deps;

  async function ingest(data: unknown, job: JobContext): Promise<void> {
    const parsedData = ingestJobData.safeParse(data);
    if (!parsedData.success) {
      deps.logger.error({ jobId: job.id }, 'knowledge.ingest job with malformed data dropped');
      return;
    }
    const { tenantId, documentId, generation } = parsedData.data;
    const document = await repository.claim(db, tenantId, documentId, generation);
    if (!document) return; // deleted, cancelled or superseded before it ran
    const watch = watchGeneration(() => repository.isCurrent(db, tenantId, documentId, generation), generationPollMs);
    const signal = AbortSignal.any([job.signal, watch.signal]);
    const reportProgress = throttleProgress(
      (progress) => repository.setProgress(db, tenantId, documentId, generation, progress),
      () => watch.markSuperseded(),
      progressIntervalMs,
    );
    try {
      await runPipeline(document, { signal, stopping: job.signal, reportProgress });
    } catch (error) {
      if (watch.signal.aborted || error instanceof SupersededError) return;
      // Deleted or reindexed before the watch saw it: the error (a foreign key to the deleted row, say)
      // is the document moving on, not a failure to retry.
      if (!(await repository.isCurrent(db, tenantId, documentId, generation))) return;
      // The queue is stopping: the job is retried (here or on another node) and claims the document again.
      if (job.signal.aborted) throw error;
      await recordFailure(document, job, error);
    } finally {
      watch.stop();
    }
  }

  async function runPipeline(document: DocumentRow, run: PipelineRun): Promise<void> {
    const { tenantId, id: documentId, generation } = document;
    const source = await deps.sources.findById(db, tenantId, document.sourceId);
    if (!source) throw new SupersededError();
    const { document: parsed, chunks } = await parseAndChunk(document, source, run.signal);
    await run.reportProgress(parsedProgress);
    if (chunks.length === 0) {
      throw new AppError(
        'unprocessable',
        'No text was found in the document; a scanned PDF needs text recognition (OCR) before it can be indexed',
      );
    }
    const embeddings = await embed(source, chunks, run);
    run.signal.throwIfAborted();
    await run.reportProgress(embeddedProgress);
    const indexed: IndexedChunk[] = chunks.map((chunk, index) => ({ ...chunk, embedding: embeddings[index]! }));
    // A page names itself; an uploaded replacement of a page's document keeps the document's title.
    const isPage = document.origin === 'url' && document.replacedStorageKey === null;
    const title = isPage && parsed.title?.trim() ? cleanTitle(parsed.title) : undefined;
    const result = { pageCount: parsed.pageCount, ...(title && { title }) };
    const retired = await writeAndPublish(document, source, indexed, result, run);
    // A replaced file was kept until now, in case the replacement failed.
    if (document.replacedStorageKey) await deps.storage.remove(document.replacedStorageKey);
    if (retired > 0) {
      // Searchable from the publish on; the document is ready once its replaced chunks are gone too.
      await deps.indexWriter.removeRetired(tenantId, documentId);
      await repository.markReady(db, tenantId, documentId, generation);
    }
    // The upkeep makes the postings cheaper to read.
    await deps.scheduleIndexUpkeep();
  }

  /**
   * Writes the chunks as a new index write and publishes it if the document is still at this job's
   * generation; throws SupersededError when it is not (a write that is not published is removed).
   * Chunks that fit one transaction are written in the publishing transaction itself, as one commit: most
   * documents are that small, and a commit per step cost PostgreSQL a quarter of its ingestion
   * throughput on SciFact. Answers how many earlier writes the publish retired; with none, the
   * document is already `ready`.
   */
  async function writeAndPublish(
    document: DocumentRow,
    source: SourceRow,
    chunks: readonly IndexedChunk[],
    result: Omit<IndexedDocument, 'chunkCount'>,
    run: PipelineRun,
  ): Promise<number> {
    const { tenantId, id: documentId, generation } = document;
    const write = { id: newId(), tenantId, sourceId: source.id, documentId };
    const target = { ...write, dimensions: source.embeddingDimensions, generation };
    const isSmall = deps.indexWriter.fitsOneTransaction(chunks.length);
    try {
      if (!isSmall) {
        await deps.indexWriter.write(target, chunks, {
          signal: run.signal,
          onProgress: (share) => run.reportProgress(embeddedProgress + (writtenProgress - embeddedProgress) * share),
        });
      }
      const retired = await db.transaction(async (tx) => {
        if (!(await repository.lockIfCurrent(tx, tenantId, documentId, generation))) return undefined;
        if (isSmall) {
          // The batch locks the source row first; the write's row, whose foreign key share-locks it,
          // comes second, or two jobs of one source would each hold the share lock the other waits on.
          await insertChunkBatch(tx, { ...target, writeId: write.id }, chunks);
          // The document is locked at this generation, so this begins; were it not to, the rollback takes
          // the chunks back rather than leave them without a write, which would make them searched.
          if (!(await deps.indexWrites.begin(tx, write, generation))) throw new SupersededError();
        }
        const retiredWrites = await deps.indexWrites.publish(tx, write);
        if (retiredWrites === undefined) return undefined;
        const indexed = { ...result, chunkCount: chunks.length, isReady: retiredWrites === 0 };
        await repository.markIndexed(tx, tenantId, documentId, generation, indexed);
        return retiredWrites;
      });
      if (retired === undefined) throw new SupersededError();
      return retired;
    } catch (error) {
      // A stopping queue leaves the write to the upkeep's sweep rather than hold up the shutdown.
      if (!run.stopping.aborted && !isSmall) await deps.indexWriter.discard(write);
      throw error;
    }
  }

  /**
   * In a worker thread, chunking included: it is CPU work, and its tokenizer's tables (~70 MB) then never
   * load into the server's own heap.
   */
  async function parseAndChunk(
    document: DocumentRow,
    source: SourceRow,
    signal: AbortSignal,
  ): Promise<{ document: ParsedDocument; chunks: Chunk[] }> {
    const type = document.mediaType ? typeByMediaType.get(document.mediaType) : undefined;
    if (!type || !document.storageKey) {
      throw new AppError(
        'unprocessable',
        'The stored file of this document is missing or of an unknown type; upload it again',
      );
    }
    const limits = parseLimitsOf(deps.config);
    const chunking = { maxTokens: source.chunkTokens, overlapTokens: source.chunkOverlapTokens };
    return parseAndChunkDocument(deps.storage.localPath(document.storageKey), type, limits, chunking, signal);
  }

  async function embed(
    source: SourceRow,
    chunks: readonly Chunk[],
    run: { signal: AbortSignal; reportProgress: (progress: number) => Promise<void> },
  ): Promise<number[][]> {
    const recorded = (call: EmbeddingCall) =>
      void deps.recordModelCall?.(source.tenantId, { path: 'embedding', modelRef: source.embeddingModel, ...call });
    const embedder = await deps.embedders.resolve(
      source.embeddingModel,
      await deps.loadTenantProviders(source.tenantId),
      undefined,
      recorded,
    );
    if (embedder.dimensions !== source.embeddingDimensions) {
      throw new AppError(
        'unprocessable',
        `The embedding model '${source.embeddingModel}' now answers with ${embedder.dimensions} dimensions instead of ${source.embeddingDimensions}; choose the model again on the knowledge source`,
      );
    }
    const embeddings: number[][] = [];
    for (let start = 0; start < chunks.length; start += embedBatchSize) {
      await yieldToEventLoop();
      run.signal.throwIfAborted();
      const batch = chunks.slice(start, start + embedBatchSize);
      embeddings.push(
        ...(await embedBatch(source, () => embedder.embed(batch.map(indexedText), run.signal, recorded))),
      );
      const share = embeddings.length / chunks.length;
      await run.reportProgress(parsedProgress + (embeddedProgress - parsedProgress) * share);
    }
    return embeddings;
  }

  /** A provider's failure in words an administrator can act on (never the provider's own text). */
  async function embedBatch(source: SourceRow, call: () => Promise<number[][]>): Promise<number[][]> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof AppError || isAbort(error)) throw error;
      const parsed = parseModelRef(source.embeddingModel);
      const providerName = parsed?.kind === 'provider' ? parsed.providerName : undefined;
      throw toModelAppError(error, { providerName });
    }
  }

  /**
   * A reason a person can act on. The parser's and the provider's 4xx sentences are final (the same file
   * fails the same way); anything else is retried, and only the last attempt marks the document failed.
   */
  async function recordFailure(document: DocumentRow, job: JobContext, error: unknown): Promise<void> {
    const { tenantId, id: documentId, generation } = document;
    const isFinal = error instanceof AppError && error.status < 500 && error.code !== 'rate_limited';
    if (isFinal) {
      await markFailed(document, error.message);
      return;
    }
    deps.logger.error(
      { err: error, jobId: job.id, retryCount: job.retryCount, tenantId, documentId },
      'indexing a document failed',
    );
    const reason =
      error instanceof AppError
        ? error.message
        : `Indexing failed unexpectedly; try reindexing, and report job id ${job.id} if it persists`;
    if (job.retryCount < ingestRetryLimit) {
      await repository.markRetrying(
        db,
        tenantId,
        documentId,
        generation,
        `${reason} (attempt ${job.retryCount + 1} of ${ingestRetryLimit + 1}; retrying shortly)`,
      );
      throw error;
    }
    await markFailed(document, reason);
  }

  /**
   * The file of a failed replacement goes, and the one it replaced is the document's again. The claimed
   * row's file columns hold for the job's generation: a new replacement would have started another. A
   * failure after the new file was published (removing the replaced chunks, say) puts nothing back:
   * the new file is then the document's only one, and stays.
   */
  async function markFailed(document: DocumentRow, reason: string): Promise<void> {
    const { tenantId, id: documentId, generation } = document;
    const marked = await repository.markFailed(db, tenantId, documentId, generation, reason);
    const isPutBack = marked !== undefined && marked.storageKey !== document.storageKey;
    if (isPutBack && document.storageKey) await deps.storage.remove(document.storageKey);
  }

  return { ingest };
}

const isAbort = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'AbortError' || error instanceof SupersededError);
