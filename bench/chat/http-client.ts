import http from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * The load generator's client: node:http with keep-alive, not `fetch`. It shares two cores with the
 * servers it measures, so it should cost as little as possible; and it is the same client for the
 * direct, relay and Parley runs, so whatever it costs cancels out of the differences we report.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 512, keepAliveMsecs: 10_000 });

export interface JsonResponse {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
  readonly elapsedMs: number;
}

export function requestJson(
  method: string,
  url: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonResponse> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const startedAt = performance.now();
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method,
        agent,
        headers: {
          accept: 'application/json',
          ...(payload !== undefined && {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          }),
          ...options.headers,
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          const elapsedMs = performance.now() - startedAt;
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON; keep the text
          }
          resolve({ status: response.statusCode ?? 0, body, text, elapsedMs });
        });
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** How the stream frames tokens: OpenAI chunks (mock, relay) or the AI SDK UI message stream (Parley). */
export type StreamDialect = 'openai' | 'ui-message';

export interface TurnTiming {
  readonly isComplete: boolean;
  readonly status: number;
  /** Request start → response headers, in ms: for Parley, the work done before the model is called. */
  readonly headersMs: number;
  /** Request start → first token, in ms. NaN when no token arrived. */
  readonly ttftMs: number;
  /** Request start → end of the response body. */
  readonly durationMs: number;
  /** Arrival time of each token (ms after the request started), one entry per token part. */
  readonly tokenArrivalsMs: readonly number[];
  readonly text: string;
  readonly error?: string | undefined;
}

/** Sends one streaming request and timestamps every token part as its bytes arrive. */
export function streamTurn(
  url: string,
  options: { body: unknown; headers?: Record<string, string>; dialect: StreamDialect },
): Promise<TurnTiming> {
  const payload = JSON.stringify(options.body);
  const startedAt = performance.now();
  return new Promise((resolve) => {
    const arrivals: number[] = [];
    let text = '';
    let buffer = '';
    let error: string | undefined;
    let status = 0;
    let headersMs = NaN;
    const finish = (failure?: string) =>
      resolve({
        isComplete: !failure && !error && status >= 200 && status < 300 && arrivals.length > 0,
        status,
        headersMs,
        ttftMs: arrivals[0] ?? NaN,
        durationMs: performance.now() - startedAt,
        tokenArrivalsMs: arrivals,
        text,
        error: failure ?? error,
      });

    const request = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          accept: 'text/event-stream',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...options.headers,
        },
      },
      (response) => {
        headersMs = performance.now() - startedAt;
        status = response.statusCode ?? 0;
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          const now = performance.now() - startedAt;
          buffer += chunk;
          let boundary = buffer.indexOf('\n\n');
          while (boundary !== -1) {
            const event = buffer.slice(0, boundary);
            buffer = buffer.slice(boundary + 2);
            boundary = buffer.indexOf('\n\n');
            for (const line of event.split('\n')) {
              if (!line.startsWith('data:')) continue;
              const data = line.slice(line.charAt(5) === ' ' ? 6 : 5);
              if (data === '[DONE]') continue;
              const token = readToken(data, options.dialect);
              if (token.error) error = token.error;
              if (token.text !== undefined) {
                arrivals.push(now);
                text += token.text;
              }
            }
          }
        });
        response.on('end', () => finish(status >= 400 ? `HTTP ${status}: ${buffer.slice(0, 300)}` : undefined));
        response.on('error', (cause) => finish(cause.message));
      },
    );
    request.on('error', (cause) => finish(cause.message));
    request.end(payload);
  });
}

function readToken(data: string, dialect: StreamDialect): { text?: string; error?: string } {
  let part: Record<string, unknown>;
  try {
    part = JSON.parse(data) as Record<string, unknown>;
  } catch {
    return { error: `unparseable event: ${data.slice(0, 120)}` };
  }
  if (dialect === 'ui-message') {
    if (part.type === 'text-delta' && typeof part.delta === 'string') return { text: part.delta };
    if (part.type === 'error') return { error: typeof part.errorText === 'string' ? part.errorText : 'error part' };
    return {};
  }
  const choices = part.choices as Array<{ delta?: { content?: unknown } }> | undefined;
  const content = choices?.[0]?.delta?.content;
  if (typeof content === 'string' && content.length > 0) return { text: content };
  if (part.error) return { error: JSON.stringify(part.error).slice(0, 200) };
  return {};
}

export function closeIdleConnections(): void {
  agent.destroy();
}
