/**
 * Document parsing and chunking for the knowledge base: detect a file's type from its content, parse it
 * in a worker thread into structural blocks, and cut the blocks into heading-aware chunks.
 */
export type { DocumentType, ParsedBlock, ParsedDocument, ParseLimits, ParseSettings } from './parsed-document.js';
export { parseLimitsOf } from './parsed-document.js';
export {
  detectDocumentType,
  documentMediaTypes,
  unsupportedTextFormat,
  whyTextIsUnreadable,
} from './detect-document-type.js';
export { parseAndChunkDocument, parseDocument } from './parse-document.js';
// Chunking is not re-exported: its tokenizer's tables weigh ~70 MB, so only the parse worker (and
// whoever imports chunking/ directly) loads them.
export type { Chunk, ChunkOptions } from './chunking/chunk-document.js';
