import { useQuery } from '@tanstack/react-query';
import { useServices } from '../../app-context';
import { useCursorList } from '../../ui/cursor-list';

/** A knowledge source as GET /v1/knowledge-sources answers it. */
export interface KnowledgeSource {
  id: string;
  name: string;
  description: string;
  embeddingModel: string;
  embeddingDimensions: number;
  /** 'provider:model' that reorders hybrid search results; null searches without reranking. */
  rerankModel: string | null;
  chunkTokens: number;
  chunkOverlapTokens: number;
  documentCount: number;
  chunkCount: number;
  createdAt: string;
  updatedAt?: string;
}

/** The body of POST /v1/knowledge-sources; PATCH takes the same fields, and `rerankModel: null` to clear it. */
export interface KnowledgeSourceInput {
  name: string;
  description: string;
  embeddingModel?: string;
  rerankModel?: string | null;
  chunkTokens?: number;
  chunkOverlapTokens?: number;
}

export type DocumentStatus = 'pending' | 'processing' | 'ready' | 'failed' | 'cancelled';

/** A document of a source, with where its indexing stands. */
export interface KnowledgeDocument {
  id: string;
  title: string;
  origin: string;
  url: string | null;
  mediaType: string | null;
  byteSize: number | null;
  status: DocumentStatus;
  /** 0–100 while processing. */
  progress: number;
  errorMessage: string | null;
  pageCount: number | null;
  chunkCount: number | null;
  createdAt: string;
  indexedAt: string | null;
}

export type SearchMode = 'hybrid' | 'lexical' | 'vector';
export const searchModes: readonly SearchMode[] = ['hybrid', 'lexical', 'vector'];

/** One ranked passage of POST /v1/knowledge-sources/:id/query. */
export interface SearchHit {
  chunkId: string;
  documentId: string;
  documentTitle: string;
  page: number | null;
  headingPath: string[];
  content: string;
  score: number;
  lexicalScore: number | null;
  vectorScore: number | null;
  /** The reranking model's relevance score (then also `score`); null when not reranked. */
  rerankScore: number | null;
  /** Passages around the matched terms, each match wrapped in «…». */
  highlights: string[];
}

/** Whether the source's reranking model reordered the passages; a failure leaves them in hybrid order. */
export interface RerankingReport {
  model: string;
  status: 'applied' | 'failed';
  /** Why it failed, as a sentence. */
  message?: string;
}

/** A word the search also read corrected (a misspelling, or words split or glued): `to` instead of `from`. */
export interface QueryCorrection {
  from: string;
  to: string;
}

export interface QueryAnswer {
  mode: SearchMode;
  tookMs: number;
  /** Null when no reranking model was used. */
  reranking: RerankingReport | null;
  /** Absent from servers before 2026-11-27; empty when the words were searched as typed. */
  corrections?: QueryCorrection[];
  results: SearchHit[];
}

export const knowledgePath = '/knowledge';
export const sourcesApiPath = '/v1/knowledge-sources';
export const sourceApiPath = (id: string) => `${sourcesApiPath}/${encodeURIComponent(id)}`;
export const documentsApiPath = (sourceId: string) => `${sourceApiPath(sourceId)}/documents`;
export const documentApiPath = (sourceId: string, documentId: string) =>
  `${documentsApiPath(sourceId)}/${encodeURIComponent(documentId)}`;

export const knowledgeKeys = {
  all: ['knowledge'] as const,
  sources: ['knowledge', 'sources'] as const,
  source: (id: string) => ['knowledge', 'source', id] as const,
  documents: (sourceId: string) => ['knowledge', 'documents', sourceId] as const,
  imports: (sourceId: string) => ['knowledge', 'imports', sourceId] as const,
  importFiles: (sourceId: string, importId: string, outcome: string) =>
    ['knowledge', 'imports', sourceId, importId, 'files', outcome] as const,
};

export function useKnowledgeSource(id: string) {
  const { api } = useServices();
  return useQuery({ queryKey: knowledgeKeys.source(id), queryFn: () => api.get<KnowledgeSource>(sourceApiPath(id)) });
}

/**
 * A source's documents, page by page. The documents table and the playground's document filter share
 * this one cached list (same key, path and page size), so each sees what the other read.
 */
export function useSourceDocuments(
  sourceId: string,
  options: { pollEveryMs?: (items: KnowledgeDocument[]) => number | false } = {},
) {
  return useCursorList<KnowledgeDocument>(knowledgeKeys.documents(sourceId), documentsApiPath(sourceId), 50, options);
}

/** Indexing is still under way for these; their row changes on its own. */
export const isIndexing = (document: Pick<KnowledgeDocument, 'status'>): boolean =>
  document.status === 'pending' || document.status === 'processing';

/** An import of several files or a zip (POST /v1/knowledge-sources/:id/imports); counts grow while it runs. */
export interface KnowledgeImport {
  id: string;
  sourceId: string;
  status: 'running' | 'finished' | 'failed';
  fileCount: number;
  addedCount: number;
  duplicateCount: number;
  failedCount: number;
  errorMessage: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export type ImportFileOutcome = 'added' | 'duplicate' | 'failed';

/** One file of an import and what became of it. */
export interface ImportFile {
  position: number;
  /** Its path in the folder or zip, or its name. */
  path: string;
  outcome: ImportFileOutcome;
  documentId: string | null;
  /** Why it failed or was skipped. */
  message: string | null;
}

export const importsApiPath = (sourceId: string) => `${sourceApiPath(sourceId)}/imports`;
export const importFilesApiPath = (sourceId: string, importId: string) =>
  `${importsApiPath(sourceId)}/${encodeURIComponent(importId)}/files`;
