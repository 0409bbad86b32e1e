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
  /** Stream this many reply tokens, then send nothing more and keep the connection open. */
  readonly stallAfterTokens?: number;
  /** Served by `GET /v1/models`. */
  readonly modelIds: readonly string[];
  /**
   * One step per completion request, in order (a tool loop's requests): each step's fields override the
   * behaviour for that request. Once the script is used up, requests get the behaviour itself.
   */
  readonly script?: readonly FakeOpenAIStep[];
}

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
  /** Answers from now on with the defaults plus `overrides` (earlier overrides are dropped). */
  respondWith(overrides: Partial<FakeOpenAIBehaviour>): void;
  close(): Promise<void>;
}

export const defaultOpenAIReplyTokens: readonly string[] = ['Hello', ' from', ' the', ' fake', ' model.'];

const defaultBehaviour: FakeOpenAIBehaviour = {
  replyTokens: defaultOpenAIReplyTokens,
  reasoningTokens: [],
  tokenDelayMs: 0,
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
      return answerCompletion({ request, response, signal }, nextBehaviour(), `chatcmpl-fake-${sequence}`);
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
    respondWith(overrides) {
      behaviour = { ...defaultBehaviour, ...overrides };
      scriptStep = 0;
    },
    close: server.close,
  };
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
  if (behaviour.error) return sendOpenAIError(response, behaviour.error, request);
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
  for (const [index, token] of behaviour.replyTokens.entries()) {
    if (index === behaviour.stallAfterTokens) return waitUntilAborted(signal);
    if (!(await pause(behaviour.tokenDelayMs, signal))) return;
    delta({ content: token });
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
  if (meta.includeUsage) chunk([], { usage: meta.usage });
  writeEvent(response, '[DONE]');
  response.end();
}

/** OpenAI's error body. Like the real API, a 401 repeats the key it received, so tests prove Parley never relays it. */
function sendOpenAIError(response: ServerResponse, error: FakeProviderError, request: RecordedRequest): void {
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

function openAIErrorType(status: number): string {
  if (status === 401) return 'invalid_request_error';
  if (status === 429) return 'rate_limit_exceeded';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function usageOf(body: CompletionRequestBody, behaviour: FakeOpenAIBehaviour) {
  const promptTokens = (body.messages ?? []).reduce(
    (sum, message) => sum + countWords(contentText(message.content)),
    0,
  );
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
