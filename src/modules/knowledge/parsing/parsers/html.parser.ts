import { HTMLElement, NodeType, parse, type Node } from 'node-html-parser';
import type { ParsedBlock, ParsedDocument } from '../parsed-document.js';

/**
 * Page furniture and non-content: none of it answers a question about the document. (Not <form>:
 * some frameworks wrap the whole page in one.)
 */
const droppedTags = new Set(
  'script style nav footer aside noscript svg head template iframe button select canvas object embed'.split(' '),
);
const headingLevels: Readonly<Record<string, number>> = { h1: 1, h2: 2, h3: 3, h4: 4, h5: 5, h6: 6 };
/** ARIA roles of page furniture: the same as the tags above, spelled on a <div>. */
const droppedRoles = new Set('navigation contentinfo complementary search dialog alertdialog'.split(' '));
/**
 * Class or id words of furniture that sites build from plain <div>s. Only unambiguous ones: "menu" or
 * "footer" alone may name content (a restaurant's menu, an article's footnotes).
 */
const furnitureWords = new Set('cookie cookies consent gdpr breadcrumb breadcrumbs navbar sidebar'.split(' '));

/** Hidden (the `hidden` attribute, aria-hidden, display:none), or furniture by its role or its class. */
function isFurniture(element: HTMLElement): boolean {
  const attributes = element.attributes;
  if ('hidden' in attributes || attributes['aria-hidden'] === 'true') return true;
  if (/(^|;)\s*(display\s*:\s*none|visibility\s*:\s*hidden)/i.test(attributes.style ?? '')) return true;
  if (droppedRoles.has((attributes.role ?? '').toLowerCase())) return true;
  const words = `${attributes.class ?? ''} ${attributes.id ?? ''}`.toLowerCase().split(/[^a-z0-9]+/);
  return words.some((word) => furnitureWords.has(word));
}

/** Elements that end the running paragraph: everything else is inline and joins it. */
const blockTags = new Set([
  ...'p div section article main header body html blockquote figure figcaption form'.split(' '),
  ...'dl dt dd address details summary fieldset center hr li tr caption'.split(' '),
]);
/** Stands for a <br> while source whitespace (newlines included) collapses to single spaces. */
const lineBreak = '\uE000';

/** HTML (a page, or mammoth's rendering of a DOCX) as headings, paragraphs, lists, tables and code. */
export function parseHtml(html: string): ParsedDocument {
  // node-html-parser keeps declarations (<!doctype>, <?xml?>) as text; they are not content.
  const root = parse(html.replace(/<![a-z][^>]*>|<\?[^>]*\?>/gi, ''), {
    comment: false,
    blockTextElements: { script: true, style: true, noscript: true },
  });
  const title = collapse(root.querySelector('title')?.text ?? '');
  const blocks: ParsedBlock[] = [];
  let inline = '';
  const flush = () => {
    const text = collapse(inline);
    if (text !== '') blocks.push({ kind: 'paragraph', text });
    inline = '';
  };

  const walk = (node: Node): void => {
    if (node.nodeType === NodeType.TEXT_NODE) {
      inline += node.text;
      return;
    }
    if (!(node instanceof HTMLElement)) return;
    const tag = node.rawTagName?.toLowerCase() ?? '';
    if (droppedTags.has(tag) || isFurniture(node)) return;
    const level = headingLevels[tag];
    if (level !== undefined) {
      flush();
      const text = collapse(node.text);
      if (text !== '') blocks.push({ kind: 'heading', level, text });
      return;
    }
    switch (tag) {
      case 'br':
        inline += lineBreak;
        return;
      case 'ul':
      case 'ol':
        flush();
        pushIfText(blocks, 'list', listLines(node, 0).join('\n'));
        return;
      case 'table':
        flush();
        pushIfText(blocks, 'table', tableRows(node).join('\n'));
        return;
      case 'pre':
        flush();
        pushIfText(blocks, 'code', trimBlankLines(node.text));
        return;
      case 'img':
        inline += node.getAttribute('alt') ?? '';
        return;
    }
    const isBlock = blockTags.has(tag);
    if (isBlock) flush();
    for (const child of node.childNodes) walk(child);
    if (isBlock) flush();
  };
  walk(root);
  flush();
  return { blocks, pageCount: null, ...(title !== '' ? { title } : {}) };
}

/** "- item" lines, nested lists indented two spaces per level. */
function listLines(list: HTMLElement, depth: number): string[] {
  const lines: string[] = [];
  const isOrdered = list.rawTagName.toLowerCase() === 'ol';
  let number = 1;
  for (const item of list.childNodes) {
    if (!(item instanceof HTMLElement) || item.rawTagName.toLowerCase() !== 'li') continue;
    const nested: string[] = [];
    let own = '';
    for (const child of item.childNodes) {
      const childTag = child instanceof HTMLElement ? child.rawTagName.toLowerCase() : '';
      if (childTag === 'ul' || childTag === 'ol') nested.push(...listLines(child as HTMLElement, depth + 1));
      else own += ` ${child.text}`;
    }
    const marker = isOrdered ? `${number}.` : '-';
    number += 1;
    lines.push(`${'  '.repeat(depth)}${marker} ${collapse(own)}`, ...nested);
  }
  return lines;
}

/** One "a | b" line per row, header row first as written. */
function tableRows(table: HTMLElement): string[] {
  return table
    .querySelectorAll('tr')
    .map((row) =>
      row.childNodes
        .filter((cell): cell is HTMLElement => cell instanceof HTMLElement && /^t[hd]$/i.test(cell.rawTagName))
        .map((cell) => collapse(cell.text).replaceAll('|', '\\|'))
        .join(' | '),
    )
    .filter((line) => line.replaceAll('|', '').trim() !== '');
}

function pushIfText(blocks: ParsedBlock[], kind: ParsedBlock['kind'], text: string): void {
  if (text.trim() !== '') blocks.push({ kind, text });
}

/** Whitespace runs to one space, keeping the line breaks a <br> asked for. */
function collapse(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .split(lineBreak)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('\n');
}

function trimBlankLines(text: string): string {
  return text.replace(/^\s*\n/, '').trimEnd();
}
