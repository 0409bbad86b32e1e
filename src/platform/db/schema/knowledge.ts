import { isNull, sql } from 'drizzle-orm';
import {
  bigint,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { agents } from './agents.js';
import { createdAt, tenantColumn, updatedAt } from './columns.js';
import { users } from './users.js';

/**
 * A pgvector column without a fixed dimension, so sources embedded by different models (384, 1536, …)
 * share one table. Each supported dimension has its own partial HNSW index over `embedding::vector(n)`;
 * a query casts the same way and filters on `embedding_dimensions`, which is what lets the planner use it.
 */
const anyVector = customType<{ data: number[]; driverData: string }>({
  dataType: () => 'vector',
  toDriver: (value) => `[${value.join(',')}]`,
  fromDriver: (value) => (typeof value === 'string' ? (JSON.parse(value) as number[]) : (value as number[])),
});

/** The dimensions a knowledge source may use; each has an HNSW index (migrations). */
export const embeddingDimensions = [256, 384, 512, 768, 1024, 1536] as const;

/** A tenant's collection of documents, searched as one and attached to agents. */
export const knowledgeSources = pgTable(
  'knowledge_sources',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    /** `offline` (the built-in embedder) or `provider:model`, as agents name chat models. */
    embeddingModel: text('embedding_model').notNull(),
    embeddingDimensions: smallint('embedding_dimensions').notNull(),
    /** `provider:model` that reorders hybrid search's best candidates; null searches without reranking. */
    rerankModel: text('rerank_model'),
    chunkTokens: integer('chunk_tokens').notNull(),
    chunkOverlapTokens: integer('chunk_overlap_tokens').notNull(),
    /** BM25's collection statistics, kept in step with the chunks in the same transaction. */
    chunkCount: bigint('chunk_count', { mode: 'number' }).notNull().default(0),
    totalTermCount: bigint('total_term_count', { mode: 'number' }).notNull().default(0),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /**
     * Set by DELETE: the source is gone for every reader at once, and its rows are removed afterwards in
     * batches by the `knowledge.remove-source` job (ADR 12). Its name is free again meanwhile.
     */
    deletedAt: timestamp('deleted_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    uniqueIndex('knowledge_sources_tenant_name_unique')
      .on(table.tenantId, table.name)
      .where(sql`${table.deletedAt} is null`),
    index('knowledge_sources_created_by_idx').on(table.createdBy),
  ],
);

/**
 * The condition every reader of sources applies: a deleted source is gone at once, while its rows are
 * still being removed.
 */
export const isLiveSource = isNull(knowledgeSources.deletedAt);

export const documentStatuses = ['pending', 'processing', 'ready', 'failed', 'cancelled'] as const;
export type DocumentStatus = (typeof documentStatuses)[number];
export const documentOrigins = ['upload', 'url'] as const;
export type DocumentOrigin = (typeof documentOrigins)[number];

export const knowledgeDocuments = pgTable(
  'knowledge_documents',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => knowledgeSources.id, { onDelete: 'cascade' }),
    /** A label only (the uploaded file name or the page title); the file is stored by id. */
    title: text('title').notNull(),
    /** Where an imported file was in its folder or zip (`guides/install/setup.md`): a label, never a file path. */
    path: text('path'),
    origin: text('origin', { enum: documentOrigins }).notNull(),
    url: text('url'),
    /** Detected from the content, never taken from the name. */
    mediaType: text('media_type'),
    byteSize: bigint('byte_size', { mode: 'number' }),
    sha256: text('sha256'),
    storageKey: text('storage_key'),
    /**
     * The file a replacement is indexed in place of, while its passages are still the ones searched: kept
     * until the new file's are published, and put back when the replacement fails or is cancelled.
     */
    replacedMediaType: text('replaced_media_type'),
    replacedByteSize: bigint('replaced_byte_size', { mode: 'number' }),
    replacedSha256: text('replaced_sha256'),
    replacedStorageKey: text('replaced_storage_key'),
    status: text('status', { enum: documentStatuses }).notNull(),
    /** 0–100 while processing. */
    progress: smallint('progress').notNull().default(0),
    /** Why it failed, written for the person who uploaded it. */
    errorMessage: text('error_message'),
    pageCount: integer('page_count'),
    chunkCount: integer('chunk_count').notNull().default(0),
    /** Bumped by reindex, cancel and delete: a job that finds a newer generation stops without writing. */
    generation: integer('generation').notNull().default(1),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    indexedAt: timestamp('indexed_at', { withTimezone: true, mode: 'date' }),
    /**
     * The index version that wrote the searched passages (knowledge/ingestion/index-versions.ts); 0 for
     * those written before 2026-11-28 (no spellings, the first offline features). Below the version its
     * source needs, the document is reindexed in the background at start-up.
     */
    indexVersion: smallint('index_version').notNull().default(0),
  },
  (table) => [
    index('knowledge_documents_source_idx').on(table.tenantId, table.sourceId, table.id.desc()),
    index('knowledge_documents_source_fk_idx').on(table.sourceId),
    index('knowledge_documents_created_by_idx').on(table.createdBy),
    // A tenant's storage use is summed from its documents' sizes: an index-only scan (storage-quota.ts).
    index('knowledge_documents_tenant_bytes_idx').on(table.tenantId, table.byteSize, table.replacedByteSize),
    // The stored-files sweep asks which keys rows still name (maintenance.repository.ts).
    index('knowledge_documents_storage_key_idx').on(table.storageKey),
    index('knowledge_documents_replaced_storage_key_idx')
      .on(table.replacedStorageKey)
      .where(sql`${table.replacedStorageKey} is not null`),
    // The sweep for documents whose indexing was never queued reads only the pending ones (imports-upkeep.ts).
    index('knowledge_documents_pending_idx').on(table.updatedAt).where(sql`${table.status} = 'pending'`),
  ],
);

export const knowledgeChunks = pgTable(
  'knowledge_chunks',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => knowledgeSources.id, { onDelete: 'cascade' }),
    documentId: uuid('document_id')
      .notNull()
      .references(() => knowledgeDocuments.id, { onDelete: 'cascade' }),
    /**
     * The index write that stored the chunk (ADR 12). A write is searched only once it is published: until
     * then, and again once it is replaced, it has a row in knowledge_index_writes. Chunks indexed before
     * migration 0006 share the nil UUID, which is never hidden.
     */
    writeId: uuid('write_id').notNull(),
    /** Order within the document; (document, write, position) is unique, so a retried batch cannot duplicate. */
    position: integer('position').notNull(),
    content: text('content').notNull(),
    /** 1-based page for paged formats (PDF); null otherwise. */
    page: integer('page'),
    headingPath: text('heading_path')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    tokenCount: integer('token_count').notNull(),
    /** BM25's document length: the number of indexed terms in the chunk. */
    termCount: integer('term_count').notNull(),
    embedding: anyVector('embedding').notNull(),
    embeddingDimensions: smallint('embedding_dimensions').notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('knowledge_chunks_document_write_position_unique').on(table.documentId, table.writeId, table.position),
    index('knowledge_chunks_source_idx').on(table.sourceId),
    ...embeddingDimensions.map((dimensions) =>
      index(`knowledge_chunks_embedding_${dimensions}_idx`)
        .using('hnsw', sql.raw(`(embedding::vector(${dimensions})) vector_cosine_ops`))
        .where(sql.raw(`embedding_dimensions = ${dimensions}`)),
    ),
  ],
);

/**
 * BM25 postings: one row per (term, chunk) with the term's frequency in the chunk and the chunk's
 * length. Terms are the lexemes of PostgreSQL's `english` text search configuration, so indexing and
 * querying stem alike.
 */
export const knowledgePostings = pgTable(
  'knowledge_postings',
  {
    tenantId: tenantColumn(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => knowledgeSources.id, { onDelete: 'cascade' }),
    term: text('term').notNull(),
    chunkId: uuid('chunk_id')
      .notNull()
      .references(() => knowledgeChunks.id, { onDelete: 'cascade' }),
    termFrequency: integer('term_frequency').notNull(),
    /** The chunk's term_count, copied here so scoring reads nothing but the postings (see below). */
    chunkLength: integer('chunk_length').notNull(),
    /** The chunk's write_id, copied here so a hidden write's postings are skipped in the same scan. */
    writeId: uuid('write_id').notNull(),
    /**
     * The term as the chunk writes it, lower-cased ("calibration" for 'calibr'), its commonest spelling
     * there; null for a term that is no plain word, and for postings written before 2026-11-28. Counted per
     * source in knowledge_term_spellings and uncounted from here when the chunk goes.
     */
    spelling: text('spelling'),
  },
  (table) => [
    // Migrations 0004 and 0006 rebuild this key's index with INCLUDE (term_frequency, chunk_length, write_id), which
    // Drizzle cannot declare: BM25 then scores from an index-only scan of a term's postings.
    primaryKey({ columns: [table.sourceId, table.term, table.chunkId] }),
    index('knowledge_postings_chunk_idx').on(table.chunkId),
  ],
);

/**
 * Index writes that search must not see (ADR 12): one being written (`writing`), or one replaced by a
 * newer write of its document and waiting to be removed (`retired`). A published write has no row.
 */
export const indexWriteStatuses = ['writing', 'retired'] as const;

export const knowledgeIndexWrites = pgTable(
  'knowledge_index_writes',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => knowledgeSources.id, { onDelete: 'cascade' }),
    documentId: uuid('document_id')
      .notNull()
      .references(() => knowledgeDocuments.id, { onDelete: 'cascade' }),
    status: text('status', { enum: indexWriteStatuses }).notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    index('knowledge_index_writes_source_idx').on(table.sourceId),
    index('knowledge_index_writes_document_idx').on(table.documentId),
  ],
);

/** Document frequency per term and source: BM25's IDF, kept in step with the postings. */
export const knowledgeTerms = pgTable(
  'knowledge_terms',
  {
    tenantId: tenantColumn(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => knowledgeSources.id, { onDelete: 'cascade' }),
    term: text('term').notNull(),
    chunkFrequency: integer('chunk_frequency').notNull(),
  },
  (table) => [primaryKey({ columns: [table.sourceId, table.term] })],
);

/**
 * How often each source writes a term each way: chunks whose commonest spelling of the term it is. Query
 * correction shows a word the source holds from here, never one rebuilt from a stem (ADR 23); kept in
 * step with the postings' `spelling`, as knowledge_terms is with the postings.
 */
export const knowledgeTermSpellings = pgTable(
  'knowledge_term_spellings',
  {
    tenantId: tenantColumn(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => knowledgeSources.id, { onDelete: 'cascade' }),
    term: text('term').notNull(),
    spelling: text('spelling').notNull(),
    chunkFrequency: integer('chunk_frequency').notNull(),
  },
  (table) => [primaryKey({ columns: [table.sourceId, table.term, table.spelling] })],
);

/** Which sources an agent answers from. */
export const agentKnowledgeSources = pgTable(
  'agent_knowledge_sources',
  {
    tenantId: tenantColumn(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => knowledgeSources.id, { onDelete: 'cascade' }),
  },
  (table) => [
    primaryKey({ columns: [table.agentId, table.sourceId] }),
    index('agent_knowledge_sources_source_idx').on(table.sourceId),
  ],
);

/** Files attached to chat messages (images, documents, audio), stored by id under the storage root. */
export const files = pgTable(
  'files',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    uploadedBy: uuid('uploaded_by')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** A label only. */
    filename: text('filename').notNull(),
    mediaType: text('media_type').notNull(),
    byteSize: bigint('byte_size', { mode: 'number' }).notNull(),
    storageKey: text('storage_key').notNull(),
    /** Text extracted from documents (and transcripts of audio), given to the model as context. */
    extractedText: text('extracted_text'),
    createdAt: createdAt(),
  },
  (table) => [
    index('files_tenant_uploader_idx').on(table.tenantId, table.uploadedBy, table.id.desc()),
    // A tenant's storage use is summed from its files' sizes: an index-only scan (storage-quota.ts).
    index('files_tenant_bytes_idx').on(table.tenantId, table.byteSize),
    // The stored-files sweep asks which keys rows still name (maintenance.repository.ts).
    index('files_storage_key_idx').on(table.storageKey),
  ],
);

/** A passage a reply drew on, stored with the message; `marker` is the [n] the model was told to cite. */
export interface StoredCitation {
  readonly marker: number;
  readonly sourceId: string;
  readonly documentId: string;
  readonly documentTitle: string;
  readonly chunkId: string;
  readonly page: number | null;
  readonly headingPath: readonly string[];
  readonly score: number;
  /** The passage (or its opening), so a citation can be shown without another request. */
  readonly excerpt: string;
  /**
   * What the search that found it read besides the words as typed ("searched for `to` instead of
   * `from`", query-correction.ts); absent when it read them as typed. The same on every citation of a turn.
   */
  readonly queryCorrections?: readonly { readonly from: string; readonly to: string }[];
}

/** A file a user message carries (see `files`). */
export interface StoredAttachment {
  readonly fileId: string;
  readonly filename: string;
  readonly mediaType: string;
}

export const importStatuses = ['running', 'finished', 'failed'] as const;
export type ImportStatus = (typeof importStatuses)[number];

/** One import of many files (a zip, a multipart request with several files, `parley import`) into a source. */
export const knowledgeImports = pgTable(
  'knowledge_imports',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => knowledgeSources.id, { onDelete: 'cascade' }),
    status: text('status', { enum: importStatuses }).notNull(),
    /** Files looked at so far; each is added, a duplicate or failed. */
    fileCount: integer('file_count').notNull().default(0),
    addedCount: integer('added_count').notNull().default(0),
    duplicateCount: integer('duplicate_count').notNull().default(0),
    failedCount: integer('failed_count').notNull().default(0),
    /** Why the import stopped before its last file, for the person who started it. */
    errorMessage: text('error_message'),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [
    index('knowledge_imports_source_idx').on(table.tenantId, table.sourceId, table.createdAt.desc()),
    index('knowledge_imports_source_fk_idx').on(table.sourceId),
    index('knowledge_imports_created_by_idx').on(table.createdBy),
    // The sweep for imports whose node stopped reads only the running ones (imports-upkeep.ts).
    index('knowledge_imports_running_idx').on(table.updatedAt).where(sql`${table.status} = 'running'`),
  ],
);

export const importFileOutcomes = ['added', 'duplicate', 'failed'] as const;
export type ImportFileOutcome = (typeof importFileOutcomes)[number];

/** What became of each file of an import, in the order the files came. */
export const knowledgeImportFiles = pgTable(
  'knowledge_import_files',
  {
    importId: uuid('import_id')
      .notNull()
      .references(() => knowledgeImports.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    tenantId: tenantColumn(),
    path: text('path').notNull(),
    outcome: text('outcome', { enum: importFileOutcomes }).notNull(),
    /** The document added, or the one that already holds this content. */
    documentId: uuid('document_id'),
    message: text('message'),
  },
  (table) => [
    primaryKey({ columns: [table.importId, table.position] }),
    index('knowledge_import_files_tenant_idx').on(table.tenantId),
  ],
);
