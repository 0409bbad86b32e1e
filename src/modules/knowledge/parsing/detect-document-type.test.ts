import { AlignmentType, Document, HeadingLevel, Packer, Paragraph } from 'docx';
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { generatePdf } from '../../../../test/fixtures/generate-pdf.js';
import {
  detectDocumentType,
  documentMediaTypes,
  unsupportedTextFormat,
  whyTextIsUnreadable,
} from './detect-document-type.js';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('detectDocumentType', () => {
  it('recognises a PDF by its header, whatever it is called', async () => {
    const pdf = await generatePdf([{ paragraphs: ['Hello'] }]);
    expect(detectDocumentType(pdf, 'report.pdf')).toBe('pdf');
    expect(detectDocumentType(pdf, 'notes.txt')).toBe('pdf');
    expect(detectDocumentType(pdf)).toBe('pdf');
  });

  it('takes a text file renamed .pdf as text', () => {
    expect(detectDocumentType(utf8('Just a few words of plain prose.\nAnother line.'), 'report.pdf')).toBe('text');
  });

  it('finds a PDF header after binary junk, but not inside text that mentions one', async () => {
    const pdf = await generatePdf([{ paragraphs: ['Hello'] }]);
    const junk = new Uint8Array([0xff, 0xfe, 0x00, 0x01, 0x80, 0x81]);
    expect(detectDocumentType(new Uint8Array([...junk, ...pdf]))).toBe('pdf');
    // Junk opening with a UTF-16 mark, with a PDF after it that reads as UTF-16 text, is still junk before
    // a PDF: the line above failed now and then, when the generated PDF's random id happened to.
    const readsAsUtf16 = new Uint8Array([0xff, 0xfe, ...new TextEncoder().encode('abcdefgh')]);
    expect(detectDocumentType(new Uint8Array([...readsAsUtf16, ...utf8('%PDF-1.7\n'), ...utf8('a'.repeat(63))]))).toBe(
      'pdf',
    );
    // A genuine UTF-16 text that mentions a header spells it with zero bytes, and stays text.
    const utf16 = new Uint8Array([
      0xff,
      0xfe,
      ...Buffer.from('Every PDF starts with %PDF-1.7 and a comment.', 'utf16le'),
    ]);
    expect(detectDocumentType(utf16, 'notes.txt')).toBe('text');
    expect(detectDocumentType(utf8('# PDF headers\n\nEvery file starts with %PDF-1.7 and a comment.'), 'pdf.md')).toBe(
      'markdown',
    );
  });

  it('recognises a DOCX from its zip parts', async () => {
    const document = new Document({
      sections: [
        {
          children: [new Paragraph({ text: 'Title', heading: HeadingLevel.HEADING_1, alignment: AlignmentType.LEFT })],
        },
      ],
    });
    const docx = new Uint8Array(await Packer.toBuffer(document));
    expect(detectDocumentType(docx.subarray(0, 4096), 'letter.txt')).toBe('docx');
  });

  it('refuses zips that are not Word documents, and other binary files', () => {
    const spreadsheet = zipSync({
      '[Content_Types].xml': strToU8('<Types/>'),
      'xl/workbook.xml': strToU8('<workbook/>'),
    });
    const plainZip = zipSync({ 'photo.txt': strToU8('not a document') });
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
    expect(detectDocumentType(spreadsheet, 'sheet.docx')).toBeNull();
    expect(detectDocumentType(plainZip, 'archive.docx')).toBeNull();
    expect(detectDocumentType(png, 'image.txt')).toBeNull();
  });

  it('reads text saved as Windows-1252 (Latin-1) or UTF-16 with its mark as text', () => {
    const latin1 = new Uint8Array([
      0x43, 0x61, 0x66, 0xe9, 0x20, 0x63, 0x72, 0xe8, 0x6d, 0x65, 0x20, 0x62, 0x72, 0xfb, 0x6c, 0xe9, 0x65,
    ]);
    expect(detectDocumentType(latin1, 'menu.txt')).toBe('text');
    const utf16le = new Uint8Array([0xff, 0xfe, ...Buffer.from('# Menu\n\nCafé crème', 'utf16le')]);
    expect(detectDocumentType(utf16le, 'menu.md')).toBe('markdown');
    const utf16be = Buffer.from('name,price\ncafé,3', 'utf16le').swap16();
    expect(detectDocumentType(new Uint8Array([0xfe, 0xff, ...utf16be]), 'prices.csv')).toBe('csv');
  });

  it('refuses empty files, control-character noise and binary', () => {
    expect(detectDocumentType(new Uint8Array(0), 'empty.txt')).toBeNull();
    expect(detectDocumentType(utf8('   \n\n  '), 'blank.md')).toBeNull();
    expect(detectDocumentType(utf8('ab\u0001\u0002\u0003\u0004cd\u0005\u0006\u0007\u0008'), 'noise.txt')).toBeNull();
    expect(detectDocumentType(new Uint8Array([0x68, 0x69, 0x00, 0x00, 0x68, 0x69]), 'utf16.txt')).toBeNull();
  });

  it('accepts UTF-8 with a BOM and a head cut inside a multi-byte character', () => {
    const bytes = utf8('\uFEFFCafé au lait, crème brûlée');
    expect(detectDocumentType(bytes)).toBe('text');
    expect(detectDocumentType(bytes.subarray(0, bytes.length - 1))).toBe('text');
  });

  it('recognises HTML, JSON, CSV and Markdown by their content', () => {
    expect(detectDocumentType(utf8('<!DOCTYPE html><html><body><p>Hi</p></body></html>'))).toBe('html');
    expect(detectDocumentType(utf8('<!-- saved page -->\n<html lang="en"><p>Hi</p></html>'))).toBe('html');
    expect(detectDocumentType(utf8('{"name": "parley", "tags": ["a", "b"]}'))).toBe('json');
    expect(detectDocumentType(utf8('[{"id": 1}, {"id": 2'))).toBe('json');
    expect(detectDocumentType(utf8('name,age,city\nAda,36,London\nAlan,41,Wilmslow\n'))).toBe('csv');
    // A quoted cell may hold a line break (RFC 4180): still one record, with the others' delimiters.
    const quotedBreak =
      'order,customer,notes\n2077,Ada,"leave at the door"\n2078,Alan,"ring twice\nthen wait"\n2079,Grace,none\n';
    expect(detectDocumentType(utf8(quotedBreak), 'orders.csv')).toBe('csv');
    expect(detectDocumentType(utf8(quotedBreak))).toBe('csv');
    // Lines ended by CR alone, as Excel for Mac's "CSV (Macintosh)" writes them.
    const macintosh = 'name;age;city\rAda;36;London\rAlan;41;"Wilms\rlow"\rGrace;85;Arlington\r';
    expect(detectDocumentType(utf8(macintosh), 'people.csv')).toBe('csv');
    expect(detectDocumentType(utf8(macintosh))).toBe('csv');
    expect(detectDocumentType(utf8('# Install\n\nRun the installer.\n\n- one\n- two\n'))).toBe('markdown');
    expect(detectDocumentType(utf8('Dear team, the meeting moved to Tuesday.'))).toBe('text');
  });

  it('lets the extension choose among text types only when the content fits it', () => {
    const prose = utf8('Dear team, the meeting moved to Tuesday.');
    expect(detectDocumentType(prose, 'notes.md')).toBe('markdown');
    expect(detectDocumentType(prose, 'notes.csv')).toBe('text');
    expect(detectDocumentType(prose, 'notes.json')).toBe('text');
    expect(detectDocumentType(prose, 'notes.html')).toBe('text');
    expect(detectDocumentType(utf8('# Title\n\nBody'), 'README.txt')).toBe('text');
    expect(detectDocumentType(utf8('a;b\n1;2\n3;4\n'), 'data.csv')).toBe('csv');
    expect(detectDocumentType(utf8('<p>Fragment</p>'), 'part.html')).toBe('html');
  });

  it('takes an HTML document as HTML whatever it is called', () => {
    const page = '<!DOCTYPE html>\n<html><head><script>track()</script></head><body><p>Hi</p></body></html>';
    expect(detectDocumentType(utf8(page), 'notes.txt')).toBe('html');
    expect(detectDocumentType(utf8(page), 'notes.md')).toBe('html');
    expect(detectDocumentType(utf8(page), 'data.csv')).toBe('html');
    expect(detectDocumentType(utf8(`\uFEFF  \n${page.toLowerCase()}`), 'notes.txt')).toBe('html');
    expect(detectDocumentType(utf8('<!-- saved page -->\n<HTML lang="en"><p>Hi</p></HTML>'), 'page.txt')).toBe('html');
    const xhtml = '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><p>Hi</p></html>';
    expect(detectDocumentType(utf8(xhtml), 'page.txt')).toBe('html');
  });

  it('keeps Markdown and plain text that only mention HTML as what their name says', () => {
    expect(detectDocumentType(utf8('Wrap the page in <html> and <body> tags.\n<html> comes first.'), 'notes.txt')).toBe(
      'text',
    );
    expect(detectDocumentType(utf8('# Pages\n\nEvery page starts with `<!DOCTYPE html>`.\n'), 'pages.md')).toBe(
      'markdown',
    );
    expect(detectDocumentType(utf8('<!-- toc -->\n# Install\n\n<html> is not needed here.\n'), 'install.md')).toBe(
      'markdown',
    );
    expect(detectDocumentType(utf8('<htmlish> is not a tag we know.'), 'notes.txt')).toBe('text');
  });

  it('refuses RTF, whatever it is called: its control words are not the text', () => {
    const rtf = '{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times New Roman;}}\\f0\\fs24 Hello, world.\\par}';
    expect(detectDocumentType(utf8(rtf), 'letter.rtf')).toBeNull();
    expect(detectDocumentType(utf8(rtf), 'letter.txt')).toBeNull();
    expect(detectDocumentType(utf8(`\r\n${rtf}`))).toBeNull();
    expect(detectDocumentType(utf8('The RTF header is {\\rtf1, then a font table.'), 'notes.txt')).toBe('text');
    expect(unsupportedTextFormat(utf8(rtf))).toBe('RTF');
    expect(unsupportedTextFormat(utf8('Plain words.'))).toBeUndefined();
  });

  it('says why UTF-16 text with its mark cannot be read, rather than that it lacks the mark', () => {
    // "Hi", then half of a surrogate pair and nothing after it.
    const broken = new Uint8Array([0xff, 0xfe, 0x48, 0x00, 0x69, 0x00, 0x3d, 0xd8, 0x20, 0x00, 0x21, 0x00]);
    expect(detectDocumentType(broken, 'notes.txt')).toBeNull();
    expect(whyTextIsUnreadable(broken)).toMatch(/^The file is UTF-16 text with characters that cannot be read/);
  });

  it('names a media type for every document type', () => {
    expect(documentMediaTypes.pdf).toBe('application/pdf');
    expect(documentMediaTypes.docx).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(Object.keys(documentMediaTypes).sort()).toEqual(['csv', 'docx', 'html', 'json', 'markdown', 'pdf', 'text']);
  });
});
