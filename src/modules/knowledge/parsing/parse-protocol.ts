import type { Chunk, ChunkOptions } from './chunking/chunk-document.js';
import type { DocumentType, ParsedDocument } from './parsed-document.js';

/** What the parse worker receives as workerData. */
export interface ParseRequest {
  readonly filePath: string;
  readonly type: DocumentType;
  readonly maxUncompressedBytes: number;
  /** When set, the worker chunks the document too. */
  readonly chunkOptions?: ChunkOptions;
}

export interface ParseResult {
  readonly document: ParsedDocument;
  readonly chunks?: Chunk[];
}

/** The one message the parse worker posts back. */
export type ParseOutcome =
  { readonly ok: true; readonly result: ParseResult } | { readonly ok: false; readonly reason: string };
