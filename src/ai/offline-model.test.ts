import { generateText, streamText, type TextStreamPart, type ToolSet } from 'ai';
import { describe, expect, it } from 'vitest';
import { createOfflineModel, offlineTitle } from './offline-model.js';

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

  it('falls back to a neutral title for an empty message', () => {
    expect(offlineTitle(' \n ')).toBe('New conversation');
  });
});
