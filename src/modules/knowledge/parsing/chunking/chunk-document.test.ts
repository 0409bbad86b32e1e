import { describe, expect, it } from 'vitest';
import type { ParsedBlock, ParsedDocument } from '../parsed-document.js';
import { chunkDocument } from './chunk-document.js';
import { countTokens } from './count-tokens.js';

const documentOf = (...blocks: ParsedBlock[]): ParsedDocument => ({ blocks, pageCount: null });
const heading = (level: number, text: string): ParsedBlock => ({ kind: 'heading', level, text });
const paragraph = (text: string, page?: number): ParsedBlock => ({
  kind: 'paragraph',
  text,
  ...(page ? { page } : {}),
});
/** `count` distinct sentences of about 12 tokens each. */
const sentences = (count: number, topic = 'retrieval') =>
  Array.from({ length: count }, (_, i) => `Sentence ${i} explains how ${topic} handles case number ${i * 7}.`).join(
    ' ',
  );

describe('chunkDocument', () => {
  it('carries the heading path and keeps headings out of the content', () => {
    const chunks = chunkDocument(
      documentOf(
        heading(1, 'Guide'),
        paragraph('Welcome.'),
        heading(2, 'Installation'),
        heading(3, 'Linux'),
        paragraph('Unpack the tarball.'),
        heading(3, 'Windows'),
        paragraph('Run the installer.'),
        heading(2, 'Support'),
        paragraph('Write to us.'),
      ),
      { maxTokens: 200, overlapTokens: 20 },
    );
    expect(chunks.map(({ content, headingPath }) => ({ content, headingPath }))).toEqual([
      { content: 'Welcome.', headingPath: ['Guide'] },
      { content: 'Unpack the tarball.', headingPath: ['Guide', 'Installation', 'Linux'] },
      { content: 'Run the installer.', headingPath: ['Guide', 'Installation', 'Windows'] },
      { content: 'Write to us.', headingPath: ['Guide', 'Support'] },
    ]);
    expect(chunks.map((chunk) => chunk.position)).toEqual([0, 1, 2, 3]);
  });

  it("keeps a heading nothing comes under as content of its parent's section, so its words stay searchable", () => {
    const chunks = chunkDocument(
      documentOf(
        heading(1, 'Park'),
        heading(2, 'Flamingo lagoon permits are issued at the ranger station'),
        heading(2, 'Opening hours'),
        paragraph('Nine to five.'),
        heading(1, 'Closing words'),
      ),
      { maxTokens: 200, overlapTokens: 0 },
    );
    expect(chunks.map((chunk) => [chunk.headingPath, chunk.content])).toEqual([
      [['Park'], 'Flamingo lagoon permits are issued at the ranger station'],
      [['Park', 'Opening hours'], 'Nine to five.'],
      [[], 'Closing words'],
    ]);
  });

  it('packs small blocks of one page together, and starts a chunk at each new page so a citation names the right one', () => {
    const chunks = chunkDocument(
      documentOf(paragraph('First page text.', 1), paragraph('More on page one.', 1), paragraph('Second page.', 2)),
      { maxTokens: 200, overlapTokens: 0 },
    );
    expect(chunks).toEqual([
      {
        position: 0,
        content: 'First page text.\n\nMore on page one.',
        page: 1,
        headingPath: [],
        tokenCount: countTokens('First page text.\n\nMore on page one.'),
      },
      {
        position: 1,
        content: 'Second page.',
        page: 2,
        headingPath: [],
        tokenCount: countTokens('Second page.'),
      },
    ]);
  });

  it("opens a new page's chunk with the end of the last page's, and names the new page", () => {
    const chunks = chunkDocument(
      documentOf(
        paragraph('Service terms come first. The warranty is described below.', 1),
        paragraph('It lasts five years.', 2),
      ),
      { maxTokens: 200, overlapTokens: 8 },
    );
    expect(chunks.map(({ content, page }) => ({ content, page }))).toEqual([
      { content: 'Service terms come first. The warranty is described below.', page: 1 },
      { content: 'The warranty is described below.\n\nIt lasts five years.', page: 2 },
    ]);
  });

  it('never exceeds maxTokens, cutting a long paragraph on sentence boundaries', () => {
    const text = sentences(80);
    const chunks = chunkDocument(documentOf(paragraph(text, 3)), { maxTokens: 100, overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.tokenCount).toBeLessThanOrEqual(100);
      expect(chunk.tokenCount).toBe(countTokens(chunk.content));
      expect(chunk.content).toMatch(/^Sentence \d+ .*\.$/);
      expect(chunk.page).toBe(3);
    }
    expect(chunks.map((chunk) => chunk.content).join(' ')).toBe(text);
  });

  it('cuts a sentence longer than a chunk on words, and a word longer than a chunk on characters', () => {
    const longSentence = Array.from({ length: 300 }, (_, i) => `w${i}`).join(' ');
    const longWord = 'x'.repeat(2000);
    const chunks = chunkDocument(documentOf(paragraph(longSentence), paragraph(longWord)), {
      maxTokens: 50,
      overlapTokens: 0,
    });
    for (const chunk of chunks) {
      expect(chunk.tokenCount).toBeLessThanOrEqual(50);
      expect(chunk.content).not.toMatch(/x\s+x/);
    }
    const withoutSpaces = (text: string) => text.replace(/\s+/g, '');
    expect(withoutSpaces(chunks.map((chunk) => chunk.content).join(''))).toBe(withoutSpaces(longSentence + longWord));
  });

  it('cuts 200 KB without a single space (a pasted blob) on characters, in a paragraph, a line and a table', () => {
    // Varied letters, so the tokenizer cannot merge them into a few long tokens.
    const blob = Array.from({ length: 200_000 }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join('');
    const table: ParsedBlock = { kind: 'table', text: `${blob}\nrow` };
    const chunks = chunkDocument(documentOf(paragraph(blob), { kind: 'code', text: blob }, table), {
      maxTokens: 512,
      overlapTokens: 64,
    });
    for (const chunk of chunks) expect(chunk.tokenCount).toBeLessThanOrEqual(512);
    const letters = chunks.map((chunk) => chunk.content.replace(/[^a-z]/g, '')).join('');
    expect(letters.length).toBeGreaterThanOrEqual(3 * blob.length);
  });

  it('starts each chunk of a section with the end of the previous one, on a sentence start', () => {
    const chunks = chunkDocument(documentOf(heading(1, 'Intro'), paragraph(sentences(60))), {
      maxTokens: 100,
      overlapTokens: 30,
    });
    expect(chunks.length).toBeGreaterThan(3);
    for (let i = 1; i < chunks.length; i += 1) {
      const previous = chunks[i - 1]!.content;
      const current = chunks[i]!.content;
      const firstSentence = current.slice(0, current.indexOf('.') + 1);
      const overlap = previous.slice(previous.indexOf(firstSentence));
      expect(previous.indexOf(firstSentence)).toBeGreaterThan(0);
      expect(current.startsWith(`${overlap} Sentence`)).toBe(true);
      expect(countTokens(overlap)).toBeLessThanOrEqual(30);
      expect(chunks[i]!.tokenCount).toBeLessThanOrEqual(100);
    }
  });

  it('does not overlap into a new section', () => {
    const chunks = chunkDocument(
      documentOf(heading(1, 'A'), paragraph(sentences(30, 'alpha')), heading(1, 'B'), paragraph(sentences(3, 'beta'))),
      { maxTokens: 100, overlapTokens: 30 },
    );
    const firstOfB = chunks.find((chunk) => chunk.headingPath[0] === 'B');
    expect(firstOfB?.content).toBe(sentences(3, 'beta'));
  });

  it('keeps a table whole when it fits, starting a new chunk for it', () => {
    const table: ParsedBlock = {
      kind: 'table',
      text: ['Plan | Price', 'Basic | 10', 'Pro | 20', 'Team | 50'].join('\n'),
    };
    const chunks = chunkDocument(documentOf(paragraph(sentences(6)), table), { maxTokens: 90, overlapTokens: 0 });
    expect(chunks.map((chunk) => chunk.content)).toContain(table.text);
  });

  it('cuts a table larger than a chunk on rows, repeating the header row in every part', () => {
    const rows = Array.from({ length: 120 }, (_, i) => `item ${i} | ${i * 3} | warehouse ${i % 5}`);
    const table: ParsedBlock = { kind: 'table', text: ['Item | Count | Location', ...rows].join('\n') };
    const chunks = chunkDocument(documentOf(paragraph('Stock levels follow.'), table), {
      maxTokens: 120,
      overlapTokens: 20,
    });
    expect(chunks[0]!.content).toBe('Stock levels follow.');
    const parts = chunks.slice(1);
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts) {
      expect(part.content.split('\n')[0]).toBe('Item | Count | Location');
      expect(part.tokenCount).toBeLessThanOrEqual(120);
    }
    expect(parts.flatMap((part) => part.content.split('\n').slice(1))).toEqual(rows);
  });

  it('cuts a long list and a long code block on lines', () => {
    const list = Array.from({ length: 60 }, (_, i) => `- step ${i}: restart the service`).join('\n');
    const code = Array.from({ length: 60 }, (_, i) => `const value${i} = compute(${i});`).join('\n');
    const chunks = chunkDocument(
      documentOf({ kind: 'list', text: list }, heading(1, 'Code'), { kind: 'code', text: code }),
      { maxTokens: 80, overlapTokens: 0 },
    );
    for (const chunk of chunks) {
      expect(chunk.tokenCount).toBeLessThanOrEqual(80);
      expect(
        chunk.content.split('\n').every((line) => line.startsWith('- step') || line.startsWith('const value')),
      ).toBe(true);
    }
    expect(
      chunks
        .filter((chunk) => chunk.headingPath.length === 0)
        .map((chunk) => chunk.content)
        .join('\n'),
    ).toBe(list);
    expect(
      chunks
        .filter((chunk) => chunk.headingPath[0] === 'Code')
        .map((chunk) => chunk.content)
        .join('\n'),
    ).toBe(code);
  });

  it('skips empty blocks and gives the same chunks for the same input', () => {
    const document = documentOf(
      heading(1, 'Notes'),
      paragraph('   '),
      paragraph(sentences(40)),
      { kind: 'list', text: '\n\n' },
      paragraph('Done.'),
    );
    const first = chunkDocument(document, { maxTokens: 64, overlapTokens: 16 });
    expect(first.every((chunk) => chunk.content.trim() !== '')).toBe(true);
    expect(chunkDocument(document, { maxTokens: 64, overlapTokens: 16 })).toEqual(first);
  });
});

describe('countTokens', () => {
  it('counts o200k tokens, treating special-token text as plain text', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('hello world')).toBe(2);
    expect(countTokens('before <|endoftext|> after')).toBeGreaterThan(3);
  });

  it('counts 8 MB of text in seconds', () => {
    const words = ['ledger', 'invoice', 'quarterly', 'warehouse', 'shipment', 'delay', 'customer', 'refund', 'policy'];
    const parts: string[] = [];
    let length = 0;
    for (let i = 0; length < 8 * 1024 * 1024; i += 1) {
      const sentence = `${words[i % 9]} ${words[(i * 7) % 9]}-${i} ${words[(i * 5) % 9]} ${i % 1000}. `;
      parts.push(sentence);
      length += sentence.length;
    }
    const started = performance.now();
    const tokens = countTokens(parts.join(''));
    const elapsedMs = performance.now() - started;
    expect(tokens).toBeGreaterThan(1_000_000);
    // ~0.5 s on an idle core, ~5 s with the machine's two cores shared sixteen ways: a bound that
    // catches a quadratic slip, not noise.
    expect(elapsedMs).toBeLessThan(20_000);
  });
});
