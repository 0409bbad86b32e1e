export type SearchMode = 'hybrid' | 'lexical' | 'vector';
export const searchModes: readonly SearchMode[] = ['hybrid', 'lexical', 'vector'];

export interface SearchRequest {
  readonly tenantId: string;
  readonly sourceIds: readonly string[];
  readonly query: string;
  readonly topK: number;
  readonly mode: SearchMode;
  readonly documentIds?: readonly string[];
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
  /** Passages of content around the matched query terms, with each match wrapped in «…». */
  readonly highlights: readonly string[];
}

export interface KnowledgeSearch {
  search(request: SearchRequest, signal?: AbortSignal): Promise<SearchHit[]>;
}
