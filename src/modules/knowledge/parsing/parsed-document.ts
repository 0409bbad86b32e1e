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
  /** Refuse a document whose text is longer than this many characters. */
  readonly maxCharacters: number;
}

/** The bounds the server's configuration sets for parsing an upload. */
export function parseLimitsOf(config: {
  readonly parseTimeoutMs: number;
  readonly parseMaxMemoryMb: number;
  readonly parseMaxCharacters: number;
  readonly uploadMaxBytes: number;
}): ParseLimits {
  return {
    timeoutMs: config.parseTimeoutMs,
    maxMemoryMb: config.parseMaxMemoryMb,
    // Office XML compresses ~10:1; more than that from an upload within the limit is refused as a zip bomb.
    maxUncompressedBytes: Math.min(Math.max(16 * config.uploadMaxBytes, 100 * 1024 * 1024), 2 * 1024 ** 3),
    maxCharacters: config.parseMaxCharacters,
  };
}
