import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a fake provider received, so tests can assert what Parley actually sent over the wire. */
export interface RecordedRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased names, as Node delivers them. */
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON when the body is JSON, else the raw text; undefined when empty. */
  readonly body: unknown;
  /** `performance.now()` when its head arrived: what a test orders the server's own work against. */
  readonly receivedAt: number;
}

/** An error a fake answers with instead of a reply, in the provider's own error format. */
export interface FakeProviderError {
  readonly status: number;
  readonly message?: string;
  /** Provider error type, e.g. `invalid_request_error`; a realistic one is chosen from the status if omitted. */
  readonly type?: string;
  /** OpenAI's machine-readable code, e.g. `invalid_api_key` or `insufficient_quota`. */
  readonly code?: string;
  readonly retryAfterSeconds?: number;
}

export interface FakeServerOptions {
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Only the most recent requests are kept, so a long benchmark run does not grow without bound. */
  readonly maxRecordedRequests?: number;
}

export interface FakeExchange {
  readonly request: RecordedRequest;
  readonly response: ServerResponse;
  /** Aborted when the client goes away or the server closes; every wait inside a handler honours it. */
  readonly signal: AbortSignal;
}

export interface RunningFakeServer {
  readonly url: string;
  readonly port: number;
  readonly requests: readonly RecordedRequest[];
  /** Requests still being answered: a stalled stream counts until the client hangs up. */
  openExchangeCount(): number;
  clearRequests(): void;
  close(): Promise<void>;
}

/** A plain node:http server on 127.0.0.1 that records each request and hands it to `handle`. */
export async function startFakeHttpServer(
  handle: (exchange: FakeExchange) => Promise<void>,
  options: FakeServerOptions = {},
): Promise<RunningFakeServer> {
  const host = options.host ?? '127.0.0.1';
  const maxRecorded = options.maxRecordedRequests ?? 1000;
  const requests: RecordedRequest[] = [];
  const closing = new AbortController();
  let openExchanges = 0;

  const server = createServer((incoming, response) => {
    const signal = AbortSignal.any([closing.signal, closedSignal(response)]);
    openExchanges += 1;
    void (async () => {
      try {
        const request = await readRequest(incoming);
        requests.push(request);
        if (requests.length > maxRecorded) requests.shift();
        await handle({ request, response, signal });
      } catch (error) {
        if (!response.headersSent) sendJson(response, 500, { error: { message: String(error) } });
        else response.destroy();
      } finally {
        openExchanges -= 1;
      }
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    openExchangeCount: () => openExchanges,
    clearRequests: () => void requests.splice(0),
    close: async () => {
      // Stalled streams never end by themselves: abort their waits and drop their sockets.
      closing.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

export function startEventStream(response: ServerResponse): void {
  response.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  response.flushHeaders();
}

/** One server-sent event; `event` is omitted for OpenAI, which sends bare `data:` lines. */
export function writeEvent(response: ServerResponse, data: string, event?: string): void {
  if (response.writableEnded || response.destroyed) return;
  response.write(event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`);
}

/** Resolves after `ms`, or as soon as `signal` aborts; returns whether the wait ran to the end. */
export { pauseUnlessAborted as pause } from '../../src/platform/abortable-pause.js';

/** Never resolves on its own: the stalled stream stays open until the client or the server gives up. */
export function waitUntilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** Splits text into word tokens that keep their leading space, the way model deltas usually look. */
export function splitIntoTokens(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/** Word count: the fakes' stand-in for a tokenizer, good enough for usage assertions. */
export function countWords(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

/** The text of a message's content, whether a plain string or an array of `{ type: 'text', text }` parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) =>
      typeof part === 'object' && part !== null && 'text' in part && typeof part.text === 'string' ? part.text : '',
    )
    .join(' ');
}

export function retryAfterHeaders(error: FakeProviderError): Record<string, string> {
  return error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) };
}

function closedSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => controller.abort());
  return controller.signal;
}

async function readRequest(incoming: IncomingMessage): Promise<RecordedRequest> {
  const receivedAt = performance.now();
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const url = new URL(incoming.url ?? '/', 'http://fake.local');
  return {
    method: incoming.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: incoming.headers,
    body: parseBody(text, incoming.headers['content-type']),
    receivedAt,
  };
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (text === '') return undefined;
  if (!contentType?.includes('json')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
