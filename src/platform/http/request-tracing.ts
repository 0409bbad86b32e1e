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
  app.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    span?.set({ 'http.response.status_code': reply.statusCode });
    span?.end(reply.statusCode >= 500 ? new Error(`answered ${reply.statusCode}`) : undefined);
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    spans.get(request)?.end(new Error('the client closed the connection before the answer'));
    done();
  });
}
