import { getDocumentProxy } from 'unpdf';
import type { ParsedBlock, ParsedDocument } from '../parsed-document.js';
import { ParseFailure } from './parse-failure.js';

interface PdfLine {
  readonly text: string;
  readonly page: number;
  /** Baseline, PDF units from the page's bottom. */
  readonly y: number;
  readonly fontSize: number;
}

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

/** Far past any manual (the 10 million characters a document may hold fill about 5,000 pages). */
const maxPages = 10_000;

/**
 * A PDF's text layer through pdf.js (unpdf's serverless build), page by page. A PDF has no markup for
 * structure, so it is recovered from the layout: a line set clearly larger than the body text is a
 * heading (the largest size is level 1), and a vertical gap wider than the line spacing ends a paragraph.
 */
export async function parsePdf(file: Uint8Array): Promise<ParsedDocument> {
  const pdf = await openPdf(file);
  try {
    // A page tree can share one page a million times in a file of 13 KB: pdf.js then walked it for
    // minutes, holding the worker and its memory, before the timeout said to split a tiny file.
    if (pdf.numPages > maxPages) {
      throw new ParseFailure(
        `The PDF has ${pdf.numPages.toLocaleString('en-US')} pages, more than the ${maxPages.toLocaleString('en-US')} a document may have; split it into smaller files`,
      );
    }
    const lines: PdfLine[] = [];
    for (let pageNumber = 1; pageNumber <= pdf.numPages; pageNumber += 1) {
      const page = await pdf.getPage(pageNumber);
      const content = await page.getTextContent();
      lines.push(...pageLines(content.items, pageNumber));
      page.cleanup();
    }
    const title = await readTitle(pdf);
    const bodyOf = pageBodySizes(lines);
    const content = withoutRunningLines(lines, bodyOf, pdf.numPages);
    return { blocks: linesToBlocks(content, bodyOf), pageCount: pdf.numPages, ...(title ? { title } : {}) };
  } finally {
    await pdf.destroy();
  }
}

async function openPdf(file: Uint8Array): Promise<PdfDocument> {
  try {
    return await getDocumentProxy(file, { verbosity: 0, isEvalSupported: false, stopAtErrors: false });
  } catch (error) {
    const name = error instanceof Error ? error.name : '';
    if (name === 'PasswordException') {
      throw new ParseFailure('The PDF is password-protected; upload it without a password');
    }
    throw new ParseFailure('The file is not a valid PDF (it may be damaged)');
  }
}

async function readTitle(pdf: PdfDocument): Promise<string | undefined> {
  const metadata = await pdf.getMetadata().catch(() => null);
  const info: unknown = metadata?.info;
  const title = typeof info === 'object' && info !== null && 'Title' in info ? info.Title : undefined;
  return typeof title === 'string' && title.trim() !== '' ? title.trim() : undefined;
}

function pageLines(items: readonly unknown[], page: number): PdfLine[] {
  const lines: PdfLine[] = [];
  let text = '';
  let y = Number.NaN;
  let fontSize = 0;
  const endLine = () => {
    const trimmed = text.replace(/\s+/g, ' ').trim();
    if (trimmed !== '') lines.push({ text: trimmed, page, y, fontSize });
    text = '';
    fontSize = 0;
  };
  for (const item of items) {
    if (!isTextItem(item)) continue;
    const itemY = Number(item.transform[5]);
    const itemSize = Math.hypot(Number(item.transform[2]), Number(item.transform[3])) || item.height;
    // A new baseline without an EOL marker (pdf.js omits it between some runs) still starts a line.
    if (text !== '' && Math.abs(itemY - y) > Math.max(itemSize, fontSize) * 0.5) endLine();
    if (text === '') y = itemY;
    text += item.str;
    fontSize = Math.max(fontSize, item.str.trim() === '' ? 0 : itemSize);
    if (item.hasEOL) endLine();
  }
  endLine();
  return lines;
}

function isTextItem(item: unknown): item is { str: string; transform: unknown[]; height: number; hasEOL: boolean } {
  return typeof item === 'object' && item !== null && 'str' in item && 'transform' in item;
}

/**
 * Drops running heads and footers ("ACME confidential", "Page 3 of 40"): short body-size lines that
 * recur, digits aside, at the same height on most pages. They would otherwise sit in every chunk.
 */
function withoutRunningLines(lines: readonly PdfLine[], bodyOf: BodySizes, pageCount: number): PdfLine[] {
  if (pageCount < 3) return [...lines];
  const keyOf = (line: PdfLine) => `${Math.round(line.y)}|${line.text.replace(/\d+/g, '#')}`;
  const pagesByKey = new Map<string, Set<number>>();
  for (const line of lines) {
    if (line.text.length > 80 || isHeadingLine(line, bodyOf)) continue;
    const key = keyOf(line);
    const pages = pagesByKey.get(key) ?? new Set<number>();
    pages.add(line.page);
    pagesByKey.set(key, pages);
  }
  const running = new Set([...pagesByKey].filter(([, pages]) => pages.size >= pageCount * 0.6).map(([key]) => key));
  return running.size === 0 ? [...lines] : lines.filter((line) => !running.has(keyOf(line)));
}

function linesToBlocks(lines: readonly PdfLine[], bodyOf: BodySizes): ParsedBlock[] {
  const headingSizes = [
    ...new Set(lines.filter((line) => isHeadingLine(line, bodyOf)).map((line) => roundSize(line.fontSize))),
  ]
    .sort((a, b) => b - a)
    .slice(0, 6);
  const blocks: ParsedBlock[] = [];
  let paragraph: PdfLine[] = [];
  const flush = () => {
    const first = paragraph[0];
    if (first) blocks.push({ kind: 'paragraph', text: joinLines(paragraph), page: first.page });
    paragraph = [];
  };
  for (const line of lines) {
    const headingIndex = isHeadingLine(line, bodyOf) ? headingSizes.indexOf(roundSize(line.fontSize)) : -1;
    if (headingIndex !== -1) {
      flush();
      const previous = blocks.at(-1);
      // A heading set over two lines arrives as two heading lines of one size: keep it one heading.
      if (previous?.kind === 'heading' && previous.level === headingIndex + 1 && previous.page === line.page) {
        blocks[blocks.length - 1] = { ...previous, text: `${previous.text} ${line.text}` };
      } else {
        blocks.push({ kind: 'heading', level: headingIndex + 1, text: line.text, page: line.page });
      }
      continue;
    }
    const last = paragraph.at(-1);
    if (last && (last.page !== line.page || isParagraphGap(last, line))) flush();
    paragraph.push(line);
  }
  flush();
  return blocks;
}

/** The body text's size on each page. */
type BodySizes = (page: number) => number;

/** A page with at least this many characters in one size tells its own body size. */
const pageBodyMinCharacters = 200;

/**
 * The document's body size, or a page's own where the page sets its body larger (a cover, a slide, a
 * page in large print): measured against the document's, every line of such a page would be a heading,
 * and a page of headings alone leaves no text to index. A page with little text (a section's title
 * page) keeps the document's, so its title stays a heading.
 */
function pageBodySizes(lines: readonly PdfLine[]): BodySizes {
  const documentBody = dominantFontSize(lines);
  const linesByPage = new Map<number, PdfLine[]>();
  for (const line of lines) {
    const onPage = linesByPage.get(line.page);
    if (onPage) onPage.push(line);
    else linesByPage.set(line.page, [line]);
  }
  const byPage = new Map<number, number>();
  for (const [page, pageLines] of linesByPage) {
    const size = dominantFontSize(pageLines);
    const characters = pageLines
      .filter((line) => roundSize(line.fontSize) === size)
      .reduce((sum, line) => sum + line.text.length, 0);
    if (size > documentBody && characters >= pageBodyMinCharacters) byPage.set(page, size);
  }
  return (page) => byPage.get(page) ?? documentBody;
}

/** The size most characters are set in: the body text. */
function dominantFontSize(lines: readonly PdfLine[]): number {
  const characters = new Map<number, number>();
  for (const line of lines) {
    const size = roundSize(line.fontSize);
    characters.set(size, (characters.get(size) ?? 0) + line.text.length);
  }
  let best = 0;
  let bestCount = -1;
  for (const [size, count] of characters) {
    if (count > bestCount || (count === bestCount && size < best)) {
      best = size;
      bestCount = count;
    }
  }
  return best;
}

function isHeadingLine(line: PdfLine, bodyOf: BodySizes): boolean {
  const bodySize = bodyOf(line.page);
  return bodySize > 0 && line.fontSize >= bodySize * 1.15 && line.text.length <= 150 && /\p{L}/u.test(line.text);
}

/** Lines run down the page; a gap clearly wider than one line (or a jump back up: a new column) ends a paragraph. */
function isParagraphGap(previous: PdfLine, line: PdfLine): boolean {
  const step = previous.y - line.y;
  const lineHeight = Math.max(previous.fontSize, line.fontSize, 1);
  return step < 0 || step > lineHeight * 1.6;
}

function joinLines(lines: readonly PdfLine[]): string {
  let text = '';
  for (const line of lines) {
    // A word hyphenated across the line break is one word again.
    if (/\p{Ll}-$/u.test(text) && /^\p{Ll}/u.test(line.text)) text = text.slice(0, -1) + line.text;
    else text = text === '' ? line.text : `${text} ${line.text}`;
  }
  return text;
}

function roundSize(size: number): number {
  return Math.round(size * 2) / 2;
}
