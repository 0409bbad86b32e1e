import type { Config } from '../../../config.js';

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
  /**
   * DOCX: refuse when the zip's declared or actual uncompressed size exceeds this. PDF: the most one of
   * its compressed streams may inflate to (its images eight times that), and sixteen times it for all.
   */
  readonly maxUncompressedBytes: number;
  /** Refuse a document whose text is longer than this many characters. */
  readonly maxCharacters: number;
}

/** What of the server's configuration bounds parsing an upload. */
export type ParseSettings = Pick<
  Config,
  'uploadMaxBytes' | 'parseTimeoutMs' | 'parseMaxMemoryMb' | 'parseMaxCharacters'
>;

/** The bounds the server's configuration sets for parsing an upload. */
export function parseLimitsOf(config: ParseSettings): ParseLimits {
  return {
    timeoutMs: config.parseTimeoutMs,
    maxMemoryMb: config.parseMaxMemoryMb,
    // Office XML compresses ~10:1, so more than that from an upload within the limit is a zip bomb. And
    // the parser holds the XML as a tree several times its size: a 688 KB DOCX whose XML was one 90 MB run
    // of text ran the worker out of memory in a way that took the whole process down (V8 failed the
    // allocation before the worker's heap-limit handler could stop only the worker). One 30 MB run still
    // needed more than 512 MB, refused cleanly. So the XML may not be larger than a thirty-second of the
    // worker's heap: 16 MB with the default 512 MB, hundreds of pages of a real document.
    maxUncompressedBytes: Math.min(16 * config.uploadMaxBytes, (config.parseMaxMemoryMb * 1024 * 1024) / 32),
    maxCharacters: config.parseMaxCharacters,
  };
}
