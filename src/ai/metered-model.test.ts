import type { LanguageModelV3StreamPart, LanguageModelV3Usage } from '@ai-sdk/provider';
import { generateText, streamText } from 'ai';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { countTextTokens, defaultReservedOutputTokens } from './call-tokens.js';
import { meteredModel, type CallTokens, type ModelMeter } from './metered-model.js';
import { createOfflineModel } from './offline-model.js';

/** A meter that records what it saw and refuses once `refuseAfter` calls were admitted. */
function recordingMeter(refuseAfter = Number.POSITIVE_INFINITY) {
  const charged: CallTokens[] = [];
  const estimates: CallTokens[] = [];
  let admitted = 0;
  const meter: ModelMeter = {
    admitCall: async (estimate) => {
      if (admitted >= refuseAfter) throw new Error('budget used up');
      admitted += 1;
      estimates.push(await estimate());
      return {
        settle: (use) => {
          charged.push(use);
          return Promise.resolve();
        },
      };
    },
  };
  return { meter, charged, estimates, admitted: () => admitted };
}

const noUsage: LanguageModelV3Usage = {
  inputTokens: { total: undefined, noCache: undefined, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: undefined, text: undefined, reasoning: undefined },
};

const textParts = (words: string[]): LanguageModelV3StreamPart[] => [
  { type: 'stream-start', warnings: [] },
  { type: 'text-start', id: 't' },
  ...words.map((word): LanguageModelV3StreamPart => ({ type: 'text-delta', id: 't', delta: word })),
  { type: 'text-end', id: 't' },
];

/** A stream that sends `parts`, then fails as a dropped connection does. */
function failingAfter(parts: LanguageModelV3StreamPart[]): ReadableStream<LanguageModelV3StreamPart> {
  let sent = 0;
  return new ReadableStream<LanguageModelV3StreamPart>({
    pull(controller) {
      if (sent < parts.length) controller.enqueue(parts[sent++]!);
      else controller.error(new Error('connection reset'));
    },
  });
}

describe('metered model', () => {
  it('charges every finished call, streamed or generated, with the provider’s usage', async () => {
    const { meter, charged } = recordingMeter();
    const model = meteredModel(createOfflineModel(), meter);
    await generateText({ model, prompt: 'one two three' });
    const streamed = streamText({ model, prompt: 'four five' });
    await streamed.consumeStream();
    expect(charged.map((use) => use.inputTokens)).toEqual([3, 2]);
    expect((await streamed.usage).outputTokens).toBe(charged[1]!.outputTokens);
  });

  it('reserves the prompt counted and the longest answer allowed', async () => {
    const { meter, estimates } = recordingMeter();
    const model = meteredModel(createOfflineModel(), meter);
    await generateText({ model, prompt: 'a prompt of some words', maxOutputTokens: 77 });
    await generateText({ model, prompt: 'no maximum named' });
    expect(estimates[0]!.outputTokens).toBe(77);
    expect(estimates[0]!.inputTokens).toBeGreaterThanOrEqual(await countTextTokens('a prompt of some words'));
    expect(estimates[1]!.outputTokens).toBe(defaultReservedOutputTokens);
  });

  it('counts a call itself when the provider reports no usage', async () => {
    const { meter, charged } = recordingMeter();
    const words = ['Hello', ' there,', ' how', ' can', ' I', ' help', ' you', ' today?'];
    const inner = new MockLanguageModelV3({
      doStream: async () => ({
        stream: simulateReadableStream({
          chunks: [
            ...textParts(words),
            { type: 'finish', finishReason: { unified: 'stop', raw: 'stop' }, usage: noUsage },
          ],
        }),
      }),
    });
    await streamText({ model: meteredModel(inner, meter), prompt: 'Hi' }).consumeStream();
    expect(charged).toHaveLength(1);
    expect(charged[0]!.outputTokens).toBe(await countTextTokens(words.join('')));
    expect(charged[0]!.inputTokens).toBeGreaterThan(0);
  });

  it('charges a stream stopped half way its prompt and what it produced, once', async () => {
    const { meter, charged } = recordingMeter();
    const inner = createOfflineModel({ wordDelayMs: 5 });
    const controller = new AbortController();
    const streamed = streamText({
      model: meteredModel(inner, meter),
      prompt: 'Tell me a long story about the sea and the ships upon it and the sailors who sail them',
      abortSignal: controller.signal,
    });
    let received = '';
    for await (const delta of streamed.textStream) {
      received += delta;
      if (received.split(' ').length > 3) controller.abort();
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(charged).toHaveLength(1);
    expect(charged[0]!.inputTokens).toBeGreaterThan(0);
    expect(charged[0]!.outputTokens).toBeGreaterThan(0);
  });

  it('charges a stream that fails mid-way what it produced', async () => {
    const { meter, charged } = recordingMeter();
    const inner = new MockLanguageModelV3({
      doStream: async () => ({
        stream: failingAfter(textParts(['Partial', ' answer'])),
      }),
    });
    await streamText({ model: meteredModel(inner, meter), prompt: 'Hi', onError: () => {} }).consumeStream();
    expect(charged).toEqual([
      { inputTokens: expect.any(Number), outputTokens: await countTextTokens('Partial answer') },
    ]);
  });

  it('charges nothing for a call the provider refused before it started, and never calls a refused one', async () => {
    const { meter, charged, admitted } = recordingMeter(1);
    const failing = new MockLanguageModelV3({
      doGenerate: async () => {
        throw new Error('provider down');
      },
    });
    await expect(generateText({ model: meteredModel(failing, meter), prompt: 'x', maxRetries: 0 })).rejects.toThrow(
      'provider down',
    );
    expect(charged).toEqual([{ inputTokens: 0, outputTokens: 0 }]);
    let called = false;
    const inner = new MockLanguageModelV3({
      doGenerate: async () => {
        called = true;
        throw new Error('unreachable');
      },
    });
    await expect(generateText({ model: meteredModel(inner, meter), prompt: 'y', maxRetries: 0 })).rejects.toThrow(
      'budget used up',
    );
    expect(called).toBe(false);
    expect(admitted()).toBe(1);
  });

  it('keeps the model’s name and provider, so logs and metrics read the same', () => {
    const inner = createOfflineModel();
    const model = meteredModel(inner, recordingMeter().meter);
    expect([model.provider, model.modelId, model.specificationVersion]).toEqual([
      inner.provider,
      inner.modelId,
      inner.specificationVersion,
    ]);
  });
});
