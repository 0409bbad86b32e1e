import type { FastifyRequest } from 'fastify';
import { beginSpan, contextFrom, isTracingOn, traceHeaders, type SpanNotes } from '../tracing/spans.js';
import type { App } from './types.js';

/**
 * A server span per request, when tracing is on (platform/tracing): the caller's `traceparent` is its
 * parent, the answer carries the request's own `traceparent` so a client can find its trace, and
 * everything the handler does (a turn's spans, log lines) runs inside it. Off, no hook is added.
 */
export function traceRequests(app: App): void {
  if (!isTracingOn()) return;
  const spans = new WeakMap<FastifyRequest, SpanNotes>();
  app.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    const span = beginSpan(route ? `${request.method} ${route}` : request.method, {
      kind: 'server',
      parent: contextFrom(request.headers),
      attributes: {
        'http.request.method': request.method,
        'url.path': request.url.split('?')[0]!,
        'url.scheme': request.protocol,
        ...(route && { 'http.route': route }),
        ...(request.headers['user-agent'] && { 'user_agent.original': request.headers['user-agent'] }),
      },
    });
    spans.set(request, span);
    // Ended when the response is done, however it was written: a hijacked reply (an SSE stream, the MCP
    // endpoint) runs no onResponse hook, and a client may go before the end.
    reply.raw.once('close', () => {
      span.set({ 'http.response.status_code': reply.raw.statusCode });
      if (!reply.raw.writableFinished) span.end(new Error('the connection closed before the answer was complete'));
      else span.end(reply.raw.statusCode >= 500 ? new Error(`answered ${reply.raw.statusCode}`) : undefined);
    });
    const { traceparent } = span.within(traceHeaders);
    if (traceparent) void reply.header('traceparent', traceparent);
    span.within(done);
  });
  // The body was read between the two (its stream's events are not the request's context): the handler
  // is entered from here, inside the span again.
  app.addHook('preHandler', (request, _reply, done) => {
    const span = spans.get(request);
    if (span) span.within(done);
    else done();
  });
}
