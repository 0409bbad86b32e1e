import { once } from 'node:events';
import { connect } from 'node:net';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSseStream } from '../../src/platform/http/sse-writer.js';

describe('SSE writer', () => {
  // fetch may open a spare connection that never sends a request; close must not wait for it.
  const app = Fastify({ forceCloseConnections: true });
  let address: string;
  let closedByClient: () => void;
  const clientGone = new Promise<void>((resolve) => (closedByClient = resolve));
  let floodClosed: () => void;
  const floodEnded = new Promise<void>((resolve) => (floodClosed = resolve));

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
    app.get('/flood', (_request, reply) => {
      const stream = openSseStream(reply, {
        headers: { 'content-type': 'text/event-stream' },
        heartbeatMs: 1000,
        maxUnreadBytes: 256 * 1024,
      });
      stream.onClose(() => floodClosed());
      const chunk = 'x'.repeat(16 * 1024);
      const timer = setInterval(() => {
        if (!stream.isOpen) clearInterval(timer);
        else stream.send(chunk);
      }, 1);
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

  it('closes the stream of a client that stopped reading, once its unread backlog passes the bound', async () => {
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(address).port) });
    socket.write(`GET /flood HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    await once(socket, 'data');
    // Reads nothing more: the server's writes queue up until the bound closes the stream.
    socket.pause();
    await expect(floodEnded).resolves.toBeUndefined();
    socket.destroy();
  });

  it('tells its owner when the client goes away', async () => {
    const abort = new AbortController();
    const response = await fetch(`${address}/forever`, { signal: abort.signal });
    expect(response.status).toBe(200);
    abort.abort();
    await expect(clientGone).resolves.toBeUndefined();
  });
});
