import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generatePdf } from '../../../../../test/fixtures/generate-pdf.js';
import { assertSafePdfStreams } from './pdf-stream-guard.js';

const bounds = { maxStreamBytes: 1024 * 1024, maxTotalBytes: 4 * 1024 * 1024 };
/** Two megabytes of spaces, deflated to a few kilobytes. */
const bomb = deflateSync(Buffer.alloc(2 * 1024 * 1024, 0x20), { level: 9 });

const pdfWith = (dictionary: string, data: Buffer | string, end = '\nendstream\nendobj\n') =>
  Buffer.concat([
    Buffer.from(`%PDF-1.7\n4 0 obj\n<< ${dictionary} >>\nstream\n`, 'latin1'),
    Buffer.from(data),
    Buffer.from(end),
  ]);

function ascii85(data: Buffer): string {
  let text = '';
  for (let at = 0; at < data.length; at += 4) {
    const group = Buffer.alloc(4);
    data.copy(group, 0, at, at + 4);
    let value = group.readUInt32BE(0);
    const digits: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      digits.unshift(String.fromCharCode(33 + (value % 85)));
      value = Math.floor(value / 85);
    }
    text += digits.slice(0, Math.min(4, data.length - at) + 1).join('');
  }
  return `${text}~>`;
}

/**
 * An LZW stream of the pattern that grows fastest, each code the one just being made ("a", "aa", "aaa"…),
 * cleared and begun again whenever the table is full; widths change as PDF's early change says.
 */
function lzwBomb(codesPerTable: number, tables: number): Buffer {
  const codes: Array<[number, number]> = [];
  for (let table = 0; table < tables; table += 1) {
    let width = 9;
    codes.push([256, width], [0x20, width]);
    for (let next = 258; next < 258 + codesPerTable; next += 1) {
      codes.push([next, width]);
      if (next + 1 + 1 >= 1 << width && width < 12) width += 1;
    }
    if (table === tables - 1) codes.push([257, width]);
  }
  const bytes: number[] = [];
  let buffer = 0;
  let bits = 0;
  for (const [code, width] of codes) {
    buffer = (buffer << width) | code;
    bits += width;
    while (bits >= 8) {
      bits -= 8;
      bytes.push((buffer >>> bits) & 0xff);
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) bytes.push((buffer << (8 - bits)) & 0xff);
  return Buffer.from(bytes);
}

describe('assertSafePdfStreams', () => {
  it.each([
    ['Flate', '/Filter /FlateDecode', bomb],
    ['ASCII85 before Flate', '/Filter [/ASCII85Decode /FlateDecode]', ascii85(bomb)],
    ['ASCIIHex before Flate, abbreviated', '/Filter [/AHx /Fl]', `${bomb.toString('hex')}>`],
    ['a filter given by reference', '/Filter 9 0 R', bomb],
  ])('refuses a stream that inflates past its bound: %s', async (_kind, dictionary, data) => {
    await expect(assertSafePdfStreams(pdfWith(dictionary, data), bounds)).rejects.toThrow(
      'A part of the PDF expands to more than 1 MB',
    );
  });

  it('measures LZW and run-length streams as well, without building what they expand to', async () => {
    // 1,500 codes make strings of 1 to 1,501 characters: about 1.1 MB from 2.6 KB.
    const lzw = lzwBomb(1500, 1);
    await expect(assertSafePdfStreams(pdfWith('/Filter /LZWDecode', lzw), bounds)).rejects.toThrow(
      'A part of the PDF expands to more than 1 MB',
    );
    await expect(
      assertSafePdfStreams(pdfWith('/Filter /LZWDecode', lzwBomb(1000, 1)), bounds),
    ).resolves.toBeUndefined();
    // 128 copies of a space per two bytes.
    const runs = Buffer.concat([...Array.from({ length: 9000 }, () => Buffer.from([129, 0x20])), Buffer.from([128])]);
    await expect(assertSafePdfStreams(pdfWith('/Filter /RL', runs), bounds)).rejects.toThrow(
      'A part of the PDF expands to more than 1 MB',
    );
  });

  it('refuses a stream compressed twice over, whose ratios multiply', async () => {
    const twice = deflateSync(bomb);
    await expect(assertSafePdfStreams(pdfWith('/Filter [/FlateDecode /FlateDecode]', twice), bounds)).rejects.toThrow(
      'A part of the PDF is compressed twice over',
    );
  });

  it('finds a stream behind a comment or blank space, and one written after a stream without endstream', async () => {
    const header = (tail: string) =>
      Buffer.concat([Buffer.from(`%PDF-1.7\n5 0 obj\n<< /Filter /FlateDecode >>${tail}`, 'latin1'), bomb]);
    for (const tail of [' %c\nstream\n', '\nstream   \r\n']) {
      await expect(assertSafePdfStreams(header(tail), bounds)).rejects.toThrow('A part of the PDF expands');
    }
    const small = deflateSync(Buffer.from('BT (small) Tj ET'));
    const unterminated = Buffer.concat([
      Buffer.from('%PDF-1.7\n5 0 obj\n<< /Filter /FlateDecode >>\nstream\n', 'latin1'),
      small,
      Buffer.from('\nendobj\n6 0 obj\n<< /Filter /FlateDecode >>\nstream\n', 'latin1'),
      bomb,
      Buffer.from('\nendstream\nendobj\n', 'latin1'),
    ]);
    await expect(assertSafePdfStreams(unterminated, bounds)).rejects.toThrow('A part of the PDF expands');
  });

  it('reads names and white space as pdf.js does: #xx escapes, the /F key, NUL before stream', async () => {
    const twice = deflateSync(bomb);
    for (const dictionary of ['/Filter [/Fl#61teDecode /FlateDecode]', '/F [/FlateDecode /FlateDecode]']) {
      await expect(assertSafePdfStreams(pdfWith(dictionary, twice), bounds)).rejects.toThrow(
        'A part of the PDF is compressed twice over',
      );
    }
    const nul = Buffer.concat([Buffer.from('%PDF-1.7\n4 0 obj\n<< /Filter /FlateDecode >>\0stream\n', 'latin1'), bomb]);
    await expect(assertSafePdfStreams(nul, bounds)).rejects.toThrow('A part of the PDF expands');
  });

  it.each([
    ['/F wins over /Filter, as in pdf.js', '/F /FlateDecode /Filter /LZWDecode', bomb],
    ['a decoy filter in a string', '/Filter /FlateDecode /Title (/F /ASCIIHexDecode)', bomb],
    ['a decoy filter in a nested dictionary', '/Filter /FlateDecode /DecodeParms << /F /AHx >>', bomb],
    ['the text "obj" in the dictionary', '/Filter [/A85 /Fl] /Note (see 3 0 obj)', ascii85(bomb)],
    ['a dictionary longer than 4 KB', `/Filter [/A85 /Fl] /Pad (${'x'.repeat(6000)})`, ascii85(bomb)],
    ['an array of filters with a string in it', '/Filter [/A85 (]) /Fl]', ascii85(bomb)],
  ])('reads the filters of the dictionary itself, not text inside it: %s', async (_kind, dictionary, data) => {
    await expect(assertSafePdfStreams(pdfWith(dictionary, data), bounds)).rejects.toThrow('A part of the PDF expands');
  });

  it('measures a stream whose dictionary cannot be read as Flate, as it stands and after each ASCII encoding', async () => {
    for (const data of [bomb, Buffer.from(ascii85(bomb)), Buffer.from(`${bomb.toString('hex')}>`)]) {
      const unreadable = Buffer.concat([
        Buffer.from('%PDF-1.7\n4 0 obj\n<< /Filter [/A85 /Fl] /Broken (unclosed >>\nstream\n', 'latin1'),
        data,
        Buffer.from('\nendstream\nendobj\n', 'latin1'),
      ]);
      await expect(assertSafePdfStreams(unreadable, bounds)).rejects.toThrow('A part of the PDF expands');
    }
  });

  it('reads a run of comment marks before stream in one pass, and refuses a file built to be read over and over', async () => {
    // A pattern that once backtracked exponentially: each two more marks took four times as long.
    const marks = Buffer.from(`%PDF-1.7\n1 0 obj\n<< /Length 3 >>${'%'.repeat(50_000)}\nX stream\nabc\nendstream\n`);
    await expect(assertSafePdfStreams(marks, bounds)).resolves.toBeUndefined();
    const keywords = Buffer.from(`%PDF-1.7\n1 0 obj\n<< >>${'\nstream\n'.repeat(50_000)}${'x'.repeat(1024 * 1024)}`);
    await expect(assertSafePdfStreams(keywords, bounds)).rejects.toThrow(
      "The PDF's structure is too irregular to check before parsing",
    );
  });

  it('refuses a stream that has no endstream, reading it to the end of the file', async () => {
    await expect(assertSafePdfStreams(pdfWith('/Filter /FlateDecode', bomb, ''), bounds)).rejects.toThrow(
      'A part of the PDF expands',
    );
  });

  it('adds the text streams up, and lets an image inflate to eight times the bound', async () => {
    const halfBomb = deflateSync(Buffer.alloc(900 * 1024, 0x20));
    const many = Buffer.concat(Array.from({ length: 5 }, () => pdfWith('/Filter /FlateDecode', halfBomb)));
    await expect(assertSafePdfStreams(many, bounds)).rejects.toThrow("The PDF's pages expand to more than 4 MB");
    const image = pdfWith('/Subtype /Image /Width 2048 /Height 1024 /Filter /FlateDecode', bomb);
    await expect(assertSafePdfStreams(image, bounds)).resolves.toBeUndefined();
  });

  it('passes an ordinary PDF', async () => {
    const pdf = await generatePdf([{ heading: 'Title', paragraphs: ['Some text on a page.'] }]);
    await expect(assertSafePdfStreams(Buffer.from(pdf), bounds)).resolves.toBeUndefined();
  });
});
