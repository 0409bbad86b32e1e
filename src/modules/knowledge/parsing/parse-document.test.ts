import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Document,
  FootnoteReferenceRun,
  HeadingLevel,
  Packer,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
} from 'docx';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessCode,
  generateLargePdf,
  generatePasswordProtectedPdf,
  generatePdf,
} from '../../../../test/fixtures/generate-pdf.js';
import { AppError } from '../../../platform/errors.js';
import { chunkDocument } from './chunking/chunk-document.js';
import { parseAndChunkDocument, parseDocument } from './parse-document.js';
import type { DocumentType, ParseLimits } from './parsed-document.js';

const limits: ParseLimits = {
  timeoutMs: 30_000,
  maxMemoryMb: 256,
  maxUncompressedBytes: 5 * 1024 * 1024,
  maxCharacters: 10_000_000,
};
let directory = '';

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'parley-parse-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function parseBytes(name: string, bytes: Uint8Array | string, type: DocumentType, parseLimits = limits) {
  const path = join(directory, name);
  await writeFile(path, bytes);
  return parseDocument(path, type, parseLimits);
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe('unprocessable');
  return error as AppError;
}

describe('parseDocument: PDF', () => {
  it('reads every page with its page number, headings from the larger type and the title', async () => {
    const pdf = await generatePdf(
      [
        { heading: 'Installation', paragraphs: ['Download the installer.', 'Run it as an administrator.'] },
        { paragraphs: ['Linux users unpack the tarball instead.'] },
        { heading: 'Support', paragraphs: ['Write to the help desk.'] },
      ],
      'Admin guide',
    );
    const document = await parseBytes('guide.pdf', pdf, 'pdf');
    expect(document.pageCount).toBe(3);
    expect(document.title).toBe('Admin guide');
    expect(document.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Installation', page: 1 },
      { kind: 'paragraph', text: 'Download the installer.', page: 1 },
      { kind: 'paragraph', text: 'Run it as an administrator.', page: 1 },
      { kind: 'paragraph', text: 'Linux users unpack the tarball instead.', page: 2 },
      { kind: 'heading', level: 1, text: 'Support', page: 3 },
      { kind: 'paragraph', text: 'Write to the help desk.', page: 3 },
    ]);
  });

  it('keeps a page set in larger type than the rest as text, its own larger heading still a heading', async () => {
    const small = 'The small print of the warranty covers parts and labour for two years after delivery. '.repeat(4);
    const large = 'Flamingo lagoon permits are issued at the ranger station, in person, between April and June. ';
    const pdf = await generatePdf([
      { heading: 'Warranty', paragraphs: [small.trim()] },
      { heading: 'Permits', paragraphs: [large.repeat(3).trim()], bodySize: 13 },
      { paragraphs: [small.trim()] },
    ]);
    const document = await parseBytes('large-print.pdf', pdf, 'pdf');
    expect(document.blocks.filter((block) => block.page === 2)).toEqual([
      { kind: 'heading', level: 1, text: 'Permits', page: 2 },
      { kind: 'paragraph', text: large.repeat(3).trim(), page: 2 },
    ]);
  });

  it('joins the wrapped lines of a paragraph into one block', async () => {
    const long = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const document = await parseBytes('wrapped.pdf', await generatePdf([{ paragraphs: [long] }]), 'pdf');
    expect(document.blocks).toEqual([{ kind: 'paragraph', text: long, page: 1 }]);
  });

  it('drops running footers that recur on most pages', async () => {
    const pages = [1, 2, 3, 4].map((n) => ({
      heading: `Part ${n}`,
      paragraphs: [`Body of part ${n}.`],
      footer: `ACME confidential - page ${n} of 4`,
    }));
    const document = await parseBytes('footers.pdf', await generatePdf(pages), 'pdf');
    expect(document.blocks.map((block) => block.text)).toEqual(
      [1, 2, 3, 4].flatMap((n) => [`Part ${n}`, `Body of part ${n}.`]),
    );
  });

  it('refuses a password-protected PDF, saying how to fix it', async () => {
    const error = await refusal(parseBytes('locked.pdf', generatePasswordProtectedPdf(), 'pdf'));
    expect(error.message).toBe('The PDF is password-protected; upload it without a password');
  });

  it('refuses a damaged PDF', async () => {
    const error = await refusal(parseBytes('broken.pdf', '%PDF-1.7\nnot really a PDF body\n%%EOF\n', 'pdf'));
    expect(error.message).toBe('The file is not a valid PDF (it may be damaged)');
  });

  it('refuses a PDF without a text layer', async () => {
    const error = await refusal(parseBytes('scan.pdf', await generatePdf([{ paragraphs: [] }]), 'pdf'));
    expect(error.message).toMatch(/no text layer/);
  });
});

describe('parseDocument: a 500-page PDF', () => {
  it('is parsed and chunked well within a minute, every fact on its own page', { timeout: 180_000 }, async () => {
    const pdf = await generateLargePdf(500);
    const started = performance.now();
    const document = await parseBytes('manual.pdf', pdf, 'pdf', { ...limits, timeoutMs: 120_000 });
    const chunks = chunkDocument(document, { maxTokens: 512, overlapTokens: 64 });
    const elapsedMs = performance.now() - started;
    expect(document.pageCount).toBe(500);
    expect(chunks.length).toBeGreaterThanOrEqual(500);
    for (const page of [1, 250, 500]) {
      const chunk = chunks.find((candidate) => candidate.content.includes(`${accessCode(page)}.`));
      expect(chunk?.page).toBe(page);
      expect(chunk?.headingPath).toEqual([`Section ${page}`]);
    }
    // Measured 5–6 s on an idle 2-core machine; the bound leaves room for a loaded CI runner.
    expect(elapsedMs).toBeLessThan(45_000);
  });
});

describe('parseDocument: DOCX', () => {
  it('keeps headings, list items and table rows', async () => {
    const cell = (text: string) => new TableCell({ children: [new Paragraph(text)] });
    const word = new Document({
      sections: [
        {
          children: [
            new Paragraph({ text: 'Quarterly report', heading: HeadingLevel.HEADING_1 }),
            new Paragraph('Revenue grew in every region.'),
            new Paragraph({ text: 'Regions', heading: HeadingLevel.HEADING_2 }),
            new Paragraph({ text: 'North', bullet: { level: 0 } }),
            new Paragraph({ text: 'South', bullet: { level: 0 } }),
            new Table({
              rows: [
                new TableRow({ children: [cell('Region'), cell('Revenue')] }),
                new TableRow({ children: [cell('North'), cell('120')] }),
              ],
            }),
          ],
        },
      ],
    });
    const document = await parseBytes('report.docx', new Uint8Array(await Packer.toBuffer(word)), 'docx');
    expect(document.pageCount).toBeNull();
    expect(document.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Quarterly report' },
      { kind: 'paragraph', text: 'Revenue grew in every region.' },
      { kind: 'heading', level: 2, text: 'Regions' },
      { kind: 'list', text: '- North\n- South' },
      { kind: 'table', text: 'Region | Revenue\nNorth | 120' },
    ]);
  });

  it("keeps a DOCX footnote's text, its reference not spelled [1] like a citation marker", async () => {
    const word = new Document({
      sections: [
        {
          children: [
            new Paragraph({
              children: [
                new TextRun('Leave is granted under policy HR-7731-Q.'),
                new FootnoteReferenceRun({ children: [new Paragraph('Policy HR-7731-Q was revised in 2025.')] }),
              ],
            }),
          ],
        },
      ],
    });
    const document = await parseBytes('policy.docx', new Uint8Array(await Packer.toBuffer(word)), 'docx');
    const text = document.blocks.map((block) => block.text).join('\n');
    expect(text).toContain('Leave is granted under policy HR-7731-Q. (note 1)');
    expect(text).toContain('Policy HR-7731-Q was revised in 2025.');
    expect(text).not.toMatch(/\[1\]|↑/);
  });

  it('refuses a zip bomb by its declared size before inflating it', async () => {
    const bomb = zipSync(
      {
        '[Content_Types].xml': strToU8('<Types/>'),
        'word/document.xml': [new Uint8Array(40 * 1024 * 1024), { level: 9 }],
      },
      {},
    );
    expect(bomb.length).toBeLessThan(200_000);
    const error = await refusal(parseBytes('bomb.docx', bomb, 'docx'));
    expect(error.message).toBe(
      'The DOCX expands to more than 5 MB, more than this server parses; split it into smaller files (or it is a zip bomb)',
    );
  });

  it('refuses a zip bomb that declares a small size', async () => {
    const bomb = zipSync(
      {
        '[Content_Types].xml': strToU8('<Types/>'),
        'word/document.xml': [new Uint8Array(40 * 1024 * 1024), { level: 9 }],
      },
      {},
    );
    declareUncompressedSize(bomb, 'word/document.xml', 1000);
    const error = await refusal(parseBytes('lying-bomb.docx', bomb, 'docx'));
    expect(error.message).toMatch(/do not match their declared sizes/);
  });

  it('refuses a small DOCX whose text runs past the character bound, before handing it over', async () => {
    // One run of 3 million characters compresses to a few kilobytes: the file's size says nothing of its text.
    const word = new Document({ sections: [{ children: [new Paragraph('word '.repeat(600_000))] }] });
    const file = await Packer.toBuffer(word);
    expect(file.length).toBeLessThan(100_000);
    const error = await refusal(parseBytes('long.docx', file, 'docx', { ...limits, maxCharacters: 1_000_000 }));
    expect(error.message).toBe(
      'The document holds 3 million characters of text, more than the 1 million a document may have; split it into smaller files',
    );
    const shortEnough = await parseBytes('long.docx', file, 'docx', { ...limits, maxCharacters: 3_000_000 });
    expect(shortEnough.blocks.map((block) => block.text.length)).toEqual([2_999_999]);
  });

  it('refuses a zip that is not a Word document, and bytes that are not a zip', async () => {
    const notWord = zipSync({ '[Content_Types].xml': strToU8('<Types/>'), 'xl/workbook.xml': strToU8('<workbook/>') });
    expect((await refusal(parseBytes('sheet.docx', notWord, 'docx'))).message).toMatch(/no word\/document.xml/);
    expect((await refusal(parseBytes('junk.docx', 'PK\u0003\u0004 truncated', 'docx'))).message).toMatch(
      /not a valid DOCX/,
    );
  });
});

describe('parseDocument: HTML, Markdown and text formats', () => {
  it('reads an HTML page without its scripts, navigation and footer', async () => {
    const html = `<!doctype html><html><head><title>Pricing &amp; plans</title><style>p{color:red}</style></head>
      <body><nav><a href="/">Home</a></nav><script>alert(1)</script>
      <main><h1>Pricing</h1><p>Our plans start at <b>$10</b>
      per month.</p>
      <ul><li>Basic</li><li>Pro<ul><li>Annual</li></ul></li></ul>
      <table><tr><th>Plan</th><th>Price</th></tr><tr><td>Basic</td><td>10</td></tr></table>
      <pre><code>curl -X GET /plans &amp;&amp; echo ok</code></pre>
      <div>Loose text<br>on two lines</div></main>
      <aside>Related</aside><footer>© Parley</footer></body></html>`;
    const document = await parseBytes('page.html', html, 'html');
    expect(document.title).toBe('Pricing & plans');
    expect(document.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Pricing' },
      { kind: 'paragraph', text: 'Our plans start at $10 per month.' },
      { kind: 'list', text: '- Basic\n- Pro\n  - Annual' },
      { kind: 'table', text: 'Plan | Price\nBasic | 10' },
      { kind: 'code', text: 'curl -X GET /plans && echo ok' },
      { kind: 'paragraph', text: 'Loose text\non two lines' },
    ]);
  });

  it('leaves out hidden elements and furniture built from plain divs, keeping a menu that is content', async () => {
    const html = `<html><body>
      <div class="cookie-banner">We use cookies. Accept all?</div>
      <div role="navigation">Home · Shop · Blog</div>
      <div class="breadcrumbs">Home › Shop</div>
      <h1>Lunch</h1><p>Served from noon.</p>
      <div class="menu"><p>Soup of the day, 6 euros.</p></div>
      <p hidden>Old prices</p><p style="display: none">Hidden promo</p><span aria-hidden="true">★★★</span>
      <div id="sidebar">Popular posts</div><div role="contentinfo">© Bistro</div>
      </body></html>`;
    const document = await parseBytes('lunch.html', html, 'html');
    expect(document.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Lunch' },
      { kind: 'paragraph', text: 'Served from noon.' },
      { kind: 'paragraph', text: 'Soup of the day, 6 euros.' },
    ]);
  });

  it('reads Markdown headings, paragraphs, lists, tables and code', async () => {
    const markdown = [
      '# Guide',
      '',
      'Read **this** [first](https://example.com) &amp; `carefully`.',
      '',
      '## Steps',
      '',
      '1. Install',
      '2. Configure',
      '   - edit `config.yml`',
      '',
      '| Key | Value |',
      '|-----|-------|',
      '| a   | 1     |',
      '',
      '```sh',
      'npm start',
      '```',
      '',
      '> Quoted note.',
    ].join('\n');
    const document = await parseBytes('guide.md', markdown, 'markdown');
    expect(document.title).toBe('Guide');
    expect(document.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Guide' },
      { kind: 'paragraph', text: 'Read this first & carefully.' },
      { kind: 'heading', level: 2, text: 'Steps' },
      { kind: 'list', text: '1. Install\n2. Configure\n  - edit config.yml' },
      { kind: 'table', text: 'Key | Value\na | 1' },
      { kind: 'code', text: 'npm start' },
      { kind: 'paragraph', text: 'Quoted note.' },
    ]);
  });

  it('reads plain text as paragraphs, dropping a BOM', async () => {
    const document = await parseBytes('notes.txt', '\uFEFFFirst paragraph\nstill first.\r\n\r\nSecond.\n\n\n', 'text');
    expect(document.blocks).toEqual([
      { kind: 'paragraph', text: 'First paragraph\nstill first.' },
      { kind: 'paragraph', text: 'Second.' },
    ]);
    const oldMac = await parseBytes('mac.txt', 'Line one\rline two\r\rNext paragraph.\r', 'text');
    expect(oldMac.blocks).toEqual([
      { kind: 'paragraph', text: 'Line one\nline two' },
      { kind: 'paragraph', text: 'Next paragraph.' },
    ]);
  });

  it('drops NUL characters, which the database cannot store, and a block they alone made', async () => {
    // Past the first bytes, from which the type was told to be text.
    const text = `${'Plain words. '.repeat(1000)}\n\nA late\0 NUL.\n\n\0\0\n\nThe end.`;
    const document = await parseBytes('late-nul.txt', text, 'text');
    expect(document.blocks.map((block) => block.text)).toEqual([
      'Plain words. '.repeat(1000).trim(),
      'A late NUL.',
      'The end.',
    ]);
  });

  it('reads CSV as one table with its header row first, honouring quotes', async () => {
    const csv = 'name,comment\nAda,"likes ""maths"", and engines"\n"Alan","multi\nline"\n';
    const document = await parseBytes('people.csv', csv, 'csv');
    expect(document.blocks).toEqual([
      { kind: 'table', text: 'name | comment\nAda | likes "maths", and engines\nAlan | multi line' },
    ]);
    const semicolons = await parseBytes('semi.csv', 'a;b;c\r\n1;;"x|y"\r\n\r\n2;3;', 'csv');
    expect(semicolons.blocks).toEqual([{ kind: 'table', text: 'a | b | c\n1 |  | x\\|y\n2 | 3 | ' }]);
  });

  it('pretty-prints JSON so it can be cut on lines', async () => {
    const document = await parseBytes('data.json', '{"a":1,"b":[true,null]}', 'json');
    expect(document.blocks).toEqual([{ kind: 'code', text: '{\n  "a": 1,\n  "b": [\n    true,\n    null\n  ]\n}' }]);
  });

  it('refuses invalid JSON, saying where', async () => {
    expect((await refusal(parseBytes('bad.json', '{"a":\n1,,}', 'json'))).message).toMatch(
      /^The file is not valid JSON \(near line 2\)/,
    );
  });

  it('reads text saved as Windows-1252 or UTF-16 (with its mark)', async () => {
    const latin1 = new Uint8Array([0x43, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x35]);
    expect((await parseBytes('latin1.txt', latin1, 'text')).blocks.map((block) => block.text)).toEqual(['Café €5']);
    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from('Crème brûlée', 'utf16le')]);
    expect((await parseBytes('utf16.txt', utf16, 'text')).blocks.map((block) => block.text)).toEqual(['Crème brûlée']);
  });

  it('refuses text past the character bound, counting what was extracted', async () => {
    const error = await refusal(parseBytes('long.txt', 'a'.repeat(1500), 'text', { ...limits, maxCharacters: 1000 }));
    expect(error.message).toBe(
      'The document holds 1,500 characters of text, more than the 1,000 a document may have; split it into smaller files',
    );
  });

  it('refuses a document with no text', async () => {
    expect((await refusal(parseBytes('empty.html', '<html><script>x()</script></html>', 'html'))).message).toBe(
      'The HTML file has no text to index',
    );
  });

  it('refuses a file that is missing from storage', async () => {
    const error = await refusal(parseDocument(join(directory, 'missing.txt'), 'text', limits));
    expect(error.message).toMatch(/could not be read/);
  });
});

describe('parseAndChunkDocument', () => {
  it('returns the document and the chunks chunkDocument gives for it, made in the worker', async () => {
    const path = join(directory, 'chunked.md');
    await writeFile(path, '# Setup\n\nInstall it.\n\n## Linux\n\nUnpack the tarball.\n');
    const options = { maxTokens: 64, overlapTokens: 8 };
    const { document, chunks } = await parseAndChunkDocument(path, 'markdown', limits, options);
    expect(chunks).toEqual(chunkDocument(document, options));
    expect(chunks.map((chunk) => [chunk.headingPath, chunk.content])).toEqual([
      [['Setup'], 'Install it.'],
      [['Setup', 'Linux'], 'Unpack the tarball.'],
    ]);
  });
});

describe('parseDocument: the process', () => {
  // The message ports and threads holding the process open; the pool's idle workers must not be among
  // them, or `parley import` waited out their 30 s idle time after its work was done.
  const holdingOpen = () => process.getActiveResourcesInfo().filter((kind) => /MessagePort|Worker/.test(kind));

  it('is not held open by the workers waiting for the next parse, even after a parser printed', async () => {
    const before = holdingOpen();
    // pdf.js warns (prints) about a damaged file before refusing it.
    await refusal(parseBytes('printing.pdf', '%PDF-1.4\n1 0 obj << /Type /Catalog >>\ntrailer <<>>\n%%EOF', 'pdf'));
    expect((await parseBytes('after.txt', 'Parsed.', 'text')).blocks).toHaveLength(1);
    expect(holdingOpen()).toEqual(before);
  });
});

describe('parseDocument: bounds', () => {
  it('stops a parse that takes longer than its time limit', async () => {
    const started = performance.now();
    // Several megabytes of paragraphs: more than 5 ms of work even for a warm worker.
    const text = 'Some text in a paragraph of its own.\n\n'.repeat(150_000);
    const error = await refusal(parseBytes('slow.txt', text, 'text', { ...limits, timeoutMs: 5 }));
    expect(error.message).toBe('Parsing took longer than 5 ms');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('stops a parse when its signal aborts', async () => {
    const path = join(directory, 'aborted.txt');
    await writeFile(path, 'Some text.');
    const controller = new AbortController();
    const parsing = parseDocument(path, 'text', limits, controller.signal);
    controller.abort(new Error('upload deleted'));
    await expect(parsing).rejects.toThrow('upload deleted');
    await expect(parseDocument(path, 'text', limits, controller.signal)).rejects.toThrow('upload deleted');
  });

  it('refuses a file whose parse needs more memory than allowed', async () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => `{"id":${i},"name":"item ${i}","tags":["a","b","c"]}`);
    const error = await refusal(parseBytes('huge.json', `[${rows.join(',')}]`, 'json', { ...limits, maxMemoryMb: 16 }));
    expect(error.message).toBe('Parsing the file needed more than 16 MB of memory; split it into smaller files');
  });
});

/** Rewrites an entry's uncompressed size in its local header and central directory record. */
function declareUncompressedSize(zip: Uint8Array, fileName: string, size: number): void {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const name = strToU8(fileName);
  const hasNameAt = (offset: number) => name.every((byte, i) => zip[offset + i] === byte);
  for (let offset = 0; offset + 46 < zip.length; offset += 1) {
    const signature = view.getUint32(offset, true);
    if (signature === 0x04034b50 && hasNameAt(offset + 30)) view.setUint32(offset + 22, size, true);
    if (signature === 0x02014b50 && hasNameAt(offset + 46)) view.setUint32(offset + 24, size, true);
  }
}
