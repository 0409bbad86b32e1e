import type { RequestInit as UndiciRequestInit } from 'undici';
import { AppError } from '../errors.js';
import { parseAddress } from './address-policy.js';
import { createPooledHttp } from './pooled-http.js';
import { redirectStatuses } from './dispatcher-fetch.js';
import { takeGateMark } from './gated-call-scope.js';
import { createOutboundGuard, portOf } from './outbound-guard.js';
import type { OutboundHttp, OutboundHttpOptions } from './outbound-http.js';
import { OutboundRefusedError, refusedProviderHost } from './outbound-refused-error.js';

/** Three are enough for a page (http → https → canonical host); more is a loop or a relay. */
export const defaultMaxRedirects = 3;
export const defaultOutboundTimeoutMs = 30_000;

/** Headers that carry credentials for one origin and must not follow a redirect to another. */
const originBoundHeaders = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * The remote host took longer than timeoutMs to answer. Refusals are OutboundRefusedError; a network
 * failure (connection refused, unknown host) stays fetch's own TypeError('fetch failed').
 */
export class OutboundTimeoutError extends AppError {
  constructor(
    readonly host: string,
    timeoutMs: number,
  ) {
    super('unprocessable', `${host} did not answer within ${formatSeconds(timeoutMs)}`);
  }
}

export function createOutboundHttp(options: OutboundHttpOptions): OutboundHttp {
  // The door's guard leaves providers' hosts to the check below, which lets a gated call through.
  const guard = createOutboundGuard({ allowList: options.allowList, resolve: options.resolve });
  const refuseProviderHost = (url: URL): void => {
    const provider = options.providerHosts?.providerAt(url);
    if (provider !== undefined) throw refusedProviderHost(url, provider);
  };
  // undici is loaded on the first outbound request (a URL to ingest, an MCP server, a webhook), not at
  // start-up: a server that makes none does not hold it. Every connection its agent opens to a host name
  // goes through the guard's lookup (see outbound-guard.ts). What dispatcher-fetch.ts passes on (a body
  // that is not text or bytes) goes through undici's own fetch on the same agent, so it meets the guard.
  const pool = createPooledHttp(({ Agent, buildConnector, fetch: undiciFetch }) => {
    // One connector per port, since the allow-list may open an address on one port only; the lookup
    // is the only place that sees both the addresses a name resolves to and the port they are used on.
    const connectors = new Map<number, ReturnType<typeof buildConnector>>();
    const agent = new Agent({
      connect: (connectOptions, callback) => {
        const port = portOf(connectOptions);
        let connector = connectors.get(port);
        if (!connector) {
          connector = buildConnector({ lookup: guard.lookupFor(port) });
          connectors.set(port, connector);
        }
        connector(connectOptions, callback);
      },
    });
    const fallback = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
      undiciFetch(input as URL, { ...(init as UndiciRequestInit), dispatcher: agent }) as unknown as Promise<Response>;
    return { agent, fallback };
  });

  const fetchOnce = async (url: URL, init: RequestInit, signal: AbortSignal): Promise<Response> => {
    try {
      return await pool.fetch(url, { ...init, redirect: 'manual', signal });
    } catch (error) {
      // undici reports a refused lookup as TypeError('fetch failed') with our error as its cause.
      throw findRefusal(error) ?? error;
    }
  };

  return {
    close: () => pool.close(),

    async assertAllowed(input, assertOptions) {
      const url = guard.checkUrl(input);
      if (!assertOptions?.isModelProvider) refuseProviderHost(url);
      if (parseAddress(url.hostname)) return;
      try {
        await guard.checkName(url.hostname, portOf(url));
      } catch (error) {
        if (error instanceof AppError) throw error;
        throw new AppError('unprocessable', `The host ${url.hostname} could not be found`, {}, { cause: error });
      }
    },

    async fetch(input, init = {}) {
      const { maxRedirects = defaultMaxRedirects, timeoutMs = defaultOutboundTimeoutMs, ...requestInit } = init;
      let url = guard.checkUrl(input);
      const firstHost = url.hostname;
      // A tenant's provider is sent a gated call without the gate's mark: it never leaves the server. Only
      // a gated call may reach a server-wide provider's host, whichever URL (or redirect) leads there.
      const marked = takeGateMark(requestInit);
      if (!marked.isGated) refuseProviderHost(url);
      // The bound covers the wait for the final response's headers, redirects included. Reading the body
      // is left to the caller, because an MCP event stream may rightly stay open for hours.
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(new OutboundTimeoutError(firstHost, timeoutMs)), timeoutMs);
      const signal = requestInit.signal ? AbortSignal.any([requestInit.signal, timeout.signal]) : timeout.signal;
      let request = await withPortableBody(marked.init);
      try {
        for (let redirects = 0; ; redirects += 1) {
          const response = await fetchOnce(url, request, signal);
          const location = response.headers.get('location');
          if (!redirectStatuses.has(response.status) || location === null || request.redirect === 'manual') {
            return response;
          }
          await response.body?.cancel();
          if (request.redirect === 'error') {
            throw new AppError(
              'unprocessable',
              `${url.hostname} answered with a redirect, which this request does not follow`,
            );
          }
          if (redirects >= maxRedirects) {
            throw new AppError('unprocessable', `${firstHost} redirected more than ${maxRedirects} times`);
          }
          const next = guard.checkUrl(resolveLocation(location, url));
          if (!marked.isGated) refuseProviderHost(next);
          request = redirectedRequest(request, response.status, url, next);
          url = next;
        }
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The request to send to a redirect's target, as the fetch standard shapes it. */
function redirectedRequest(
  request: RequestInit & { headers: Headers },
  status: number,
  from: URL,
  to: URL,
): RequestInit & { headers: Headers } {
  const headers = new Headers(request.headers);
  const method = (request.method ?? 'GET').toUpperCase();
  const isMethodChanged =
    ((status === 301 || status === 302) && method === 'POST') ||
    (status === 303 && method !== 'GET' && method !== 'HEAD');
  if (to.origin !== from.origin) for (const name of originBoundHeaders) headers.delete(name);
  if (isMethodChanged) {
    for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'])
      headers.delete(name);
    return { ...request, method: 'GET', body: null, headers };
  }
  if (request.body instanceof ReadableStream) {
    throw new AppError(
      'unprocessable',
      `${from.hostname} redirected a streamed request body, which cannot be sent again`,
    );
  }
  return { ...request, headers };
}

/**
 * undici's fetch knows only its own FormData class and would send Node's global one as "[object
 * FormData]"; encoded here (as the global fetch would) into bytes, which also survive a 307 redirect.
 */
async function withPortableBody(
  request: RequestInit & { headers: Headers },
): Promise<RequestInit & { headers: Headers }> {
  if (!(request.body instanceof FormData)) return request;
  const encoded = new Response(request.body);
  const headers = new Headers(request.headers);
  headers.set('content-type', encoded.headers.get('content-type') ?? 'multipart/form-data');
  return { ...request, headers, body: await encoded.arrayBuffer() };
}

function resolveLocation(location: string, base: URL): URL {
  try {
    return new URL(location, base);
  } catch {
    throw new OutboundRefusedError(base.hostname, `${base.hostname} redirected to an invalid URL`);
  }
}

function findRefusal(error: unknown): AppError | null {
  for (
    let current: unknown = error, depth = 0;
    current instanceof Error && depth < 5;
    current = current.cause, depth += 1
  ) {
    if (current instanceof AppError) return current;
  }
  return null;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
