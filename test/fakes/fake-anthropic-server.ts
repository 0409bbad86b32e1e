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
export interface FakeAnthropicBehaviour {
  /** `text_delta` deltas in order; joined, they are the reply. */
  readonly replyTokens: readonly string[];
  /** Sent first, as a `thinking` block of `thinking_delta`s; none by default. */
  readonly thinkingTokens: readonly string[];
  readonly tokenDelayMs: number;
  /** Answer every request with this error, in Anthropic's `{type:'error', error:{type, message}}` shape. */
  readonly error?: FakeProviderError;
  /** Stream this many reply tokens, then send nothing more and keep the connection open. */
  readonly stallAfterTokens?: number;
  /** Stream this many reply tokens, then end the response cleanly: no `message_delta`, no `message_stop`. */
  readonly endAfterTokens?: number;
}

export interface FakeAnthropicServer {
  readonly url: string;
  /** `{url}/v1`, what the Anthropic client takes as its base URL. */
  readonly baseUrl: string;
  readonly requests: readonly RecordedRequest[];
  lastRequest(): RecordedRequest;
  /** Answers from now on with the defaults plus `overrides` (earlier overrides are dropped). */
  respondWith(overrides: Partial<FakeAnthropicBehaviour>): void;
  close(): Promise<void>;
}

export const defaultAnthropicReplyTokens: readonly string[] = ['Hello', ' from', ' the', ' fake', ' Claude.'];
export const fakeThinkingSignature = 'fake-signature';

const defaultBehaviour: FakeAnthropicBehaviour = {
  replyTokens: defaultAnthropicReplyTokens,
  thinkingTokens: [],
  tokenDelayMs: 0,
};

/** A fake of Anthropic's Messages API: `POST /v1/messages`, streaming (SSE) and not. */
export async function startFakeAnthropicServer(
  initial: Partial<FakeAnthropicBehaviour> & FakeServerOptions = {},
): Promise<FakeAnthropicServer> {
  let behaviour: FakeAnthropicBehaviour = { ...defaultBehaviour, ...initial };
  let sequence = 0;

  const server = await startFakeHttpServer(async ({ request, response, signal }) => {
    if (request.method === 'POST' && request.path === '/v1/messages') {
      sequence += 1;
      return answerMessage({ request, response, signal }, behaviour, `msg_fake_${sequence}`);
    }
    sendAnthropicError(response, { status: 404, message: `Not found: ${request.method} ${request.path}` });
  }, initial);

  return {
    url: server.url,
    baseUrl: `${server.url}/v1`,
    requests: server.requests,
    lastRequest() {
      const last = server.requests.at(-1);
      if (!last) throw new Error('The fake Anthropic server has received no request');
      return last;
    },
    respondWith(overrides) {
      behaviour = { ...defaultBehaviour, ...overrides };
    },
    close: server.close,
  };
}

interface MessagesRequestBody {
  model?: string;
  stream?: boolean;
  system?: unknown;
  messages?: Array<{ content?: unknown }>;
}

async function answerMessage(exchange: FakeExchange, behaviour: FakeAnthropicBehaviour, id: string): Promise<void> {
  const { request, response } = exchange;
  if (behaviour.error) return sendAnthropicError(response, behaviour.error);
  const body = (request.body ?? {}) as MessagesRequestBody;
  const model = body.model ?? 'claude-fake';
  const inputTokens =
    countWords(contentText(body.system)) +
    (body.messages ?? []).reduce((sum, message) => sum + countWords(contentText(message.content)), 0);
  const outputTokens = behaviour.replyTokens.length + behaviour.thinkingTokens.length;
  if (body.stream) return streamMessage(exchange, behaviour, { id, model, inputTokens, outputTokens });

  await pause(behaviour.tokenDelayMs * behaviour.replyTokens.length, exchange.signal);
  const thinking = behaviour.thinkingTokens.join('');
  sendJson(response, 200, {
    id,
    type: 'message',
    role: 'assistant',
    model,
    content: [
      ...(thinking ? [{ type: 'thinking', thinking, signature: fakeThinkingSignature }] : []),
      { type: 'text', text: behaviour.replyTokens.join('') },
    ],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: inputTokens, output_tokens: outputTokens },
  });
}

async function streamMessage(
  { response, signal }: FakeExchange,
  behaviour: FakeAnthropicBehaviour,
  meta: { id: string; model: string; inputTokens: number; outputTokens: number },
): Promise<void> {
  const send = (data: { type: string } & Record<string, unknown>) =>
    writeEvent(response, JSON.stringify(data), data.type);

  startEventStream(response);
  send({
    type: 'message_start',
    message: {
      id: meta.id,
      type: 'message',
      role: 'assistant',
      model: meta.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: meta.inputTokens, output_tokens: 1 },
    },
  });
  send({ type: 'ping' });

  let index = 0;
  if (behaviour.thinkingTokens.length > 0) {
    send({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
    for (const token of behaviour.thinkingTokens) {
      if (!(await pause(behaviour.tokenDelayMs, signal))) return;
      send({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: token } });
    }
    send({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: fakeThinkingSignature } });
    send({ type: 'content_block_stop', index });
    index += 1;
  }

  send({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
  for (const [position, token] of behaviour.replyTokens.entries()) {
    if (position === behaviour.stallAfterTokens) return waitUntilAborted(signal);
    if (position === behaviour.endAfterTokens) return void response.end();
    if (!(await pause(behaviour.tokenDelayMs, signal))) return;
    send({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: token } });
  }
  if (behaviour.stallAfterTokens !== undefined && behaviour.stallAfterTokens >= behaviour.replyTokens.length) {
    return waitUntilAborted(signal);
  }
  send({ type: 'content_block_stop', index });
  send({
    type: 'message_delta',
    delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: meta.outputTokens },
  });
  send({ type: 'message_stop' });
  response.end();
}

function sendAnthropicError(response: ServerResponse, error: FakeProviderError): void {
  const type = error.type ?? anthropicErrorType(error.status);
  sendJson(
    response,
    error.status,
    { type: 'error', error: { type, message: error.message ?? `Fake ${type}` }, request_id: 'req_fake' },
    retryAfterHeaders(error),
  );
}

function anthropicErrorType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}
