import { readUIMessageStream, type UIMessageChunk } from 'ai';
import { describe, expect, it } from 'vitest';
import type { AuthedFetch } from '../../api/api-client';
import type { ChatMessage } from './chat-messages';
import { createChatTransport, type ReplyFollowing } from './chat-transport';

const ids = { conversationId: 'c1', userMessageId: 'u1', assistantMessageId: 'a1' };
const quick: ReplyFollowing = { resumeForMs: 2_000, resendForMs: 2_000, pauseMs: 1, maxPauseMs: 5 };

/** An SSE body of these events (`[id, data]`), ending as a cut stream does: cleanly, or with a dropped connection. */
function sse(events: [string | undefined, unknown][], end: 'close' | 'drop' = 'close', status = 200): Response {
  const text = events
    .map(
      ([id, data]) =>
        `${id === undefined ? '' : `id: ${id}\n`}data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`,
    )
    .join('');
  let hasSent = false;
  // Erroring at once would drop what was queued: the events are read first, then the connection ends.
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!hasSent) {
        hasSent = true;
        if (text) return controller.enqueue(new TextEncoder().encode(text));
      }
      if (end === 'close') controller.close();
      else controller.error(new TypeError('network error'));
    },
  });
  return new Response(body, { status, headers: { 'content-type': 'text/event-stream' } });
}

const problem = (status: number, headers: Record<string, string> = {}) =>
  Response.json(
    { status, code: 'not_ready', detail: 'This server is stopping; send the request again' },
    { status, headers },
  );

/** A fetch answering each request with the next answer queued for its method and path; it records every call. */
function fakeFetch(answers: Record<string, (() => Response)[]>) {
  const calls: { method: string; path: string; headers: Headers; body: unknown }[] = [];
  const authedFetch = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const method = init.method ?? 'GET';
    const path = input instanceof Request ? input.url : input.toString();
    calls.push({
      method,
      path,
      headers: new Headers(init.headers),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    const next = answers[`${method} ${path}`]?.shift();
    if (!next) return Response.json({ code: 'not_found', detail: `No answer for ${method} ${path}` }, { status: 404 });
    return next();
  }) as AuthedFetch;
  return { authedFetch, calls };
}

const send = (transport: ReturnType<typeof createChatTransport>, text = 'Tell me a story') =>
  transport.sendMessages({
    trigger: 'submit-message',
    chatId: 'c1',
    messageId: undefined,
    messages: [{ id: 'local-1', role: 'user', parts: [{ type: 'text', text }] }],
    abortSignal: undefined,
  });

async function readAll(stream: ReadableStream<UIMessageChunk>) {
  const chunks: UIMessageChunk[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return chunks;
    chunks.push(value);
  }
}

async function assembled(chunks: UIMessageChunk[]): Promise<ChatMessage | undefined> {
  const stream = new ReadableStream<UIMessageChunk>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  let message: ChatMessage | undefined;
  for await (const each of readUIMessageStream<ChatMessage>({ stream, onError: () => undefined })) message = each;
  return message;
}

const started = { type: 'start', messageId: 'a1', messageMetadata: { ...ids, model: 'openai:gpt-4o-mini' } };
const textOf = (message: ChatMessage | undefined) =>
  message?.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
const stream = '/v1/conversations/c1/messages/a1/stream';
const interrupted = {
  type: 'error',
  conversationId: 'c1',
  seq: 9,
  messageId: 'a1',
  code: 'not_ready',
  message: 'The reply was interrupted because the server stopped before it finished; send the message again',
  reply: {
    id: 'a1',
    status: 'error',
    content: 'Once upon',
    model: 'openai:gpt-4o-mini',
    finishReason: 'error',
    error: { code: 'not_ready', message: 'The reply was interrupted because the server stopped before it finished' },
  },
};

describe("the chat transport's cut streams", () => {
  it('follows a stream that ended without its finish through …/stream from the last event id, to the outcome', async () => {
    const { authedFetch, calls } = fakeFetch({
      'POST /v1/conversations/c1/messages': [
        () =>
          sse([
            [undefined, started],
            ['7.0', { type: 'start-step' }],
            [undefined, { type: 'text-start', id: 'text-1' }],
            ['7.1', { type: 'text-delta', id: 'text-1', delta: 'Once' }],
            ['7.2', { type: 'text-delta', id: 'text-1', delta: ' upon' }],
          ]),
      ],
      [`GET ${stream}`]: [
        () =>
          sse([
            ['7.3', { type: 'text-delta', conversationId: 'c1', seq: 7, part: 3, messageId: 'a1', delta: ' a time' }],
            ['9', interrupted],
          ]),
      ],
    });
    const chunks = await readAll(await send(createChatTransport('c1', authedFetch, quick)));

    const resumed = calls.filter((call) => call.path === stream);
    expect(resumed.map((call) => call.headers.get('last-event-id'))).toEqual(['7.2']);
    // The open text part goes on; the outcome ends it as the send's own stream would have.
    expect(chunks.slice(5)).toEqual([
      { type: 'text-delta', id: 'text-1', delta: ' a time' },
      { type: 'text-end', id: 'text-1' },
      { type: 'error', errorText: interrupted.message },
      {
        type: 'finish',
        finishReason: 'error',
        messageMetadata: expect.objectContaining({ ...ids, status: 'error', error: interrupted.reply.error }),
      },
    ]);
    const message = await assembled(chunks);
    expect(textOf(message)).toBe('Once upon a time');
    expect(message?.metadata?.status).toBe('error');
  });

  it('follows it again when the resumed stream is cut too, and past a stopping server or a dropped connection', async () => {
    const { authedFetch, calls } = fakeFetch({
      'POST /v1/conversations/c1/messages': [
        () =>
          sse(
            [
              [undefined, started],
              ['7.0', { type: 'start-step' }],
            ],
            'drop',
          ),
      ],
      [`GET ${stream}`]: [
        () => problem(503, { 'retry-after': '1' }),
        () =>
          sse(
            [['7.1', { type: 'text-delta', conversationId: 'c1', seq: 7, part: 1, messageId: 'a1', delta: 'Hi' }]],
            'drop',
          ),
        () => {
          throw new TypeError('network error');
        },
        () =>
          sse([
            ['7.2', { type: 'text-delta', conversationId: 'c1', seq: 7, part: 2, messageId: 'a1', delta: ' there' }],
            [
              '8',
              {
                type: 'finished',
                conversationId: 'c1',
                seq: 8,
                messageId: 'a1',
                message: { id: 'a1', status: 'complete', content: 'Hi there', finishReason: 'stop', model: 'offline' },
              },
            ],
          ]),
      ],
    });
    const chunks = await readAll(await send(createChatTransport('c1', authedFetch, quick)));

    expect(calls.filter((call) => call.path === stream).map((call) => call.headers.get('last-event-id'))).toEqual([
      '7.0',
      '7.0',
      '7.1',
      '7.1',
    ]);
    const message = await assembled(chunks);
    expect(textOf(message)).toBe('Hi there');
    expect(message?.metadata).toMatchObject({ status: 'complete', finishReason: 'stop' });
    expect(chunks.at(-1)).toMatchObject({ type: 'finish', finishReason: 'stop' });
  });

  it('does not follow a stream that ended with its finish', async () => {
    const { authedFetch, calls } = fakeFetch({
      'POST /v1/conversations/c1/messages': [
        () =>
          sse([
            [undefined, started],
            ['7.0', { type: 'start-step' }],
            [undefined, { type: 'finish-step' }],
            ['8', { type: 'finish', finishReason: 'stop', messageMetadata: { ...ids, status: 'complete' } }],
            [undefined, '[DONE]'],
          ]),
      ],
    });
    const chunks = await readAll(await send(createChatTransport('c1', authedFetch, quick)));
    expect(chunks.map((chunk) => chunk.type)).toEqual(['start', 'start-step', 'finish-step', 'finish']);
    expect(calls).toHaveLength(1);
  });

  it('says the connection was lost when the reply cannot be followed (gone), or its outcome does not come in time', async () => {
    const gone = fakeFetch({
      'POST /v1/conversations/c1/messages': [
        () =>
          sse([
            [undefined, started],
            ['7.0', { type: 'start-step' }],
          ]),
      ],
    });
    await expect(readAll(await send(createChatTransport('c1', gone.authedFetch, quick)))).rejects.toBeInstanceOf(
      TypeError,
    );

    const silent = fakeFetch({
      'POST /v1/conversations/c1/messages': [
        () =>
          sse([
            [undefined, started],
            ['7.0', { type: 'start-step' }],
          ]),
      ],
      [`GET ${stream}`]: Array.from({ length: 100 }, () => () => problem(503)),
    });
    const transport = createChatTransport('c1', silent.authedFetch, { ...quick, resumeForMs: 50 });
    await expect(readAll(await send(transport))).rejects.toThrow('The connection to the server was lost');
  });

  it('a cut before the reply began has nothing to follow: the connection is lost', async () => {
    const { authedFetch, calls } = fakeFetch({ 'POST /v1/conversations/c1/messages': [() => sse([], 'drop')] });
    await expect(readAll(await send(createChatTransport('c1', authedFetch, quick)))).rejects.toBeInstanceOf(TypeError);
    expect(calls).toHaveLength(1);
  });
});

describe("the chat transport's sends", () => {
  it('sends again, with the same Idempotency-Key, what a stopping server refused or what got no answer', async () => {
    const { authedFetch, calls } = fakeFetch({
      'POST /v1/conversations/c1/messages': [
        () => problem(503, { 'retry-after': '0' }),
        () => {
          throw new TypeError('network error');
        },
        () =>
          sse([
            [undefined, started],
            ['8', { type: 'finish', finishReason: 'stop', messageMetadata: { ...ids, status: 'complete' } }],
          ]),
      ],
    });
    const chunks = await readAll(await send(createChatTransport('c1', authedFetch, quick)));
    expect(chunks.at(-1)).toMatchObject({ type: 'finish' });
    const keys = calls.map((call) => call.headers.get('idempotency-key'));
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^console-[0-9a-f]{32}$/);
    expect(calls.map((call) => call.body)).toEqual(Array(3).fill({ content: 'Tell me a story' }));
  });

  it('gives each send a key of its own, and hands a refusal without Retry-After to useChat at once', async () => {
    const { authedFetch, calls } = fakeFetch({
      'POST /v1/conversations/c1/messages': [() => problem(503), () => problem(503)],
    });
    const transport = createChatTransport('c1', authedFetch, quick);
    await expect(send(transport, 'one')).rejects.toThrow('This server is stopping');
    await expect(send(transport, 'two')).rejects.toThrow('This server is stopping');
    const keys = calls.map((call) => call.headers.get('idempotency-key'));
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
  });

  it('does not send a retry or a tool decision again after a dropped connection: only a refusal that did nothing', async () => {
    const { authedFetch, calls } = fakeFetch({
      'POST /v1/conversations/c1/messages/a1/retry': [
        () => {
          throw new TypeError('network error');
        },
      ],
    });
    const transport = createChatTransport('c1', authedFetch, quick);
    const retried = transport.sendMessages({
      trigger: 'regenerate-message',
      chatId: 'c1',
      messageId: 'a1',
      messages: [],
      abortSignal: undefined,
    });
    await expect(retried).rejects.toBeInstanceOf(TypeError);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers.get('idempotency-key')).toBeNull();
  });
});
