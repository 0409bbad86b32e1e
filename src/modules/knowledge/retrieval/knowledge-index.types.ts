export interface IndexedChunk {
  readonly position: number;
  readonly content: string;
  readonly page: number | null;
  readonly headingPath: readonly string[];
  readonly tokenCount: number;
  readonly embedding: readonly number[];
}

/** The text a chunk is indexed by, for BM25 and for its embedding alike: where it sits, then what it says. */
export function indexedText(chunk: Pick<IndexedChunk, 'headingPath' | 'content'>): string {
  return chunk.headingPath.length > 0 ? `${chunk.headingPath.join(' › ')}\n${chunk.content}` : chunk.content;
}
