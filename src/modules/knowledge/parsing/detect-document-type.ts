import type { DocumentType } from './parsed-document.js';
import { decodeText, looksLikeText } from './text-encoding.js';

export const documentMediaTypes: Record<DocumentType, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  html: 'text/html',
  markdown: 'text/markdown',
  text: 'text/plain',
  csv: 'text/csv',
  json: 'application/json',
};

type TextType = Extract<DocumentType, 'html' | 'markdown' | 'text' | 'csv' | 'json'>;

const textTypeByExtension: Readonly<Record<string, TextType>> = {
  md: 'markdown',
  markdown: 'markdown',
  mdx: 'markdown',
  txt: 'text',
  text: 'text',
  log: 'text',
  csv: 'csv',
  tsv: 'csv',
  json: 'json',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
};

/**
 * The document's type from its content (pass at least its first 4 KB; the whole file when small),
 * never from its name: the filename's extension only breaks ties among text types (a Markdown file
 * and a plain one look alike), and an HTML document is HTML whatever it is called. Null means
 * unsupported: binary formats we do not parse, text formats we do not (RTF, whose control words
 * would be indexed as words), or bytes that are not text in UTF-8, UTF-16 (with its mark) or
 * Windows-1252 (text-encoding.ts).
 *
 * Synchronous on purpose (callers sniff an upload's head inline), so the two binary signatures we
 * accept are checked here rather than through file-type's asynchronous tokenizer; anything else
 * binary fails the UTF-8 text sniffing below.
 */
export function detectDocumentType(head: Uint8Array, filename?: string): DocumentType | null {
  const pdfHeaderAt = indexOfAscii(head.subarray(0, 1024), '%PDF-');
  if (pdfHeaderAt === 0) return 'pdf';
  if (isZip(head)) return isWordZip(head) ? 'docx' : null;
  const text = decodeTextHead(head);
  // pdf.js accepts a header anywhere in the first KB (some producers prepend junk): so do we, but only
  // after binary junk, or a Markdown note that mentions "%PDF-1.7" near its start would be a PDF. Junk
  // that opens with a UTF-16 mark can pass for UTF-16 text, but in UTF-16 text "%PDF-" would be spelled
  // with a zero byte beside each letter: the one-byte header is the file's own.
  if (pdfHeaderAt > 0 && (text === null || hasUtf16Mark(head))) return 'pdf';
  if (text === null || looksLikeRtf(text)) return null;
  // Its tags and scripts would be indexed and quoted to the model as words: no name makes it plain text.
  if (looksLikeHtmlDocument(text)) return 'html';
  const fromExtension = extensionTextType(filename);
  if (fromExtension !== null && isPlausible(fromExtension, text)) return fromExtension;
  return guessTextType(text);
}

/**
 * Why a head `detectDocumentType` refused is refused, when it is text after all and the person can fix
 * that: blank space only, or UTF-16 saved without its byte-order mark (every other byte zero).
 * Undefined for anything else (an image, an archive): it is not a document.
 */
export function whyTextIsUnreadable(head: Uint8Array): string | undefined {
  const text = decodeText(head, true);
  if (text.trim() === '') return 'The file holds only blank space; check that it was saved, and upload it again';
  if (hasUtf16Mark(head)) {
    return 'The file is UTF-16 text with characters that cannot be read (half of a character pair, say: it may be cut short or damaged); save it as UTF-8 and upload it again';
  }
  if (looksLikeUtf16WithoutMark(head)) {
    return 'The file looks like UTF-16 text saved without its byte-order mark; save it as UTF-8 and upload it again';
  }
  return undefined;
}

/** The name of a text format `detectDocumentType` refuses, for the refusal to say which it is. */
export function unsupportedTextFormat(head: Uint8Array): 'RTF' | undefined {
  const text = decodeText(head, true);
  return looksLikeRtf(text) ? 'RTF' : undefined;
}

/** ASCII-range text in UTF-16: of each pair of bytes, one is zero (the same one throughout). */
function looksLikeUtf16WithoutMark(head: Uint8Array): boolean {
  const pairs = Math.floor(Math.min(head.length, 1024) / 2);
  if (pairs < 4) return false;
  let zeroHigh = 0;
  let zeroLow = 0;
  for (let index = 0; index < pairs; index += 1) {
    const [low, high] = [head[2 * index]!, head[2 * index + 1]!];
    if (high === 0 && low !== 0) zeroHigh += 1;
    if (low === 0 && high !== 0) zeroLow += 1;
  }
  return Math.max(zeroHigh, zeroLow) >= pairs * 0.9;
}

function hasUtf16Mark(head: Uint8Array): boolean {
  return (head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff);
}

function isZip(head: Uint8Array): boolean {
  return head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

// OOXML packages name their parts in the local headers near the start: 'word/' is a Word document,
// 'xl/' and 'ppt/' are spreadsheets and slides (unsupported). A package whose head shows only
// [Content_Types].xml is taken as Word; the DOCX parser refuses it if it has no document part.
function isWordZip(head: Uint8Array): boolean {
  if (indexOfAscii(head, 'word/') !== -1) return true;
  if (indexOfAscii(head, 'xl/') !== -1 || indexOfAscii(head, 'ppt/') !== -1) return false;
  return indexOfAscii(head, '[Content_Types].xml') !== -1;
}

function indexOfAscii(bytes: Uint8Array, needle: string): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(needle, 0, 'latin1');
}

/** The head as text (UTF-8, UTF-16 with its mark, or Windows-1252), or null when it is not text. */
function decodeTextHead(head: Uint8Array): string | null {
  if (head.length === 0) return null;
  const text = decodeText(head, true);
  return looksLikeText(text) ? text : null;
}

function extensionTextType(filename: string | undefined): TextType | null {
  const extension = filename?.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1];
  return extension === undefined ? null : (textTypeByExtension[extension] ?? null);
}

function isPlausible(type: TextType, text: string): boolean {
  switch (type) {
    case 'text':
    case 'markdown':
      return true;
    case 'html':
      return looksLikeHtml(text);
    case 'json':
      return looksLikeJson(text);
    case 'csv':
      return looksLikeCsv(text);
  }
}

/** A text that is no HTML document (those are taken first, whatever their name). */
function guessTextType(text: string): TextType {
  if (looksLikeJson(text)) return 'json';
  if (looksLikeCsv(text)) return 'csv';
  if (looksLikeMarkdown(text)) return 'markdown';
  return 'text';
}

/** Opens, after blank space, an XML declaration and comments, with its doctype or its <html> tag. */
function looksLikeHtmlDocument(text: string): boolean {
  return /^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<(!doctype\s+html|html[\s>])/i.test(text);
}

/** Every RTF file opens with its header group, `{\rtf1` (Word, WordPad and TextEdit all write it). */
function looksLikeRtf(text: string): boolean {
  return /^\s*\{\\rtf/.test(text);
}

function looksLikeHtml(text: string): boolean {
  return looksLikeHtmlDocument(text) || /<(body|head|p|div|h[1-6]|ul|ol|table|article|section)[\s>]/i.test(text);
}

function looksLikeJson(text: string): boolean {
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return false;
  try {
    JSON.parse(trimmed);
    return true;
  } catch {
    // A truncated head cannot parse: accept an object opening with a key, or an array of values.
    return /^\{\s*("|\})/.test(trimmed) || /^\[\s*([[{"\d\-\]]|true|false|null)/.test(trimmed);
  }
}

/** At least two records with the same non-zero count of one delimiter. */
function looksLikeCsv(text: string): boolean {
  const lines = csvRecords(text, 10).filter((line) => line.trim() !== '');
  // The last line of a head may be cut short.
  const complete = lines.length > 2 ? lines.slice(0, -1) : lines;
  if (complete.length < 2) return false;
  return [',', ';', '\t'].some((delimiter) => {
    const counts = complete.map((line) => countOutsideQuotes(line, delimiter));
    return counts[0] !== undefined && counts[0] > 0 && counts.every((count) => count === counts[0]);
  });
}

/**
 * The first records of a head: its lines, except that a line break inside a quoted cell does not end a
 * record (RFC 4180: "Line 1\nLine 2" in a notes column). A stray quote makes the rest one record, which
 * then reads as no CSV.
 */
function csvRecords(text: string, limit: number): string[] {
  const records: string[] = [];
  let start = 0;
  let isQuoted = false;
  for (let index = 0; index < text.length && records.length < limit; index += 1) {
    const character = text[index];
    if (character === '"') isQuoted = !isQuoted;
    // A lone CR ends a line too: Excel for Mac's "CSV (Macintosh)" writes no other.
    else if ((character === '\n' || (character === '\r' && text[index + 1] !== '\n')) && !isQuoted) {
      records.push(text.slice(start, index).replace(/\r$/, ''));
      start = index + 1;
    }
  }
  if (records.length < limit && start < text.length) records.push(text.slice(start));
  return records;
}

function countOutsideQuotes(line: string, delimiter: string): number {
  let count = 0;
  let isQuoted = false;
  for (const character of line) {
    if (character === '"') isQuoted = !isQuoted;
    else if (character === delimiter && !isQuoted) count += 1;
  }
  return count;
}

function looksLikeMarkdown(text: string): boolean {
  return /^(#{1,6} \S|```|~~~|\s*[-*+] \S|\s*\d+\. \S|>\s|\|.*\|)/m.test(text) || /\[[^\]]+\]\([^)]+\)/.test(text);
}
