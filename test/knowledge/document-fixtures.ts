import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow } from 'docx';
import { PDFDocument, StandardFonts } from 'pdf-lib';

/** A small document of each format, each with its own distinctive word so a query can find exactly it. */
export interface FormatSample {
  readonly format: string;
  readonly filename: string;
  readonly mediaType: string;
  readonly keyword: string;
  readonly content: () => Promise<Buffer>;
}

export async function pdfWithPages(pages: readonly string[]): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const text of pages) {
    const page = pdf.addPage([595, 842]);
    page.drawText(text, { x: 50, y: 780, size: 12, font, maxWidth: 495, lineHeight: 16 });
  }
  return Buffer.from(await pdf.save());
}

export async function docxWithHeading(heading: string, paragraph: string): Promise<Buffer> {
  const document = new Document({
    sections: [
      {
        children: [
          new Paragraph({ text: heading, heading: HeadingLevel.HEADING_1 }),
          new Paragraph({ text: paragraph }),
          new Table({
            rows: [
              new TableRow({
                children: [
                  new TableCell({ children: [new Paragraph('Plan')] }),
                  new TableCell({ children: [new Paragraph('Price')] }),
                ],
              }),
              new TableRow({
                children: [
                  new TableCell({ children: [new Paragraph('Basic')] }),
                  new TableCell({ children: [new Paragraph('10')] }),
                ],
              }),
            ],
          }),
        ],
      },
    ],
  });
  return Packer.toBuffer(document);
}

const fillerSentences = (count: number) =>
  Array.from(
    { length: count },
    (_, index) => `Visitors sign in at reception desk number ${index + 1} on arrival.`,
  ).join(' ');

const text = (value: string) => async () => Buffer.from(value, 'utf8');

export const formatSamples: readonly FormatSample[] = [
  {
    format: 'pdf',
    filename: 'handbook.pdf',
    mediaType: 'application/pdf',
    keyword: 'aardvark',
    content: () =>
      pdfWithPages([
        'Company handbook. The first page talks about office hours and holidays.',
        // Long enough that the passage at its end starts a chunk of its own, on page 2.
        `${fillerSentences(60)} The aardvark policy: every aardvark must be registered at the front desk before noon.`,
      ]),
  },
  {
    format: 'docx',
    filename: 'pricing.docx',
    mediaType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    keyword: 'bandicoot',
    content: () => docxWithHeading('Pricing', 'The bandicoot plan is billed yearly and includes priority support.'),
  },
  {
    format: 'html',
    filename: 'faq.html',
    mediaType: 'text/html',
    keyword: 'capybara',
    content: text(
      '<!doctype html><html><head><title>FAQ page</title><script>var secret = 1;</script></head><body>' +
        '<nav>Home | About</nav><h1>Frequently asked</h1><p>The capybara room is on the second floor, next to the kitchen.</p>' +
        '</body></html>',
    ),
  },
  {
    format: 'markdown',
    filename: 'guide.md',
    mediaType: 'text/markdown',
    keyword: 'dugong',
    content: text(
      '# Setup guide\n\n## Linux\n\nInstall the dugong package with your package manager, then restart.\n\n- one\n- two\n',
    ),
  },
  {
    format: 'text',
    filename: 'notes.txt',
    mediaType: 'text/plain',
    keyword: 'echidna',
    content: text('Meeting notes.\n\nThe echidna project ships next quarter after the security review.\n'),
  },
  {
    format: 'csv',
    filename: 'inventory.csv',
    mediaType: 'text/csv',
    keyword: 'flamingo',
    content: text('item,count,location\nflamingo statue,3,lobby\numbrella,12,storage\n'),
  },
  {
    format: 'json',
    filename: 'config.json',
    mediaType: 'application/json',
    keyword: 'gazelle',
    content: text(JSON.stringify({ service: { name: 'gazelle gateway', replicas: 3, regions: ['eu', 'us'] } })),
  },
];

/** The first bytes of a PNG: a real image type the knowledge base does not index. */
export const pngBytes = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** Starts like a PDF and then is garbage: detected as a PDF, refused by the parser. */
export const corruptPdfBytes = Buffer.concat([
  Buffer.from('%PDF-1.7\n%\xE2\xE3\xCF\xD3\n', 'latin1'),
  Buffer.alloc(2048, 0x41),
]);
