import type { ParsedBlock, ParsedDocument } from '../parsed-document.js';
import { countTokens, countTokensUpTo } from './count-tokens.js';
import { overlapTail, splitProse, type MeasuredText } from './split-text.js';

export interface Chunk {
  /** 0-based order in the document. */
  readonly position: number;
  readonly content: string;
  /** Page of the chunk's own text (not its overlap), which never spans pages; null for unpaged formats. */
  readonly page: number | null;
  /** e.g. ['Installation', 'Linux']. */
  readonly headingPath: readonly string[];
  readonly tokenCount: number;
}

export interface ChunkOptions {
  readonly maxTokens: number;
  readonly overlapTokens: number;
}

/** A unit the packer places: a whole block, or one part of a block too large for a chunk. */
interface Unit extends MeasuredText {
  readonly page: number | null;
  /** Joins this unit to the one before it in a chunk: blocks by a blank line, parts of a block by their own separator. */
  readonly joiner: string;
  /** A part of a table after its first rows: a chunk it starts repeats the header row instead of overlapping. */
  readonly tableHeader?: MeasuredText;
  /** The first rows of a table too large for one chunk: they open a chunk of their own, without overlap. */
  readonly opensChunk?: boolean;
}

/**
 * Cuts a parsed document into chunks of at most `maxTokens` (o200k) tokens, in reading order. Whole
 * blocks of one page are packed together; a block too large for one chunk is cut on its natural seams
 * (rows, items, lines, sentences, then words). Within a section, each chunk starts with the end of the
 * previous one (~overlapTokens, on a sentence start); a heading starts a new section and a new chunk
 * without overlap. Headings are not repeated in the content: every chunk carries its headingPath.
 * Deterministic: the same document and options give the same chunks.
 */
export function chunkDocument(document: ParsedDocument, options: ChunkOptions): Chunk[] {
  const maxTokens = Math.max(8, Math.floor(options.maxTokens));
  // At most half the chunk: parts of a large block must still fit next to an overlap.
  const overlapTokens = Math.min(Math.max(0, Math.floor(options.overlapTokens)), Math.floor(maxTokens / 2));
  const packer = new ChunkPacker(maxTokens, overlapTokens);
  const headings: { level: number; text: string }[] = [];
  const partTokens = Math.max(1, maxTokens - overlapTokens - 2);
  /** The last heading, while nothing has come under it yet. */
  let bare: (ParsedBlock & { level: number }) | undefined;
  // A heading nothing comes under (followed by a sibling, or by the end) would leave the index with its
  // text: it is kept as content of its parent's section. A PDF line read as a heading is such a case.
  const keepBareHeading = () => {
    if (!bare) return;
    packer.startSection(headings.slice(0, -1).map((heading) => heading.text));
    const text = bare.text.trim();
    for (const unit of blockUnits({ ...bare, kind: 'paragraph' }, text, maxTokens, partTokens)) packer.add(unit);
    bare = undefined;
  };
  for (const block of document.blocks) {
    const text = block.text.trim();
    if (text === '') continue;
    if (block.kind === 'heading') {
      const level = block.level ?? 1;
      if (bare && level <= bare.level) keepBareHeading();
      while ((headings.at(-1)?.level ?? 0) >= level) headings.pop();
      headings.push({ level, text: text.replace(/\s+/g, ' ') });
      packer.startSection(headings.map((heading) => heading.text));
      bare = { ...block, level };
      continue;
    }
    bare = undefined;
    for (const unit of blockUnits(block, text, maxTokens, partTokens)) packer.add(unit);
  }
  keepBareHeading();
  packer.flush();
  return packer.chunks;
}

/** The block whole when it fits a chunk; otherwise its parts, each small enough to sit next to an overlap. */
function blockUnits(block: ParsedBlock, text: string, maxTokens: number, partTokens: number): Unit[] {
  const page = block.page ?? null;
  const tokens = countTokensUpTo(text, maxTokens);
  if (tokens !== null) return [{ text, tokens, page, joiner: '\n\n' }];
  switch (block.kind) {
    case 'table':
      return tableUnits(text, partTokens, page);
    case 'list':
    case 'code':
      return lineUnits(text, partTokens, page);
    case 'paragraph':
    case 'heading':
      return withFirstJoiner(proseUnits(text, partTokens, page));
  }
}

function proseUnits(text: string, partTokens: number, page: number | null): Unit[] {
  return splitProse(text, partTokens).map((part) => ({ ...part, page, joiner: part.continuesWord ? '' : ' ' }));
}

/** Lines packed into parts; a line too long on its own is cut as prose. */
function lineUnits(text: string, partTokens: number, page: number | null): Unit[] {
  return withFirstJoiner(
    text.split('\n').flatMap((line): Unit[] => {
      if (line.trim() === '') return [];
      const tokens = countTokensUpTo(line, partTokens);
      if (tokens !== null) return [{ text: line, tokens, page, joiner: '\n' }];
      return withJoiner(proseUnits(line, partTokens, page), '\n');
    }),
  );
}

/** Rows as units; every row after the header remembers it, so a chunk that starts mid-table repeats it. */
function tableUnits(text: string, partTokens: number, page: number | null): Unit[] {
  const [headerLine = '', ...rows] = text.split('\n');
  const headerTokens = countTokensUpTo(headerLine, Math.floor(partTokens / 2));
  // A header too large to repeat (a very wide table) is kept only where it stands.
  const header = headerTokens !== null ? { text: headerLine, tokens: headerTokens } : undefined;
  const rowTokens = header ? partTokens - header.tokens - 1 : partTokens;
  const units = lineUnits([headerLine, ...rows].join('\n'), rowTokens, page);
  return units.map((unit, index) =>
    index === 0 ? { ...unit, opensChunk: true } : header === undefined ? unit : { ...unit, tableHeader: header },
  );
}

function withFirstJoiner(units: Unit[]): Unit[] {
  return withJoiner(units, '\n\n');
}

function withJoiner(units: Unit[], joiner: string): Unit[] {
  const [first, ...rest] = units;
  return first === undefined ? [] : [{ ...first, joiner }, ...rest];
}

/** Packs units into chunks in order; see chunkDocument for the rules. */
class ChunkPacker {
  readonly chunks: Chunk[] = [];
  private headingPath: readonly string[] = [];
  /** The chunk being filled: an overlap or table header first (not content on its own), then units. */
  private parts: { text: string; tokens: number; joiner: string; page: number | null }[] = [];
  private hasLead = false;
  private tokens = 0;
  private page: number | null = null;
  private hasContent = false;
  /** The end of the last chunk of this section, to start the next one with. */
  private tail: MeasuredText | null = null;

  constructor(
    private readonly maxTokens: number,
    private readonly overlapTokens: number,
  ) {}

  startSection(headingPath: readonly string[]): void {
    this.flush();
    this.tail = null;
    this.headingPath = headingPath;
  }

  add(unit: Unit): void {
    // A chunk's text stays on one page (its overlap aside), so the page a citation gives is the text's.
    const isSamePage = unit.page === this.page;
    if (this.hasContent && isSamePage && !unit.opensChunk && this.tokens + 1 + unit.tokens <= this.maxTokens) {
      this.append(unit, unit.joiner);
      return;
    }
    this.flush();
    const lead = unit.opensChunk ? null : (unit.tableHeader ?? this.tail);
    if (lead && lead.tokens + 1 + unit.tokens <= this.maxTokens) {
      this.parts.push({ text: lead.text, tokens: lead.tokens, joiner: '', page: unit.page });
      this.tokens = lead.tokens;
      this.hasLead = true;
    }
    this.page = unit.page;
    this.hasContent = true;
    // After an overlap the unit continues prose or lines; after a table header it is the next row.
    this.append(unit, unit.tableHeader ? '\n' : unit.joiner);
  }

  flush(): void {
    if (!this.hasContent) {
      this.reset();
      return;
    }
    let content = this.joinedParts();
    let tokenCount = countTokens(content);
    // Joining can cost a token more than the parts' sum: give up the lead, else move the last unit on.
    if (tokenCount > this.maxTokens && this.hasLead) {
      this.parts.shift();
      this.hasLead = false;
      content = this.joinedParts();
      tokenCount = countTokens(content);
    }
    if (tokenCount > this.maxTokens && this.parts.length > 1) {
      const last = this.parts.pop()!;
      this.tokens -= last.tokens + 1;
      this.flush();
      this.add(last);
      return;
    }
    this.chunks.push({
      position: this.chunks.length,
      content,
      page: this.page,
      headingPath: this.headingPath,
      tokenCount,
    });
    this.tail = overlapTail(content, this.overlapTokens);
    this.reset();
  }

  private joinedParts(): string {
    return this.parts.map((part, index) => (index === 0 ? part.text : part.joiner + part.text)).join('');
  }

  private append(unit: Unit, joiner: string): void {
    if (this.parts.length > 0) this.tokens += 1;
    this.parts.push({
      text: unit.text,
      tokens: unit.tokens,
      joiner: this.parts.length > 0 ? joiner : '',
      page: unit.page,
    });
    this.tokens += unit.tokens;
  }

  private reset(): void {
    this.parts = [];
    this.tokens = 0;
    this.page = null;
    this.hasContent = false;
    this.hasLead = false;
  }
}
