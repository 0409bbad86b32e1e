import type { Chunk, ChunkOptions } from './chunking/chunk-document.js';
import type { DocumentType, ParsedDocument } from './parsed-document.js';

/** One file for the parse worker to parse. */
export interface ParseRequest {
  readonly filePath: string;
  readonly type: DocumentType;
  readonly maxUncompressedBytes: number;
  readonly maxCharacters: number;
  /** When set, the worker chunks the document too. */
  readonly chunkOptions?: ChunkOptions;
}

export interface ParseResult {
  readonly document: ParsedDocument;
  readonly chunks?: Chunk[];
}

export type ParseOutcome =
  { readonly ok: true; readonly result: ParseResult } | { readonly ok: false; readonly reason: string };

/** What the pool posts to a worker, one at a time; the worker answers each with its id. */
export interface ParseTask {
  readonly id: number;
  readonly request: ParseRequest;
}

export interface ParseTaskOutcome {
  readonly id: number;
  readonly outcome: ParseOutcome;
}
