import { lexer, type MarkedToken, type Token, type Tokens } from 'marked';
import type { ParsedBlock, ParsedDocument } from '../parsed-document.js';
import { parseHtml } from './html.parser.js';

/** Markdown through marked's lexer (CommonMark + GFM tables), its inline markup reduced to plain text. */
export function parseMarkdown(markdown: string): ParsedDocument {
  const blocks: ParsedBlock[] = [];
  collectBlocks(lexer(markdown), blocks);
  const firstHeading = blocks.find((block) => block.kind === 'heading' && block.level === 1);
  return { blocks, pageCount: null, ...(firstHeading ? { title: firstHeading.text } : {}) };
}

function collectBlocks(tokens: readonly Token[], blocks: ParsedBlock[]): void {
  for (const raw of tokens) {
    const token = raw as MarkedToken;
    switch (token.type) {
      case 'heading':
        push(blocks, { kind: 'heading', level: Math.min(Math.max(token.depth, 1), 6), text: inlineText(token.tokens) });
        break;
      case 'paragraph':
      case 'text':
        push(blocks, { kind: 'paragraph', text: inlineText(token.tokens ?? []) || token.text });
        break;
      case 'list':
        push(blocks, { kind: 'list', text: listLines(token, 0).join('\n') });
        break;
      case 'table':
        push(blocks, { kind: 'table', text: tableRows(token).join('\n') });
        break;
      case 'code':
        push(blocks, { kind: 'code', text: token.text });
        break;
      case 'blockquote':
        collectBlocks(token.tokens, blocks);
        break;
      case 'html':
        blocks.push(...parseHtml(token.text).blocks);
        break;
      default:
        // space, hr, def (link reference definitions): nothing to read.
        break;
    }
  }
}

function push(blocks: ParsedBlock[], block: ParsedBlock): void {
  if (block.text.trim() !== '') blocks.push({ ...block, text: block.text.trim() });
}

function listLines(list: Tokens.List, depth: number): string[] {
  const lines: string[] = [];
  const start = typeof list.start === 'number' ? list.start : 1;
  list.items.forEach((item, index) => {
    const marker = list.ordered ? `${start + index}.` : '-';
    const own: string[] = [];
    const nested: string[] = [];
    for (const raw of item.tokens) {
      const child = raw as MarkedToken;
      if (child.type === 'list') nested.push(...listLines(child, depth + 1));
      else if (child.type === 'text' || child.type === 'paragraph')
        own.push(inlineText(child.tokens ?? []) || child.text);
      else if (child.type === 'code') own.push(child.text);
    }
    const checkbox = item.task ? (item.checked ? '[x] ' : '[ ] ') : '';
    lines.push(`${'  '.repeat(depth)}${marker} ${checkbox}${own.join(' ').trim()}`, ...nested);
  });
  return lines;
}

function tableRows(table: Tokens.Table): string[] {
  const row = (cells: readonly Tokens.TableCell[]) => cells.map((cell) => inlineText(cell.tokens)).join(' | ');
  return [row(table.header), ...table.rows.map(row)];
}

/** Emphasis, links and code spans as their visible text; images as their alt text; tags dropped. */
function inlineText(tokens: readonly Token[]): string {
  let text = '';
  for (const raw of tokens) {
    const token = raw as MarkedToken;
    switch (token.type) {
      case 'br':
        text += '\n';
        break;
      case 'html':
        text += token.text.replace(/<[^>]*>/g, '');
        break;
      case 'codespan':
      case 'escape':
      case 'image':
        text += decodeEntities(token.text);
        break;
      case 'checkbox':
        break;
      default:
        text +=
          'tokens' in token && token.tokens
            ? inlineText(token.tokens)
            : decodeEntities('text' in token ? token.text : '');
    }
  }
  return text;
}

// marked's lexer leaves the few entities it escapes itself; the text must read as written.
const entities: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
};

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => entities[entity] ?? entity);
}
