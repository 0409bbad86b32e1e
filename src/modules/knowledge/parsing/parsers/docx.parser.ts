import mammoth from 'mammoth';
import type { ParsedDocument } from '../parsed-document.js';
import { readDocxTextParts } from './docx-zip-guard.js';
import { parseHtml } from './html.parser.js';

/**
 * DOCX through mammoth's HTML (it maps Word's heading styles to <h1>…, lists and tables to their
 * elements), then the HTML parser. Mammoth reads only the text parts, checked first (it would inflate a
 * bomb whole): the images are not among them.
 */
export async function parseDocx(file: Buffer, maxUncompressedBytes: number): Promise<ParsedDocument> {
  const textOnlyDocx = await readDocxTextParts(file, maxUncompressedBytes);
  // Images would be inlined as base64 data URIs only to be dropped, and their bytes are not in
  // `textOnlyDocx`: an <img> without a source is all they need to be.
  const { value: html } = await mammoth.convertToHtml(
    { buffer: textOnlyDocx },
    { convertImage: mammoth.images.imgElement(() => Promise.resolve({ src: '' })) },
  );
  const { blocks } = parseHtml(withPlainNotes(html));
  return { blocks, pageCount: null };
}

/**
 * Footnotes and endnotes as mammoth writes them, made plain text: its "[1]" reference would read as a
 * citation marker in an answer (answers cite passages as [1]), and each note's "↑" is only a link back.
 */
function withPlainNotes(html: string): string {
  return html
    .replace(/<sup><a href="#(?:footnote|endnote)-[^"]*" id="[^"]*">\[(\d+)\]<\/a><\/sup>/g, ' (note $1)')
    .replace(/ ?<a href="#(?:footnote|endnote)-ref-[^"]*">↑<\/a>/g, '');
}
