import { APICallError, type LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { MockLanguageModelV3, simulateReadableStream } from 'ai/test';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../platform/metrics.js';
import { streamModelReply, type ModelStreamEvent } from './model-stream.js';

const usage = {
  inputTokens: { total: 12, noCache: 12, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 5, text: 3, reasoning: 2 },
};
const finish: LanguageModelV3StreamPart = { type: 'finish', usage, finishReason: { unified: 'stop', raw: 'stop' } };

function modelStreaming(parts: LanguageModelV3StreamPart[]) {
  return new MockLanguageModelV3({ doStream: async () => ({ stream: simulateReadableStream({ chunks: parts }) }) });
}

async function reply(model: MockLanguageModelV3, maxRetries = 0) {
  const events: ModelStreamEvent[] = [];
  const result = await streamModelReply(
    { metrics: createMetrics(), maxRetries, stallTimeoutMs: 60_000 },
    {
      model,
      providerName: 'mock',
      metricLabels: { provider: 'mock', model: 'mock-model' },
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'Again' },
      ],
      temperature: 0.2,
      maxOutputTokens: 100,
      timeoutMs: 5_000,
    },
    (event) => events.push(event),
  );
  return { events, result };
}

describe('streamModelReply', () => {
  it('passes each non-empty delta on as it comes and reports text, usage and finish reason', async () => {
    const model = modelStreaming([
      { type: 'stream-start', warnings: [] },
      { type: 'reasoning-start', id: 'r' },
      { type: 'reasoning-delta', id: 'r', delta: 'Think' },
      { type: 'reasoning-end', id: 'r' },
      { type: 'text-start', id: 't' },
      { type: 'text-delta', id: 't', delta: '' },
      { type: 'text-delta', id: 't', delta: 'Hel' },
      { type: 'text-delta', id: 't', delta: 'lo' },
      { type: 'text-end', id: 't' },
      finish,
    ]);
    const { events, result } = await reply(model);

    expect(events).toEqual([
      { type: 'reasoning-delta', delta: 'Think' },
      { type: 'text-delta', delta: 'Hel' },
      { type: 'text-delta', delta: 'lo' },
    ]);
    expect(result).toMatchObject({
      text: 'Hello',
      reasoning: 'Think',
      usage: { inputTokens: 12, outputTokens: 5, reasoningTokens: 2, totalTokens: 17 },
      finishReason: 'stop',
    });
    expect(result.error).toBeUndefined();
    expect(model.doStreamCalls[0]).toMatchObject({
      temperature: 0.2,
      maxOutputTokens: 100,
      prompt: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Hello' }] },
        { role: 'user', content: [{ type: 'text', text: 'Again' }] },
      ],
    });
  });

  it('counts a stream the provider never finished as cut off, keeping what it said', async () => {
    const said = await reply(modelStreaming([{ type: 'text-delta', id: 't', delta: 'Partial' }]));
    expect(said.result).toMatchObject({ text: 'Partial', finishReason: 'error', error: { code: 'model_error' } });
    expect(said.result.error?.message).toMatch(/broke off its reply before finishing it/);

    // The SDK's adapters end such a stream with a finish part of their own: 'other', with no reason given.
    const adapterFinished = await reply(
      modelStreaming([
        { type: 'text-delta', id: 't', delta: 'Partial' },
        { type: 'finish', finishReason: { unified: 'other', raw: undefined }, usage },
      ]),
    );
    expect(adapterFinished.result).toMatchObject({ text: 'Partial', finishReason: 'error' });

    // A reason the provider gave is kept, 'other' included.
    const providerOther = await reply(
      modelStreaming([
        { type: 'text-delta', id: 't', delta: 'Whole' },
        { type: 'finish', finishReason: { unified: 'other', raw: 'pause_turn' }, usage },
      ]),
    );
    expect(providerOther.result).toMatchObject({ text: 'Whole', finishReason: 'other' });
    expect(providerOther.result.error).toBeUndefined();

    const silent = await reply(modelStreaming([{ type: 'stream-start', warnings: [] }]));
    expect(silent.result).toMatchObject({ finishReason: 'error', error: { code: 'model_error' } });
  });

  it('describes a provider error part, keeping what arrived before it', async () => {
    const failing = new APICallError({
      message: 'Incorrect API key provided: sk-secret',
      url: 'http://model.test',
      requestBodyValues: {},
      statusCode: 401,
    });
    const { result } = await reply(
      modelStreaming([
        { type: 'text-delta', id: 't', delta: 'Half' },
        { type: 'error', error: failing },
      ]),
    );
    expect(result.text).toBe('Half');
    expect(result.error?.code).toBe('model_error');
    expect(result.error?.message).not.toContain('sk-secret');
  });

  it('tries a retryable failure again only when retries are allowed', async () => {
    let calls = 0;
    const overloaded = new APICallError({
      message: 'Overloaded',
      url: 'http://model.test',
      requestBodyValues: {},
      statusCode: 503,
      isRetryable: true,
    });
    const flaky = () =>
      new MockLanguageModelV3({
        doStream: async () => {
          calls += 1;
          if (calls === 1) throw overloaded;
          return { stream: simulateReadableStream({ chunks: [{ type: 'text-delta', id: 't', delta: 'Ok' }, finish] }) };
        },
      });

    expect((await reply(flaky())).result.error?.code).toBe('model_error');
    expect(calls).toBe(1);
    calls = 0;
    expect((await reply(flaky(), 1)).result).toMatchObject({ text: 'Ok', finishReason: 'stop' });
    expect(calls).toBe(2);
  }, 10_000);
});
