import type { DocumentType, ParsedDocument } from './parsed-document.js';

/** What the parse worker receives as workerData. */
export interface ParseRequest {
  readonly filePath: string;
  readonly type: DocumentType;
  readonly maxUncompressedBytes: number;
}

/** The one message the parse worker posts back. */
export type ParseOutcome =
  { readonly ok: true; readonly document: ParsedDocument } | { readonly ok: false; readonly reason: string };
