import { generateText, streamText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerProviderSettings } from '../../src/config.js';
import { describeModelError } from '../../src/ai/model-errors.js';
import { createModelRegistry } from '../../src/ai/model-registry.js';
import {
  startFakeOpenAIServer,
  type FakeOpenAIErrorFormat,
  type FakeOpenAIServer,
} from '../fakes/fake-openai-server.js';
import { collectParts, errorOf, textDeltas, type StreamPart } from './collect-parts.js';
import { directProviderFetch } from './direct-provider-fetch.js';
import { streamErrorEvent } from './openai-compatible-fixtures.js';

const providerFetch = directProviderFetch();

/**
 * Every adapter that speaks Chat Completions, driven through the real registry and the real SDK package
 * against one fake on 127.0.0.1. OpenAI is the first row: the others are expected to fail the way it does.
 */
interface ChatCompletionsAdapter {
  readonly adapter: string;
  /** The provider's name in refs and in `describeModelError` messages. */
  readonly providerName: string;
  readonly modelRef: string;
  readonly providers: (fake: FakeOpenAIServer) => ServerProviderSettings;
  /** The body the fake answers errors with, as that kind of server writes it. */
  readonly errorFormat: FakeOpenAIErrorFormat;
  /** Where the adapter must send a completion, and the model it must name in the body. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly model: string;
  /** Credential headers as the fake records them; `undefined` asserts the header is absent. */
  readonly credentials: Readonly<Record<'authorization' | 'api-key', string | undefined>>;
  /** A secret the error description must never repeat; absent for a server without a key. */
  readonly apiKey?: string;
}

const openAIKey = 'sk-proj-TOPSECRET-openai';
const azureKey = 'TOPSECRET0azure0key';
const deepSeekKey = 'sk-TOPSECRET-deepseek';
const vllmKey = 'TOPSECRET-vllm-token';

const adapters: readonly ChatCompletionsAdapter[] = [
  {
    adapter: 'OpenAI',
    providerName: 'openai',
    modelRef: 'openai:gpt-4o-mini',
    providers: (fake) => ({ openai: { apiKey: openAIKey, baseUrl: fake.baseUrl } }),
    errorFormat: 'openai',
    path: '/v1/chat/completions',
    query: {},
    model: 'gpt-4o-mini',
    credentials: { authorization: `Bearer ${openAIKey}`, 'api-key': undefined },
    apiKey: openAIKey,
  },
  {
    adapter: 'Azure with a dated api-version (per-deployment URLs)',
    providerName: 'azure',
    modelRef: 'azure:chat-eu',
    providers: (fake) => ({ azure: { apiKey: azureKey, baseUrl: `${fake.url}/openai`, apiVersion: '2024-10-21' } }),
    errorFormat: 'azure',
    path: '/openai/deployments/chat-eu/chat/completions',
    query: { 'api-version': '2024-10-21' },
    model: 'chat-eu',
    credentials: { authorization: undefined, 'api-key': azureKey },
    apiKey: azureKey,
  },
  {
    adapter: 'Azure with the v1 API',
    providerName: 'azure',
    modelRef: 'azure:chat-eu',
    providers: (fake) => ({ azure: { apiKey: azureKey, baseUrl: `${fake.url}/openai/v1` } }),
    errorFormat: 'azure',
    path: '/openai/v1/chat/completions',
    query: {},
    model: 'chat-eu',
    credentials: { authorization: undefined, 'api-key': azureKey },
    apiKey: azureKey,
  },
  {
    adapter: 'OpenAI-compatible (DeepSeek, OpenAI error bodies)',
    providerName: 'deepseek',
    modelRef: 'deepseek:deepseek-chat',
    providers: (fake) => ({ compatible: { name: 'deepseek', baseUrl: fake.baseUrl, apiKey: deepSeekKey } }),
    errorFormat: 'openai',
    path: '/v1/chat/completions',
    query: {},
    model: 'deepseek-chat',
    credentials: { authorization: `Bearer ${deepSeekKey}`, 'api-key': undefined },
    apiKey: deepSeekKey,
  },
  {
    adapter: "OpenAI-compatible (vLLM, older releases' flat error bodies)",
    providerName: 'vllm',
    modelRef: 'vllm:Qwen/Qwen3-8B',
    providers: (fake) => ({ compatible: { name: 'vllm', baseUrl: fake.baseUrl, apiKey: vllmKey } }),
    errorFormat: 'vllm-legacy',
    path: '/v1/chat/completions',
    query: {},
    model: 'Qwen/Qwen3-8B',
    credentials: { authorization: `Bearer ${vllmKey}`, 'api-key': undefined },
    apiKey: vllmKey,
  },
  {
    adapter: "Ollama from its bare address (normalised to '/v1')",
    providerName: 'ollama',
    modelRef: 'ollama:llama3.1:8b',
    providers: (fake) => ({ ollama: { baseUrl: fake.url } }),
    errorFormat: 'openai',
    path: '/v1/chat/completions',
    query: {},
    model: 'llama3.1:8b',
    credentials: { authorization: undefined, 'api-key': undefined },
  },
];

let fake: FakeOpenAIServer;
beforeAll(async () => {
  fake = await startFakeOpenAIServer();
});
afterAll(() => fake.close());

function errorParts(parts: readonly StreamPart[]): unknown[] {
  return parts.flatMap((part) => (part.type === 'error' ? [part.error] : []));
}

describe.each(adapters.map((row) => [row.adapter, row] as const))('%s adapter failing on the wire', (_, row) => {
  const { providerName } = row;
  const provider = `The model provider '${providerName}'`;
  const resolveModel = () =>
    createModelRegistry({ providerFetch, config: { defaultModel: undefined, providers: row.providers(fake) } }).resolve(
      row.modelRef,
      [],
    );
  /** Requests that reach the fake from now on, so a test counts only its own. */
  let requestsBefore = 0;
  const requestsSince = () => fake.requests.slice(requestsBefore);

  beforeEach(() => {
    fake.respondWith({ errorFormat: row.errorFormat });
    requestsBefore = fake.requests.length;
  });

  function expectSentToTheConfiguredEndpoint(): void {
    const sent = fake.lastRequest();
    expect(sent.method).toBe('POST');
    expect(sent.path).toBe(row.path);
    expect(sent.query).toEqual(row.query);
    expect(sent.body).toMatchObject({ model: row.model });
    expect(sent.headers['authorization']).toBe(row.credentials.authorization);
    expect(sent.headers['api-key']).toBe(row.credentials['api-key']);
  }

  it('maps a rejected key (401) to a message that names the provider and not the key', async () => {
    fake.respondWith({ errorFormat: row.errorFormat, error: { status: 401, code: 'invalid_api_key' } });
    const error = await errorOf(async () => generateText({ model: await resolveModel(), prompt: 'Hi', maxRetries: 0 }));

    expect(describeModelError(error, { providerName })).toEqual({
      code: 'model_error',
      message: `${provider} rejected the API key (401) — check the provider's credentials`,
    });
    if (row.apiKey) expect(JSON.stringify(describeModelError(error, { providerName }))).not.toContain(row.apiKey);
    expect(requestsSince()).toHaveLength(1);
    expectSentToTheConfiguredEndpoint();
  });

  it('reports a streamed 500 as an error part without the provider text, after retrying once', async () => {
    fake.respondWith({
      errorFormat: row.errorFormat,
      error: { status: 500, message: 'internal stack trace at db-7', retryAfterSeconds: 0 },
    });
    const parts = await collectParts(
      streamText({ model: await resolveModel(), prompt: 'Hi', maxRetries: 1, onError: () => {} }).fullStream,
    );

    const errors = errorParts(parts);
    expect(errors).toHaveLength(1);
    expect(describeModelError(errors[0], { providerName })).toEqual({
      code: 'model_error',
      message: `${provider} had an internal error (500) — try again shortly`,
    });
    expect(textDeltas(parts)).toEqual([]);
    expect(requestsSince()).toHaveLength(2);
    expectSentToTheConfiguredEndpoint();
  });

  it('reports a 429 as rate limited with the wait from its retry-after header', async () => {
    fake.respondWith({ errorFormat: row.errorFormat, error: { status: 429, retryAfterSeconds: 7 } });
    const parts = await collectParts(
      streamText({ model: await resolveModel(), prompt: 'Hi', maxRetries: 0, onError: () => {} }).fullStream,
    );

    const errors = errorParts(parts);
    expect(errors).toHaveLength(1);
    expect(describeModelError(errors[0], { providerName })).toEqual({
      code: 'rate_limited',
      message: `${provider} is rate limiting requests (429) — try again in 7 seconds`,
      retryAfterSeconds: 7,
    });
    expect(requestsSince()).toHaveLength(1);
    expect(fake.lastRequest().body).toMatchObject({ stream: true });
  });

  it('reports a stream chunk it cannot read as an unreadable response, keeping the tokens around it', async () => {
    fake.respondWith({
      errorFormat: row.errorFormat,
      replyTokens: ['Before', ' after.'],
      insertedEvent: { afterTokens: 1 },
    });
    const result = streamText({ model: await resolveModel(), prompt: 'Hi', maxRetries: 0, onError: () => {} });
    const parts = await collectParts(result.fullStream);

    const errors = errorParts(parts);
    expect(errors).toHaveLength(1);
    expect(describeModelError(errors[0], { providerName })).toEqual({
      code: 'model_error',
      message: `${provider} sent a response that could not be read`,
    });
    expect(textDeltas(parts)).toEqual(['Before', ' after.']);
    // The SDK marks the step 'error', then the server's later finish_reason overwrites it: the error part
    // is the only trace of the lost chunk, so the chat turn must (and does) treat any error part as failure.
    expect(await result.finishReason).toBe('stop');
    expectSentToTheConfiguredEndpoint();
  });

  it('maps an error event inside the stream, which arrives as a bare body, to an error naming the provider', async () => {
    fake.respondWith({
      errorFormat: row.errorFormat,
      replyTokens: ['Before', ' after.'],
      insertedEvent: { afterTokens: 1, data: streamErrorEvent },
    });
    const parts = await collectParts(
      streamText({ model: await resolveModel(), prompt: 'Hi', maxRetries: 0, onError: () => {} }).fullStream,
    );

    const errors = errorParts(parts);
    expect(errors).toEqual([expect.objectContaining({ type: 'server_error' })]);
    expect(describeModelError(errors[0], { providerName })).toEqual({
      code: 'model_error',
      message: `The model provider '${providerName}' reported an error in the middle of its reply`,
    });
  });

  it('ends a stalled stream with a timeout once no chunk arrives within chunkMs', async () => {
    fake.respondWith({ errorFormat: row.errorFormat, stallAfterTokens: 2 });
    const startedAt = Date.now();
    const parts = await collectParts(
      streamText({ model: await resolveModel(), prompt: 'Hi', maxRetries: 0, timeout: { chunkMs: 300 } }).fullStream,
    );

    expect(textDeltas(parts)).toEqual(['Hello', ' from']);
    const last = parts.at(-1);
    expect(last?.type).toBe('abort');
    expect(describeModelError(last?.type === 'abort' ? last.reason : undefined, { providerName })).toEqual({
      code: 'model_timeout',
      message: 'The model did not respond in time, so the request was stopped',
    });
    expect(Date.now() - startedAt).toBeLessThan(3000);
    expectSentToTheConfiguredEndpoint();
    await vi.waitFor(() => expect(fake.openExchangeCount()).toBe(0), { timeout: 1000 });
  }, 5000);

  it("ends a stalled stream when the caller's AbortSignal.timeout fires, and the reason maps to a timeout", async () => {
    fake.respondWith({ errorFormat: row.errorFormat, stallAfterTokens: 2 });
    const signal = AbortSignal.timeout(300);
    const parts = await collectParts(
      streamText({ model: await resolveModel(), prompt: 'Hi', maxRetries: 0, abortSignal: signal }).fullStream,
    );

    expect(textDeltas(parts)).toEqual(['Hello', ' from']);
    expect(parts.at(-1)?.type).toBe('abort');
    expect(describeModelError(signal.reason, { providerName })).toEqual({
      code: 'model_timeout',
      message: 'The model did not respond in time, so the request was stopped',
    });
    await vi.waitFor(() => expect(fake.openExchangeCount()).toBe(0), { timeout: 1000 });
  }, 5000);

  it('asks for the usage chunk and reads the usage from the final chunk', async () => {
    fake.respondWith({ errorFormat: row.errorFormat, replyTokens: ['Three', ' word', ' reply.'] });
    const result = streamText({ model: await resolveModel(), prompt: 'count these four words', maxRetries: 0 });
    await result.consumeStream();

    expect(await result.text).toBe('Three word reply.');
    expect(await result.finishReason).toBe('stop');
    expect(await result.usage).toMatchObject({ inputTokens: 4, outputTokens: 3, totalTokens: 7 });
    expect(fake.lastRequest().body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expectSentToTheConfiguredEndpoint();
  });
});
