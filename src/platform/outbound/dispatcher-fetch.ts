import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Dispatcher } from 'undici';

/**
 * fetch's contract on undici's lower-level `dispatcher.request`, for the requests a model provider's SDK
 * makes on every chat turn (ADR 7). The same request through WHATWG fetch's machinery reached the first
 * byte of a streamed reply ~0.6 ms later with one stream on the bench machine (its Request and Response
 * objects, header guards and body pipeline): an eighth of the time Parley adds before the first token.
 *
 * Kept from fetch, because the SDKs and the outbound guard rely on it:
 * - the Response's status, status text, headers (as received), URL and a streamed body;
 * - a body the server compressed anyway is decompressed (none is asked for: no `accept-encoding` is sent);
 * - an abort rejects with the signal's reason, before the headers or in the middle of the body;
 * - a network failure rejects with `TypeError('fetch failed')` whose cause is undici's error, and a body
 *   cut off errors with `TypeError('terminated')`: the SDKs map those to retryable connection errors;
 * - `redirect: 'manual'` hands back the 3xx response (the guard follows redirects itself).
 * Whatever this does not handle goes to `fallback` unchanged: a Request object as input, a URL that is
 * not plain http(s) or carries credentials, a body that is not text or bytes (FormData, streams), a
 * redirect to follow or to refuse.
 */
export function createDispatcherFetch(dispatcher: Dispatcher, fallback: typeof fetch): typeof fetch {
  return async (input, init = {}) => {
    const body = requestBody(init.body);
    if (input instanceof Request || body === unsupported) return fallback(input, init);
    const url = new URL(input);
    // fetch refuses credentials in a URL and reads data: and blob: URLs itself; a dispatcher would not.
    if (!isPlainHttp(url)) return fallback(input, init);
    const method = (init.method ?? 'GET').toUpperCase();
    const signal = init.signal ?? undefined;
    let response: Dispatcher.ResponseData;
    try {
      response = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method,
        headers: headerRecord(init.headers),
        body,
        ...(signal && { signal }),
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new TypeError('fetch failed', { cause: error });
    }

    const headers = responseHeaders(response.headers);
    if (redirectStatuses.has(response.statusCode) && headers.has('location') && init.redirect !== 'manual') {
      discard(response.body);
      return fallback(input, init);
    }
    const hasBody = method !== 'HEAD' && !nullBodyStatuses.has(response.statusCode);
    if (!hasBody) discard(response.body);
    const result = new Response(hasBody ? webStream(response.body, headers, signal) : null, {
      status: response.statusCode,
      statusText: STATUS_CODES[response.statusCode] ?? '',
      headers,
    });
    Object.defineProperty(result, 'url', { value: url.href });
    return result;
  };
}

const unsupported = Symbol('unsupported body');
/** The statuses fetch follows when they carry a location (the outbound guard follows them itself). */
export const redirectStatuses: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const nullBodyStatuses = new Set([101, 103, 204, 205, 304]);

function isPlainHttp(url: URL): boolean {
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === '';
}

function requestBody(body: RequestInit['body']): string | Uint8Array | null | typeof unsupported {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return unsupported;
}

function headerRecord(headers: HeadersInit | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  if (headers) new Headers(headers).forEach((value, name) => (record[name] = value));
  return record;
}

function responseHeaders(received: Dispatcher.ResponseData['headers']): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(received)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const each of value) headers.append(name, each);
    else headers.append(name, value);
  }
  return headers;
}

function decoded(body: Readable, headers: Headers): Readable {
  const encoding = headers.get('content-encoding')?.trim().toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (!decoder) return body;
  body.on('error', (error) => decoder.destroy(error));
  return body.pipe(decoder);
}

/** Closes a body nobody will read. undici reports that as an error on the body, which no one awaits. */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** Pulled, not pushed: nothing is read from the socket before the SDK asks, as with fetch's own body. */
function webStream(body: Readable, headers: Headers, signal: AbortSignal | undefined): ReadableStream<Uint8Array> {
  const chunks = decoded(body, headers)[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          controller.error(signal?.aborted ? signal.reason : new TypeError('terminated', { cause: error }));
        }
      },
      cancel() {
        discard(body);
      },
    },
    { highWaterMark: 0 },
  );
}
