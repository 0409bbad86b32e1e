import type { LanguageModelV3, LanguageModelV3CallOptions, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { APICallError } from '@ai-sdk/provider';
import { OpenAICompatibleChatLanguageModel } from '@ai-sdk/openai-compatible';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { describeModelError } from '../../src/ai/model-errors.js';
import { createModelRegistry } from '../../src/ai/model-registry.js';
import { modelWithCalls } from '../../src/ai/model-with-calls.js';
import { streamModelReply, type ModelStreamRequest } from '../../src/modules/chat/turn/model-stream.js';
import { createMetrics } from '../../src/platform/metrics.js';
import { startFakeOpenAIServer, type FakeOpenAIBehaviour, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { startEventStream, startFakeHttpServer, writeEvent, type RecordedRequest } from '../fakes/fake-http-server.js';
import { directProviderFetch } from './direct-provider-fetch.js';
import { errorOf } from './collect-parts.js';
import { plainCall, streamErrorEvent } from './openai-compatible-fixtures.js';

/**
 * The lean stream (ADR 28) against the SDK's own `@ai-sdk/openai-compatible` chat model, each driven
 * through the real registry over the servers' pool to the same fake Chat Completions server: for the
 * same wire stream, the same request, the same parts and the same reply. The SDK model's `doStream` is
 * watched (not replaced) to prove which path served each call.
 */
const providerFetch = directProviderFetch();
const sdkStreams = vi.spyOn(OpenAICompatibleChatLanguageModel.prototype, 'doStream');
const apiKey = 'TOPSECRET-vllm-token';

let fake: FakeOpenAIServer;
beforeAll(async () => {
  fake = await startFakeOpenAIServer();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.respondWith({});
  sdkStreams.mockClear();
});

function resolveModel(isLeanStreamOn: boolean, baseUrl = fake.baseUrl): Promise<LanguageModelV3> {
  const providers = { compatible: { name: 'vllm', baseUrl, apiKey } };
  return createModelRegistry({ providerFetch, isLeanStreamOn, config: { defaultModel: undefined, providers } }).resolve(
    'vllm:Qwen/Qwen3-8B',
    [],
  );
}

/** The model, with every part it streams kept for the test (the parts pass on unchanged). */
function recorded(model: LanguageModelV3) {
  const parts: LanguageModelV3StreamPart[] = [];
  const watched = modelWithCalls(model, {
    doGenerate: (options) => model.doGenerate(options),
    async doStream(options) {
      const result = await model.doStream(options);
      const keep = new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
        transform(part, controller) {
          parts.push(part);
          controller.enqueue(part);
        },
      });
      return { ...result, stream: result.stream.pipeThrough(keep) };
    },
  });
  return { watched, parts };
}

const turn = (model: LanguageModelV3, abortSignal?: AbortSignal): ModelStreamRequest => ({
  model,
  providerName: 'vllm',
  metricLabels: { provider: 'vllm', model: 'Qwen/Qwen3-8B' },
  system: 'Be brief.',
  messages: [
    { role: 'user', content: 'Hi there' },
    { role: 'assistant', content: 'Hello' },
    { role: 'user', content: 'Tell me more' },
  ],
  temperature: 0.3,
  maxOutputTokens: 200,
  sampling: { topP: 0.9, stopSequences: ['END'], seed: 7, frequencyPenalty: 0.1, presencePenalty: 0.2 },
  timeoutMs: 10_000,
  ...(abortSignal && { abortSignal }),
});

/** One plain turn on one path: what model-stream.ts made of it, the parts, the request the server saw. */
async function plainTurn(isLeanStreamOn: boolean, onText?: () => void, abortSignal?: AbortSignal) {
  const { watched, parts } = recorded(await resolveModel(isLeanStreamOn));
  const before = fake.requests.length;
  const deps = { metrics: createMetrics(), stallTimeoutMs: 10_000 };
  const { timeToFirstTokenMs, durationMs, ...result } = await streamModelReply(
    deps,
    turn(watched, abortSignal),
    (event) => {
      if (event.type === 'text-delta') onText?.();
    },
  );
  expect(typeof durationMs).toBe('number');
  expect(timeToFirstTokenMs === null || typeof timeToFirstTokenMs === 'number').toBe(true);
  const requests = fake.requests.slice(before);
  return { result, parts: parts.map(comparable), requests, sdkStreamCalls: sdkStreams.mock.calls.length };
}

/** Turns one after the other: the lean path first, then the SDK's, each on its own path only. */
async function bothPaths(behaviour: Partial<FakeOpenAIBehaviour>) {
  fake.respondWith(behaviour);
  const lean = await plainTurn(true);
  expect(lean.sdkStreamCalls, 'the lean path served the plain turn').toBe(0);
  fake.respondWith(behaviour);
  const sdk = await plainTurn(false);
  expect(sdk.sdkStreamCalls, 'the SDK served the turn with the switch off').toBe(1);
  return { lean, sdk };
}

/** A part as a test compares it: the server's clock and count of replies, and errors' own wording, left out. */
function comparable(part: LanguageModelV3StreamPart): unknown {
  if (part.type === 'response-metadata') {
    return { ...part, id: part.id?.replace(/\d+$/, 'N'), timestamp: part.timestamp instanceof Date };
  }
  if (part.type === 'error' && part.error instanceof Error) {
    return { type: 'error', name: part.error.name, description: describeModelError(part.error) };
  }
  return part;
}

/** The request as sent: the same JSON text, and the same headers (the user agent names provider-utils' version). */
function expectSameRequest(lean: RecordedRequest, sdk: RecordedRequest): void {
  expect(JSON.stringify(lean.body)).toBe(JSON.stringify(sdk.body));
  expect(lean.path).toBe(sdk.path);
  const withoutVersions = ({ 'user-agent': agent, host: _host, ...headers }: RecordedRequest['headers']) => ({
    ...headers,
    'user-agent': String(agent).replace(/provider-utils\/[\w.-]+/, 'provider-utils/*'),
  });
  expect(withoutVersions(lean.headers)).toEqual(withoutVersions(sdk.headers));
}

describe('a plain streamed turn, on the lean path and through the SDK', () => {
  const wireStreams: Record<string, Partial<FakeOpenAIBehaviour>> = {
    'a reply with its usage chunk': {},
    'reasoning before the reply': { reasoningTokens: ['Let', ' me', ' think'], replyTokens: ['Four', '.'] },
    'no usage chunk': { omitsUsage: true },
    'a chunk cut off mid-way, between two tokens': {
      replyTokens: ['Before', ' after.'],
      insertedEvent: { afterTokens: 1 },
    },
    'an error event in the middle': {
      replyTokens: ['Before', ' after.'],
      insertedEvent: { afterTokens: 1, data: streamErrorEvent },
    },
    'a chunk of another shape': { insertedEvent: { afterTokens: 2, data: '{"id":"x","choices":"none"}' } },
    'an error event without a message': { insertedEvent: { afterTokens: 1, data: '{"error":{"code":5}}' } },
    'a stream that ends without finish_reason': { replyTokens: ['Half', ' a', ' thought'], endAfterTokens: 2 },
    'a tool call nobody offered': {
      script: [{ replyTokens: ['Looking'], toolCalls: [{ id: 'call_1', name: 'lookup', arguments: '{"q":"tides"}' }] }],
    },
  };

  it.each(Object.entries(wireStreams))(
    'sends the same request and gives the same parts and reply for %s',
    async (_, behaviour) => {
      const { lean, sdk } = await bothPaths(behaviour);
      expect(lean.parts).toEqual(sdk.parts);
      expect(lean.result).toEqual(sdk.result);
      expect(lean.requests).toHaveLength(1);
      expect(sdk.requests).toHaveLength(1);
      expectSameRequest(lean.requests[0]!, sdk.requests[0]!);
    },
  );

  it('sends the settings the SDK sends and reads text, reasoning, usage and finish reason as it does', async () => {
    const { lean } = await bothPaths({ reasoningTokens: ['Hm'], replyTokens: ['Yes', '.'] });
    expect(lean.requests[0]!.body).toEqual({
      model: 'Qwen/Qwen3-8B',
      max_tokens: 200,
      temperature: 0.3,
      top_p: 0.9,
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
      stop: ['END'],
      seed: 7,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hi there' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'Tell me more' },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(lean.requests[0]!.headers['authorization']).toBe(`Bearer ${apiKey}`);
    expect(lean.result).toEqual({
      text: 'Yes.',
      reasoning: 'Hm',
      usage: { inputTokens: 8, outputTokens: 3, reasoningTokens: 1, totalTokens: 11 },
      finishReason: 'stop',
    });
  });

  it('reports a stream that ended without finish_reason as broken off, keeping what arrived', async () => {
    const { lean, sdk } = await bothPaths({ replyTokens: ['Half', ' a', ' thought'], endAfterTokens: 2 });
    expect(lean.result).toMatchObject({
      text: 'Half a',
      finishReason: 'error',
      error: { code: 'model_error', message: expect.stringMatching(/broke off its reply before finishing it/) },
    });
    expect(lean.result.error).toEqual(sdk.result.error);
  });

  it.each([
    [401, {}, `The model provider 'vllm' rejected the API key (401) — check the provider's credentials`],
    [
      429,
      { retryAfterSeconds: 7 },
      `The model provider 'vllm' is rate limiting requests (429) — try again in 7 seconds`,
    ],
    [500, {}, `The model provider 'vllm' had an internal error (500) — try again shortly`],
    [
      400,
      { message: "This model's maximum context length is 8192 tokens" },
      `The model provider 'vllm' rejected the request (400) — the model may not support these settings, or the conversation may be too long`,
    ],
  ] as const)('describes a %i from the provider as the SDK path does', async (status, extra, message) => {
    const { lean, sdk } = await bothPaths({ error: { status, ...extra } });
    expect(lean.result.error?.message).toBe(message);
    expect(lean.result).toEqual(sdk.result);
    expect(JSON.stringify(lean.result)).not.toContain(apiKey);
    expectSameRequest(lean.requests[0]!, sdk.requests[0]!);
  });

  it('throws the APICallError the SDK throws for a refused request and for a server that is not there', async () => {
    const thrown = async (isLeanStreamOn: boolean, baseUrl?: string) => {
      const model = await resolveModel(isLeanStreamOn, baseUrl);
      return errorOf(async () => model.doStream(plainCall));
    };
    const fieldsOf = (error: unknown) => {
      expect(APICallError.isInstance(error)).toBe(true);
      const { message, statusCode, isRetryable, responseBody, responseHeaders, url, data, requestBodyValues } =
        error as APICallError;
      const { date: _date, ...headers } = responseHeaders ?? {};
      return { message, statusCode, isRetryable, responseBody, headers, url, data, requestBodyValues };
    };
    for (const status of [401, 503]) {
      fake.respondWith({ error: { status, code: 'refused' } });
      const [lean, sdk] = [fieldsOf(await thrown(true)), fieldsOf(await thrown(false))];
      expect(lean).toEqual(sdk);
      expect(lean).toMatchObject({ statusCode: status, isRetryable: status === 503 });
    }

    const gone = await startFakeOpenAIServer();
    await gone.close();
    const [lean, sdk] = [await thrown(true, gone.baseUrl), await thrown(false, gone.baseUrl)];
    expect(fieldsOf(lean)).toEqual(fieldsOf(sdk));
    expect(describeModelError(lean, { providerName: 'vllm' }).message).toMatch(/could not be reached/);
  });

  it('fails a stream whose connection breaks mid-way with the retryable APICallError the SDK gives', async () => {
    const chunk = { id: 'c', choices: [{ index: 0, delta: { content: 'Half' }, finish_reason: null }] };
    const breaking = await startFakeHttpServer(async ({ response }) => {
      startEventStream(response);
      writeEvent(response, JSON.stringify(chunk));
      await new Promise((resolve) => setTimeout(resolve, 50));
      response.destroy();
    });
    const failureOf = async (isLeanStreamOn: boolean) => {
      const model = await resolveModel(isLeanStreamOn, `${breaking.url}/v1`);
      const { stream } = await model.doStream(plainCall);
      const error = await errorOf(async () => {
        for await (const _part of stream);
      });
      expect(APICallError.isInstance(error)).toBe(true);
      const { message, statusCode, isRetryable } = error as APICallError;
      return { message, statusCode, isRetryable, description: describeModelError(error, { providerName: 'vllm' }) };
    };
    try {
      const lean = await failureOf(true);
      expect(lean).toEqual(await failureOf(false));
      expect(lean).toMatchObject({
        statusCode: 200,
        isRetryable: true,
        description: { message: expect.stringMatching(/broke off its reply/) },
      });
    } finally {
      await breaking.close();
    }
  });

  it('stops reading and hangs up when the turn is aborted mid-stream', async () => {
    const behaviour = { replyTokens: ['One', ' two', ' three', ' four', ' five'], tokenDelayMs: 150 };
    const stopAfterFirstText = async (isLeanStreamOn: boolean) => {
      fake.respondWith(behaviour);
      const stop = new AbortController();
      const turnResult = await plainTurn(isLeanStreamOn, () => stop.abort(), stop.signal);
      await vi.waitFor(() => expect(fake.openExchangeCount()).toBe(0), { timeout: 2000 });
      return turnResult;
    };
    const lean = await stopAfterFirstText(true);
    expect(lean.sdkStreamCalls).toBe(0);
    expect(lean.result).toMatchObject({ text: 'One', error: { message: expect.stringMatching(/cancelled/) } });
    const sdk = await stopAfterFirstText(false);
    expect(lean.result).toEqual(sdk.result);
  });

  it('hangs up when its reader cancels the stream', async () => {
    for (const isLeanStreamOn of [true, false]) {
      // Twenty tokens 200 ms apart: the server is still writing for seconds after the reader leaves.
      fake.respondWith({ replyTokens: Array.from({ length: 20 }, (_, index) => ` word${index}`), tokenDelayMs: 200 });
      const model = await resolveModel(isLeanStreamOn);
      const { stream } = await model.doStream(plainCall);
      const reader = stream.getReader();
      while ((await reader.read()).value?.type !== 'text-delta');
      expect(fake.openExchangeCount()).toBe(1);
      await reader.cancel('the reader left');
      await vi.waitFor(() => expect(fake.openExchangeCount()).toBe(0), { timeout: 1500 });
    }
    expect(sdkStreams).toHaveBeenCalledTimes(1);
  });
});

describe('calls the lean path does not serve', () => {
  const { prompt } = plainCall;
  const readAll = async (model: LanguageModelV3, options: LanguageModelV3CallOptions) => {
    const { stream } = await model.doStream(options);
    for await (const _ of stream);
  };

  it('hands a call with tools to the SDK, which sends them', async () => {
    const tools = [
      { type: 'function' as const, name: 'lookup', inputSchema: { type: 'object' as const, properties: {} } },
    ];
    await readAll(await resolveModel(true), { prompt, tools });
    expect(sdkStreams).toHaveBeenCalledTimes(1);
    expect(fake.lastRequest().body).toMatchObject({ tools: [{ type: 'function', function: { name: 'lookup' } }] });
  });

  it('hands an image, a JSON response format and provider options to the SDK', async () => {
    const model = await resolveModel(true);
    const image = { type: 'file' as const, mediaType: 'image/png', data: new Uint8Array([137, 80, 78, 71]) };
    await readAll(model, { prompt: [{ role: 'user', content: [{ type: 'text', text: 'What is it?' }, image] }] });
    expect(fake.lastRequest().body).toMatchObject({
      messages: [{ content: [{ type: 'text' }, { type: 'image_url' }] }],
    });
    await readAll(model, { prompt, responseFormat: { type: 'json' } });
    expect(fake.lastRequest().body).toMatchObject({ response_format: { type: 'json_object' } });
    await readAll(model, { prompt, providerOptions: { vllm: { top_k: 20 } } });
    expect(fake.lastRequest().body).toMatchObject({ top_k: 20 });
    expect(sdkStreams).toHaveBeenCalledTimes(3);
  });

  it('leaves every generateText call to the SDK model', async () => {
    const model = await resolveModel(true);
    const generated = await model.doGenerate({ prompt });
    expect(generated.content).toEqual([{ type: 'text', text: 'Hello from the fake model.' }]);
    expect(fake.lastRequest().body).not.toHaveProperty('stream');
  });
});
