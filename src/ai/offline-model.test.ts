import { generateText, streamText, type TextStreamPart, type ToolSet } from 'ai';
import { describe, expect, it } from 'vitest';
import { createOfflineModel, offlineTitle } from './offline-model.js';
import { formatPassagesBlock } from './passages-prompt.js';

async function collect(stream: AsyncIterable<TextStreamPart<ToolSet>>): Promise<TextStreamPart<ToolSet>[]> {
  const parts: TextStreamPart<ToolSet>[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

describe('offline model', () => {
  it('streams its notice word by word and reports words as tokens', async () => {
    const result = streamText({ model: createOfflineModel(), prompt: 'What is the capital of France?' });
    const parts = await collect(result.fullStream);

    const deltas = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : []));
    const text = await result.text;
    expect(deltas.length).toBeGreaterThan(20);
    expect(deltas.join('')).toBe(text);
    const usage = await result.usage;
    expect(usage.outputTokens).toBe(text.split(/\s+/).length);
    expect(usage.inputTokens).toBe(6);
    expect(await result.finishReason).toBe('stop');
  });

  it('says that no model is configured, quotes the question, and explains every way to configure one', async () => {
    const { text } = await generateText({ model: createOfflineModel(), prompt: 'What is the capital of France?' });

    expect(text).toContain('"What is the capital of France?"');
    expect(text).toContain('no language model is configured');
    for (const setting of [
      'OPENAI_API_KEY',
      'ANTHROPIC_API_KEY',
      'AZURE_OPENAI_API_KEY',
      'AZURE_OPENAI_RESOURCE_NAME',
      'OLLAMA_BASE_URL',
      'OPENAI_COMPATIBLE_BASE_URL',
      'POST /v1/providers',
      'provider:model',
    ]) {
      expect(text).toContain(setting);
    }
    expect(text).not.toMatch(/Paris/);
  });

  it('gives the same reply to the same conversation', async () => {
    const messages = [
      { role: 'user' as const, content: 'First question' },
      { role: 'assistant' as const, content: 'An earlier reply' },
      { role: 'user' as const, content: 'Second question' },
    ];
    const first = await generateText({ model: createOfflineModel(), messages });
    const second = await generateText({ model: createOfflineModel(), messages });

    expect(first.text).toBe(second.text);
    expect(first.text).toContain('"Second question"');
    expect(first.text).not.toContain('First question');
  });

  it('quotes only the first 60 characters of a long message, on one line', async () => {
    const long = `${'word '.repeat(10)}\n\n${'tail '.repeat(40)}`;
    const { text } = await generateText({ model: createOfflineModel(), prompt: long });

    const quote = /"([^"]*)"/.exec(text)?.[1] ?? '';
    expect(Array.from(quote)).toHaveLength(60);
    expect(quote.endsWith('…')).toBe(true);
    expect(quote).not.toContain('\n');
  });

  it('stops streaming when the call is aborted', async () => {
    const controller = new AbortController();
    const result = streamText({
      model: createOfflineModel({ wordDelayMs: 20 }),
      prompt: 'Hello',
      abortSignal: controller.signal,
    });
    const parts: TextStreamPart<ToolSet>[] = [];
    for await (const part of result.fullStream) {
      parts.push(part);
      if (part.type === 'text-delta') controller.abort();
    }

    expect(parts.filter((part) => part.type === 'text-delta')).toHaveLength(1);
    expect(parts.at(-1)?.type).toBe('abort');
  });

  it('refuses to start a call whose signal is already aborted', async () => {
    const model = createOfflineModel();
    const signal = AbortSignal.abort(new Error('gone'));

    await expect(model.doStream({ prompt: [], abortSignal: signal })).rejects.toThrow('gone');
    await expect(model.doGenerate({ prompt: [], abortSignal: signal })).rejects.toThrow('gone');
  });
});

describe('offlineTitle', () => {
  it('keeps at most six words', () => {
    expect(offlineTitle('How do I reset my password on the mobile app?')).toBe('How do I reset my password');
  });

  it('collapses whitespace and keeps short messages whole', () => {
    expect(offlineTitle('  Refund\n\nplease  ')).toBe('Refund please');
  });

  it('stays within 60 characters by dropping whole words', () => {
    const title = offlineTitle(
      'Supercalifragilistic expialidocious antidisestablishmentarianism pneumonoultramicroscopic',
    );
    expect(title.length).toBeLessThanOrEqual(60);
    expect(title).toBe('Supercalifragilistic expialidocious');
  });

  it('cuts a single overlong word at 60 characters', () => {
    expect(offlineTitle('x'.repeat(100))).toBe('x'.repeat(60));
  });

  it('cuts an overlong word before a family emoji, not inside it', () => {
    expect(offlineTitle(`${'好'.repeat(59)}👨‍👩‍👧‍👦`)).toBe('好'.repeat(59));
  });

  it('falls back to a neutral title for an empty message', () => {
    expect(offlineTitle(' \n ')).toBe('New conversation');
  });
});

describe('offline model with knowledge passages', () => {
  const passages = formatPassagesBlock([
    {
      marker: 1,
      documentTitle: 'Handbook "2026"',
      page: 4,
      headingPath: ['Leave', 'Holidays'],
      content:
        'Every employee gets 25 days of paid holiday per year. Unused holiday days expire in March.\nThe office is closed on public holidays.',
    },
    {
      marker: 2,
      documentTitle: 'Expenses.md',
      page: null,
      headingPath: [],
      content: 'Travel expenses are refunded within 30 days. Receipts must be uploaded.',
    },
    {
      marker: 3,
      documentTitle: 'Tricky',
      page: null,
      headingPath: [],
      content: 'A passage quoting </passage> itself.',
    },
  ]);
  const ask = (question: string, system = passages) =>
    generateText({ model: createOfflineModel(), system, prompt: question }).then((result) => result.text);

  it('answers with the most relevant sentences of the passages, each with its marker', async () => {
    const text = await ask('How many days of paid holiday do employees get?');
    expect(text.startsWith('Every employee gets 25 days of paid holiday per year [1].')).toBe(true);
    expect(text).not.toContain('[2]');
    const sentences = text.match(/\[\d\][.!?]/g) ?? [];
    expect(sentences.length).toBeGreaterThanOrEqual(2);
    expect(sentences.length).toBeLessThanOrEqual(4);
  });

  it('cites the passage that holds the answer, wherever it ranks', async () => {
    expect(await ask('When are travel expenses refunded?')).toContain(
      'Travel expenses are refunded within 30 days [2].',
    );
  });

  it('says plainly when no passage is relevant', async () => {
    expect(await ask('What is the capital of France?')).toBe(
      `I couldn't find anything about "What is the capital of France?" in the knowledge sources.`,
    );
    expect(await ask('Anything about parking?', formatPassagesBlock([]))).toContain("I couldn't find anything");
  });

  it('matches words whatever their Latin accents, as knowledge search does', async () => {
    const cafe = formatPassagesBlock([
      { marker: 1, documentTitle: 'Site', page: null, headingPath: [], content: 'Le café ouvre à sept heures.' },
    ]);
    expect(await ask('When does the cafe open?', cafe)).toContain('Le café ouvre à sept heures [1].');
  });

  it('matches ß and ss either way, as knowledge search does', async () => {
    const street = formatPassagesBlock([
      {
        marker: 1,
        documentTitle: 'Stadt',
        page: null,
        headingPath: [],
        content: 'Die Größe der Straße ist zwölf Meter.',
      },
    ]);
    expect(await ask('Grosse Strasse', street)).toContain('Die Größe der Straße ist zwölf Meter [1].');
    const written = formatPassagesBlock([
      { marker: 1, documentTitle: 'Stadt', page: null, headingPath: [], content: 'Die Strasse ist breit.' },
    ]);
    expect(await ask('Wie breit ist die STRAẞE?', written)).toContain('Die Strasse ist breit [1].');
  });

  it.each([
    ['Chinese', '长城有多长？', '长城全长约两万一千公里。它建于许多朝代。', '长城全长约两万一千公里 [1]。'],
    [
      'Japanese',
      '富士山の標高は？',
      '富士山の標高は3776メートルです。山頂は寒い。',
      '富士山の標高は3776メートルです [1]。',
    ],
    ['Thai', 'กรุงเทพมหานครคืออะไร', 'กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย', 'กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย [1].'],
  ])('answers a question in %s, a language written without spaces', async (_language, question, content, answer) => {
    const passage = formatPassagesBlock([{ marker: 1, documentTitle: 'Doc', page: null, headingPath: [], content }]);
    expect(await ask(question, passage)).toContain(answer);
  });

  it('is deterministic', async () => {
    const question = 'Do holiday days expire?';
    expect(await ask(question)).toBe(await ask(question));
  });
});

describe('offline model with attached files', () => {
  const attachedFile = (filename: string, text: string) => ({
    type: 'text' as const,
    text: `Attached file "${filename}":\n${text}`,
  });
  const askWithFiles = (question: string, files: { type: 'text'; text: string }[], system?: string) =>
    generateText({
      model: createOfflineModel(),
      ...(system && { system }),
      messages: [{ role: 'user', content: [{ type: 'text', text: question }, ...files] }],
    }).then((result) => result.text);
  const orchard = attachedFile(
    'orchard.pdf',
    'The apple code is APL-1000. The cherry code is CHR-3000 and it ships in May. Pears are not stocked.',
  );

  it("answers from an attached file's text, naming the file, when no knowledge source is searched", async () => {
    const text = await askWithFiles('What is the cherry code?', [orchard]);
    expect(text.startsWith('The cherry code is CHR-3000 and it ships in May (from "orchard.pdf").')).toBe(true);
    expect(text).not.toContain('no language model is configured');
  });

  it('reads attached files before the passages, and credits each sentence to its own source', async () => {
    const passages = formatPassagesBlock([
      { marker: 1, documentTitle: 'Catalogue', page: 2, headingPath: [], content: 'The pelican code is PLC-7788.' },
    ]);
    const text = await askWithFiles('Which code is the cherry code, and the pelican code?', [orchard], passages);
    expect(text).toContain('The cherry code is CHR-3000 and it ships in May (from "orchard.pdf").');
    expect(text).toContain('The pelican code is PLC-7788 [1].');
  });

  it('says plainly when neither the files nor the passages hold anything relevant', async () => {
    expect(await askWithFiles('Where is the parking?', [orchard])).toBe(
      `I couldn't find anything about "Where is the parking?" in the attached files.`,
    );
  });
});
