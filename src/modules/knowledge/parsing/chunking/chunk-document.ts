import type { ParsedDocument } from '../parsed-document.js';

export interface Chunk {
  /** 0-based order in the document. */
  readonly position: number;
  readonly content: string;
  /** Page where the chunk starts. */
  readonly page: number | null;
  /** e.g. ['Installation', 'Linux']. */
  readonly headingPath: readonly string[];
  readonly tokenCount: number;
}

export interface ChunkOptions {
  readonly maxTokens: number;
  readonly overlapTokens: number;
}

export function chunkDocument(_document: ParsedDocument, _options: ChunkOptions): Chunk[] {
  return [];
}
