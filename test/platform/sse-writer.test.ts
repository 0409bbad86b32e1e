import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSseStream } from '../../src/platform/http/sse-writer.js';

describe('SSE writer', () => {
  // fetch may open a spare connection that never sends a request; close must not wait for it.
  const app = Fastify({ forceCloseConnections: true });
  let address: string;
  let closedByClient: () => void;
  const clientGone = new Promise<void>((resolve) => (closedByClient = resolve));

  beforeAll(async () => {
    app.get('/events', (_request, reply) => {
      void reply.header('access-control-allow-origin', '*');
      const stream = openSseStream(reply, { headers: { 'content-type': 'text/event-stream' }, heartbeatMs: 20 });
      stream.send('first\nsecond');
      setTimeout(() => {
        stream.sendAll(['{"type":"finish"}', 'last\nline', '[DONE]']);
        stream.end();
      }, 70);
    });
    app.get('/forever', (_request, reply) => {
      const stream = openSseStream(reply, { headers: { 'content-type': 'text/event-stream' }, heartbeatMs: 1000 });
      stream.onClose(() => closedByClient());
    });
    address = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  it('keeps headers set before it took over, splits multi-line data, sends heartbeat comments and batches', async () => {
    const response = await fetch(`${address}/events`);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('x-request-id')).toEqual(expect.any(String));
    const body = await response.text();
    expect(body.startsWith('data: first\ndata: second\n\n')).toBe(true);
    expect(body).toContain(': keep-alive\n\n');
    expect(body.endsWith('data: {"type":"finish"}\n\ndata: last\ndata: line\n\ndata: [DONE]\n\n')).toBe(true);
  });

  it('tells its owner when the client goes away', async () => {
    const abort = new AbortController();
    const response = await fetch(`${address}/forever`, { signal: abort.signal });
    expect(response.status).toBe(200);
    abort.abort();
    await expect(clientGone).resolves.toBeUndefined();
  });
});
