/** The seven formats the knowledge base ingests. */
export type DocumentType = 'pdf' | 'docx' | 'html' | 'markdown' | 'text' | 'csv' | 'json';

/** One structural unit of a document, in reading order. */
export interface ParsedBlock {
  readonly kind: 'heading' | 'paragraph' | 'list' | 'table' | 'code';
  /** Tables as Markdown-ish rows ("a | b"), lists as "- item" lines. */
  readonly text: string;
  /** Headings: 1–6. */
  readonly level?: number;
  /** 1-based, paged formats only. */
  readonly page?: number;
}

export interface ParsedDocument {
  readonly blocks: readonly ParsedBlock[];
  readonly pageCount: number | null;
  readonly title?: string;
}

export interface ParseLimits {
  readonly timeoutMs: number;
  readonly maxMemoryMb: number;
  /** DOCX: refuse when the zip's declared or actual uncompressed size exceeds this. */
  readonly maxUncompressedBytes: number;
}
