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
