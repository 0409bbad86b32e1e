import type { QueryCorrectionReport } from './query-correction.js';

export type SearchMode = 'hybrid' | 'lexical' | 'vector';
export const searchModes: readonly SearchMode[] = ['hybrid', 'lexical', 'vector'];

export interface SearchRequest {
  readonly tenantId: string;
  readonly sourceIds: readonly string[];
  readonly query: string;
  readonly topK: number;
  readonly mode: SearchMode;
  readonly documentIds?: readonly string[];
  /** False leaves out the sources' reranking model (to compare with it); only hybrid search reranks. */
  readonly rerank?: boolean;
  /**
   * False searches the words exactly as typed; by default (lexical and hybrid) a word the sources do not
   * hold is also read as corrected, and split and glued words as the sources write them (query-correction.ts).
   */
  readonly correct?: boolean;
}

export interface SearchHit {
  readonly chunkId: string;
  readonly sourceId: string;
  readonly documentId: string;
  readonly documentTitle: string;
  readonly page: number | null;
  readonly headingPath: readonly string[];
  readonly content: string;
  readonly score: number;
  readonly lexicalScore: number | null;
  readonly vectorScore: number | null;
  readonly lexicalRank: number | null;
  readonly vectorRank: number | null;
  /** The reranking model's relevance score (then also `score`); null when the search was not reranked. */
  readonly rerankScore: number | null;
  /** Passages of content around the matched query terms, with each match wrapped in «…». */
  readonly highlights: readonly string[];
}

/** Whether a reranking model reordered the results; a failed one leaves them in hybrid order. */
export interface RerankingReport {
  readonly model: string;
  readonly status: 'applied' | 'failed';
  /** Why it failed, in a sentence for the person configuring it. */
  readonly message?: string;
}

export interface SearchOutcome {
  readonly hits: SearchHit[];
  /** What the search read besides the words as typed ("searched for … instead"); empty when nothing. */
  readonly corrections: QueryCorrectionReport[];
  /** Null when no reranking model was used (none configured, not hybrid, or `rerank: false`). */
  readonly reranking: RerankingReport | null;
}

export interface KnowledgeSearch {
  search(request: SearchRequest, signal?: AbortSignal): Promise<SearchHit[]>;
  /** The same search, saying whether it was reranked: what the query endpoint shows. */
  searchExplained(request: SearchRequest, signal?: AbortSignal): Promise<SearchOutcome>;
}
