import { readFile } from 'node:fs/promises';
import type { DocumentType, ParsedDocument } from '../parsed-document.js';
import { storableText } from '../../../../platform/db/storable-text.js';
import { ParseFailure } from './parse-failure.js';
import { decodeText } from '../text-encoding.js';

const formatNames: Record<DocumentType, string> = {
  pdf: 'PDF',
  docx: 'DOCX',
  html: 'HTML',
  markdown: 'Markdown',
  text: 'text',
  csv: 'CSV',
  json: 'JSON',
};

/** Reads and parses one stored file; runs inside the parse worker. Failures are ParseFailures. */
export async function parseFile(
  filePath: string,
  type: DocumentType,
  bounds: { readonly maxUncompressedBytes: number; readonly maxCharacters: number },
): Promise<ParsedDocument> {
  const file = await readFile(filePath).catch(() => {
    throw new ParseFailure('The uploaded file could not be read from storage; upload it again');
  });
  let document: ParsedDocument;
  try {
    document = await parseByType(file, type, bounds.maxUncompressedBytes);
  } catch (error) {
    if (error instanceof ParseFailure) throw error;
    throw new ParseFailure(`The file is not a valid ${formatNames[type]} file (it may be damaged)`, { cause: error });
  }
  document = withoutNulCharacters(document);
  if (document.blocks.length === 0) {
    throw new ParseFailure(
      type === 'pdf'
        ? 'The PDF has no text layer (it may be scanned images); upload a PDF with selectable text'
        : `The ${formatNames[type]} file has no text to index`,
    );
  }
  assertTextFits(document, bounds.maxCharacters);
  return document;
}

/**
 * A DOCX of well under a megabyte can inflate to a hundred million characters of text, whose chunks and
 * vectors would exhaust the server's memory after the worker handed them over: refused here, in the worker.
 */
function assertTextFits(document: ParsedDocument, maxCharacters: number): void {
  const characters = document.blocks.reduce((sum, block) => sum + block.text.length, 0);
  if (characters <= maxCharacters) return;
  throw new ParseFailure(
    `The document holds ${formatMillions(characters)} characters of text, more than the ${formatMillions(maxCharacters)} a document may have; split it into smaller files`,
  );
}

const formatMillions = (count: number): string =>
  count >= 1_000_000 ? `${(count / 1_000_000).toFixed(1).replace(/\.0$/, '')} million` : count.toLocaleString('en-US');

/**
 * One stray NUL (in a text file past the bytes its type was detected from, or among a PDF's glyphs)
 * made every insert of the document's chunks fail: dropped, with any block it leaves empty.
 */
function withoutNulCharacters(document: ParsedDocument): ParsedDocument {
  const hasNul = document.title?.includes('\0') || document.blocks.some((block) => block.text.includes('\0'));
  if (!hasNul) return document;
  const blocks = document.blocks.map((block) => ({ ...block, text: storableText(block.text) }));
  return {
    ...document,
    ...(document.title !== undefined && { title: storableText(document.title) }),
    blocks: blocks.filter((block) => block.text.trim() !== ''),
  };
}

// Each parser is imported when its format comes up: a worker lives for one file, and loading pdf.js
// (or mammoth) for a text file would cost most of the worker's start-up.
async function parseByType(file: Buffer, type: DocumentType, maxUncompressedBytes: number): Promise<ParsedDocument> {
  switch (type) {
    case 'pdf':
      // A page's text streams hold kilobytes; the total allows thousands of pages.
      await (
        await import('./pdf-stream-guard.js')
      ).assertSafePdfStreams(file, { maxStreamBytes: maxUncompressedBytes, maxTotalBytes: 16 * maxUncompressedBytes });
      return (await import('./pdf.parser.js')).parsePdf(new Uint8Array(file.buffer, file.byteOffset, file.byteLength));
    case 'docx':
      return (await import('./docx.parser.js')).parseDocx(file, maxUncompressedBytes);
    case 'html':
      return (await import('./html.parser.js')).parseHtml(decodeText(file));
    case 'markdown':
      return (await import('./markdown.parser.js')).parseMarkdown(decodeText(file));
    case 'text':
      return (await import('./text.parser.js')).parseText(decodeText(file));
    case 'csv':
      return (await import('./text.parser.js')).parseCsv(decodeText(file));
    case 'json':
      return (await import('./text.parser.js')).parseJson(decodeText(file));
  }
}
