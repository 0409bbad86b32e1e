import type { ServerResponse } from 'node:http';
import {
  countWords,
  contentText,
  pause,
  retryAfterHeaders,
  sendJson,
  startEventStream,
  startFakeHttpServer,
  waitUntilAborted,
  writeEvent,
  type FakeExchange,
  type FakeProviderError,
  type FakeServerOptions,
  type RecordedRequest,
} from './fake-http-server.js';

/** How the fake answers; every field has a default, so tests state only what matters to them. */
export interface FakeOpenAIBehaviour {
  /** Content deltas in order; joined, they are the reply. */
  readonly replyTokens: readonly string[];
  /** Sent first as `reasoning_content` deltas (DeepSeek, vLLM, Ollama style); none by default. */
  readonly reasoningTokens: readonly string[];
  readonly tokenDelayMs: number;
  /** Answer every completion request with this error instead. */
  readonly error?: FakeProviderError;
  /** Whose error body `error` is sent as; OpenAI's by default (see `FakeOpenAIErrorFormat`). */
  readonly errorFormat: FakeOpenAIErrorFormat;
  /** After this many reply tokens, send one extra event (a cut-off chunk by default), then carry on as usual. */
  readonly insertedEvent?: FakeInsertedEvent;
  /** Stream this many reply tokens, then send nothing more and keep the connection open. */
  readonly stallAfterTokens?: number;
  /** Stream this many reply tokens, then end the response cleanly: no `finish_reason`, no `[DONE]`. */
  readonly endAfterTokens?: number;
  /** Served by `GET /v1/models`. */
  readonly modelIds: readonly string[];
  /** Report no usage even when asked (`include_usage`), as some OpenAI-compatible servers do. */
  readonly omitsUsage?: boolean;
  /**
   * Prompt tokens reported per word of the messages (1 by default): a provider whose vocabulary and chat
   * template count a prompt higher than Parley's tokenizer does.
   */
  readonly promptTokensPerWord?: number;
  /**
   * One step per completion request, in order (a tool loop's requests): each step's fields override the
   * behaviour for that request. Once the script is used up, requests get the behaviour itself.
   */
  readonly script?: readonly FakeOpenAIStep[];
  /**
   * Reply "You wrote: <the last user message>", as a model restating the question does (an assistant
   * saying it found nothing about "<their words>"): what an erasure must not leave behind.
   */
  readonly echoesUser?: boolean;
  /**
   * Decides each answer from what the model is asked, as a real model would: the system prompt (an
   * agent's instructions, a judge's) and the last user message. Undefined keeps the behaviour's answer.
   */
  readonly answers?: (asked: {
    system: string;
    user: string;
    toolNames: readonly string[];
  }) => FakeOpenAIStep | undefined;
}

/**
 * The error bodies of servers that speak Chat Completions:
 * - `openai`: `{ error: { message, type, param, code } }`, a 401 repeating the key it received;
 * - `azure`: Azure OpenAI's `{ error: { code: '401', message } }`, no type or param, the key never repeated;
 * - `vllm-legacy`: vLLM before its errors matched OpenAI's, flat `{ object: 'error', message, type, param, code: 401 }`.
 */
export type FakeOpenAIErrorFormat = 'openai' | 'azure' | 'vllm-legacy';

/**
 * An event among the reply's chunks. By default its data is a chunk cut off mid-way, which no client can
 * read (as a proxy that drops part of a line leaves it); `data` may be anything else, such as the
 * `{"error": {…}}` event OpenAI and vLLM send when a stream fails after it has started.
 */
export interface FakeInsertedEvent {
  readonly afterTokens: number;
  readonly data?: string;
}

export const truncatedChunkData =
  '{"id":"chatcmpl-cut","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"trun';

/** A scripted answer: text, or tool calls (finish_reason `tool_calls`), or both. */
export interface FakeOpenAIStep {
  readonly replyTokens?: readonly string[];
  readonly toolCalls?: readonly FakeToolCall[];
}

/** A tool call as the model sends it; `arguments` is the JSON text. */
export interface FakeToolCall {
  readonly id: string;
  readonly name: string;
  readonly arguments: string;
}

export interface FakeOpenAIServer {
  /** `http://127.0.0.1:{port}` */
  readonly url: string;
  /** `{url}/v1`, what an OpenAI client takes as its base URL. */
  readonly baseUrl: string;
  readonly requests: readonly RecordedRequest[];
  /** The most recent request; throws when none arrived, so a test fails loudly. */
  lastRequest(): RecordedRequest;
  /** Completions still being answered; a stalled stream counts until the client hangs up. */
  openExchangeCount(): number;
  /** Answers from now on with the defaults plus `overrides` (earlier overrides are dropped). */
  respondWith(overrides: Partial<FakeOpenAIBehaviour>): void;
  close(): Promise<void>;
}

export const defaultOpenAIReplyTokens: readonly string[] = ['Hello', ' from', ' the', ' fake', ' model.'];

const defaultBehaviour: FakeOpenAIBehaviour = {
  replyTokens: defaultOpenAIReplyTokens,
  reasoningTokens: [],
  tokenDelayMs: 0,
  errorFormat: 'openai',
  modelIds: ['gpt-4o-mini', 'gpt-4o'],
};

/**
 * A fake of OpenAI's Chat Completions API. It accepts `POST …/chat/completions` under any prefix, so
 * `/v1/chat/completions`, `/chat/completions` and Azure's
 * `/openai/deployments/{deployment}/chat/completions?api-version=…` are all served.
 * The benchmark reuses it as its mock LLM: `startFakeOpenAIServer({ port, replyTokens, tokenDelayMs })`.
 */
export async function startFakeOpenAIServer(
  initial: Partial<FakeOpenAIBehaviour> & FakeServerOptions = {},
): Promise<FakeOpenAIServer> {
  let behaviour: FakeOpenAIBehaviour = { ...defaultBehaviour, ...initial };
  let sequence = 0;
  let scriptStep = 0;
  /** The behaviour for the next completion request: the next scripted step, if any is left. */
  const nextBehaviour = (): FakeOpenAIBehaviour & { toolCalls?: readonly FakeToolCall[] } => {
    const step = behaviour.script?.[scriptStep];
    if (!step) return behaviour;
    scriptStep += 1;
    return { ...behaviour, replyTokens: step.replyTokens ?? [], ...(step.toolCalls && { toolCalls: step.toolCalls }) };
  };

  const server = await startFakeHttpServer(async ({ request, response, signal }) => {
    if (request.method === 'GET' && /^(\/v1)?\/models$/.test(request.path)) {
      return sendJson(response, 200, {
        object: 'list',
        data: behaviour.modelIds.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' })),
      });
    }
    if (request.method === 'POST' && request.path.endsWith('/chat/completions')) {
      sequence += 1;
      const next = nextBehaviour();
      const decided = next.answers?.(askedOf(request.body));
      const answer = decided
        ? {
            ...next,
            replyTokens: decided.replyTokens ?? [],
            ...(decided.toolCalls && { toolCalls: decided.toolCalls }),
          }
        : next.echoesUser
          ? { ...next, replyTokens: ['You wrote: ', lastUserText(request.body)] }
          : next;
      return answerCompletion({ request, response, signal }, answer, `chatcmpl-fake-${sequence}`);
    }
    sendJson(response, 404, {
      error: {
        message: `Unknown request URL: ${request.method} ${request.path}`,
        type: 'invalid_request_error',
        param: null,
        code: 'unknown_url',
      },
    });
  }, initial);

  return {
    url: server.url,
    baseUrl: `${server.url}/v1`,
    requests: server.requests,
    lastRequest() {
      const last = server.requests.at(-1);
      if (!last) throw new Error('The fake OpenAI server has received no request');
      return last;
    },
    openExchangeCount: server.openExchangeCount,
    respondWith(overrides) {
      behaviour = { ...defaultBehaviour, ...overrides };
      scriptStep = 0;
    },
    close: server.close,
  };
}

/** What a request asks: its system text, its last user message and the tools it offers. */
function askedOf(body: unknown) {
  const { messages = [], tools = [] } = (body ?? {}) as {
    messages?: { role?: string; content?: unknown }[];
    tools?: { function?: { name?: string } }[];
  };
  return {
    system: messages
      .filter((message) => message.role === 'system' || message.role === 'developer')
      .map((message) => contentText(message.content))
      .join('\n'),
    user: lastUserText(body),
    toolNames: tools.map((tool) => tool.function?.name ?? ''),
  };
}

/** The text of the request's last user message, as a model reads it. */
function lastUserText(body: unknown): string {
  const messages = (body as { messages?: { role?: string; content?: unknown }[] } | undefined)?.messages ?? [];
  return contentText(messages.findLast((message) => message.role === 'user')?.content);
}

interface CompletionRequestBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages?: Array<{ content?: unknown }>;
}

type StepBehaviour = FakeOpenAIBehaviour & { readonly toolCalls?: readonly FakeToolCall[] };

async function answerCompletion(exchange: FakeExchange, behaviour: StepBehaviour, id: string): Promise<void> {
  const { request, response } = exchange;
  if (behaviour.error) return sendOpenAIError(response, behaviour, behaviour.error, request);
  const body = (request.body ?? {}) as CompletionRequestBody;
  const model = body.model ?? deploymentOf(request.path) ?? 'fake-model';
  const usage = usageOf(body, behaviour);
  if (body.stream)
    return streamCompletion(exchange, behaviour, {
      id,
      model,
      usage,
      includeUsage: body.stream_options?.include_usage === true,
    });

  await pause(behaviour.tokenDelayMs * behaviour.replyTokens.length, exchange.signal);
  const reasoning = behaviour.reasoningTokens.join('');
  sendJson(response, 200, {
    id,
    object: 'chat.completion',
    created: nowSeconds(),
    model,
    system_fingerprint: 'fp_fake',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: behaviour.replyTokens.join(''),
          refusal: null,
          ...(reasoning && { reasoning_content: reasoning }),
          ...(behaviour.toolCalls && {
            tool_calls: behaviour.toolCalls.map((call) => ({
              id: call.id,
              type: 'function',
              function: { name: call.name, arguments: call.arguments },
            })),
          }),
        },
        logprobs: null,
        finish_reason: behaviour.toolCalls ? 'tool_calls' : 'stop',
      },
    ],
    usage,
  });
}

async function streamCompletion(
  { response, signal }: FakeExchange,
  behaviour: StepBehaviour,
  meta: { id: string; model: string; usage: ReturnType<typeof usageOf>; includeUsage: boolean },
): Promise<void> {
  const chunk = (choices: unknown[], extra: object = {}) =>
    writeEvent(
      response,
      JSON.stringify({
        id: meta.id,
        object: 'chat.completion.chunk',
        created: nowSeconds(),
        model: meta.model,
        system_fingerprint: 'fp_fake',
        choices,
        ...extra,
      }),
    );
  const delta = (value: object, finishReason: string | null = null) =>
    chunk([{ index: 0, delta: value, logprobs: null, finish_reason: finishReason }]);

  startEventStream(response);
  delta({ role: 'assistant', content: '', refusal: null });
  for (const token of behaviour.reasoningTokens) {
    if (!(await pause(behaviour.tokenDelayMs, signal))) return;
    delta({ reasoning_content: token });
  }
  const inserted = behaviour.insertedEvent;
  for (const [index, token] of behaviour.replyTokens.entries()) {
    if (index === behaviour.stallAfterTokens) return waitUntilAborted(signal);
    if (index === behaviour.endAfterTokens) return void response.end();
    if (index === inserted?.afterTokens) writeEvent(response, inserted.data ?? truncatedChunkData);
    if (!(await pause(behaviour.tokenDelayMs, signal))) return;
    delta({ content: token });
  }
  if (inserted && inserted.afterTokens >= behaviour.replyTokens.length) {
    writeEvent(response, inserted.data ?? truncatedChunkData);
  }
  if (behaviour.stallAfterTokens !== undefined && behaviour.stallAfterTokens >= behaviour.replyTokens.length) {
    return waitUntilAborted(signal);
  }
  // As OpenAI streams a call: id, type and name first, then the arguments in pieces.
  for (const [index, call] of (behaviour.toolCalls ?? []).entries()) {
    if (!(await pause(behaviour.tokenDelayMs, signal))) return;
    const half = Math.ceil(call.arguments.length / 2);
    delta({
      tool_calls: [
        {
          index,
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments.slice(0, half) },
        },
      ],
    });
    delta({ tool_calls: [{ index, function: { arguments: call.arguments.slice(half) } }] });
  }
  delta({}, behaviour.toolCalls ? 'tool_calls' : 'stop');
  if (meta.includeUsage && !behaviour.omitsUsage) chunk([], { usage: meta.usage });
  writeEvent(response, '[DONE]');
  response.end();
}

/** OpenAI's error body. Like the real API, a 401 repeats the key it received, so tests prove Parley never relays it. */
function sendOpenAIError(
  response: ServerResponse,
  behaviour: FakeOpenAIBehaviour,
  error: FakeProviderError,
  request: RecordedRequest,
): void {
  if (behaviour.errorFormat === 'azure') return sendAzureError(response, error);
  if (behaviour.errorFormat === 'vllm-legacy') return sendLegacyVllmError(response, error);
  const receivedKey = String(request.headers['authorization'] ?? request.headers['api-key'] ?? '').replace(
    /^Bearer /,
    '',
  );
  const message =
    error.message ??
    (error.status === 401
      ? `Incorrect API key provided: ${receivedKey}. You can find your API key at https://platform.openai.com/account/api-keys.`
      : `Fake provider error ${error.status}`);
  sendJson(
    response,
    error.status,
    { error: { message, type: error.type ?? openAIErrorType(error.status), param: null, code: error.code ?? null } },
    retryAfterHeaders(error),
  );
}

/** Azure OpenAI's body: the code is the status as a string (or a name such as `content_filter`), and there is no type. */
function sendAzureError(response: ServerResponse, error: FakeProviderError): void {
  const message =
    error.message ??
    (error.status === 401
      ? 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.'
      : error.status === 429
        ? `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after ${error.retryAfterSeconds ?? 60} seconds.`
        : `Fake Azure error ${error.status}`);
  sendJson(
    response,
    error.status,
    { error: { code: error.code ?? String(error.status), message } },
    retryAfterHeaders(error),
  );
}

/** vLLM's body before it matched OpenAI's: not wrapped in `error`, the status as a number in `code`. */
function sendLegacyVllmError(response: ServerResponse, error: FakeProviderError): void {
  sendJson(
    response,
    error.status,
    {
      object: 'error',
      message: error.message ?? `Fake vLLM error ${error.status}`,
      type: error.type ?? (error.status >= 500 ? 'InternalServerError' : 'BadRequestError'),
      param: null,
      code: error.status,
    },
    retryAfterHeaders(error),
  );
}

function openAIErrorType(status: number): string {
  if (status === 401) return 'invalid_request_error';
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function usageOf(body: CompletionRequestBody, behaviour: FakeOpenAIBehaviour) {
  const words = (body.messages ?? []).reduce((sum, message) => sum + countWords(contentText(message.content)), 0);
  const promptTokens = Math.ceil(words * (behaviour.promptTokensPerWord ?? 1));
  const completionTokens = behaviour.replyTokens.length + behaviour.reasoningTokens.length;
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    completion_tokens_details: { reasoning_tokens: behaviour.reasoningTokens.length },
  };
}

function deploymentOf(path: string): string | undefined {
  return /\/deployments\/([^/]+)\/chat\/completions$/.exec(path)?.[1];
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
