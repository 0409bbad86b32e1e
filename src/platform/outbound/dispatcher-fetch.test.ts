import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcherFetch } from './dispatcher-fetch.js';

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** A real HTTP server on 127.0.0.1: each path is one behaviour, and every request is recorded. */
const received: Received[] = [];
let releaseSecondChunk: () => void = () => undefined;
const routes: Record<string, (request: IncomingMessage, response: ServerResponse, body: string) => void> = {
  '/echo': (request, response, body) => {
    response.writeHead(201, [
      ['content-type', 'application/json'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
    response.end(JSON.stringify({ method: request.method, body }));
  },
  '/two-chunks': (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write('data: first\n\n');
    releaseSecondChunk = () => response.end('data: second\n\n');
  },
  '/gzip': (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
    response.end(gzipSync('unpacked text'));
  },
  '/no-content': (_request, response) => {
    response.writeHead(204);
    response.end();
  },
  '/silent': () => undefined,
  '/cut-off': (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' });
    response.write('only part');
    setTimeout(() => response.socket?.destroy(), 20);
  },
  '/redirect': (_request, response) => {
    response.writeHead(307, { location: '/echo' });
    response.end();
  },
};

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
    routes[path]?.(request, response, body);
  });
});
let origin = '';
const agent = new Agent();
const dispatcherFetch = createDispatcherFetch(agent, globalThis.fetch);

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await agent.close();
});

const lastReceived = () => received.at(-1)!;

describe('fetch over an undici dispatcher', () => {
  it('sends the method, headers and body, and answers with the status, headers and URL as fetch does', async () => {
    const response = await dispatcherFetch(`${origin}/echo?x=1`, {
      method: 'post',
      headers: { 'Content-Type': 'application/json', 'X-Trace': 'abc' },
      body: '{"hello":"world"}',
    });

    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.statusText).toBe('Created');
    expect(response.url).toBe(`${origin}/echo?x=1`);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ method: 'POST', body: '{"hello":"world"}' });
    expect(lastReceived()).toMatchObject({ url: '/echo?x=1', headers: { 'x-trace': 'abc' } });
    expect(lastReceived().headers['content-length']).toBe('17');
  });

  it('sends bytes as they are', async () => {
    await dispatcherFetch(`${origin}/echo`, { method: 'POST', body: new TextEncoder().encode('bytes') });
    expect(lastReceived().body).toBe('bytes');
  });

  it('hands over each chunk of a streamed body as it arrives, not once the body has ended', async () => {
    const response = await dispatcherFetch(`${origin}/two-chunks`);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();

    expect((await reader.read()).value).toBe('data: first\n\n');
    releaseSecondChunk();
    expect((await reader.read()).value).toBe('data: second\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('decompresses a body the server compressed unasked', async () => {
    const response = await dispatcherFetch(`${origin}/gzip`);
    expect(await response.text()).toBe('unpacked text');
    expect(lastReceived().headers['accept-encoding']).toBeUndefined();
  });

  it('gives a 204 no body', async () => {
    const response = await dispatcherFetch(`${origin}/no-content`, { method: 'DELETE' });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('rejects with the signal’s reason when aborted before the headers arrive', async () => {
    const reason = new Error('caller gave up');
    const controller = new AbortController();
    const pending = dispatcherFetch(`${origin}/silent`, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 20);
    await expect(pending).rejects.toBe(reason);
  });

  it('errors the body with the signal’s reason when aborted in the middle of it', async () => {
    const controller = new AbortController();
    const response = await dispatcherFetch(`${origin}/two-chunks`, { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    const reason = new DOMException('stopped', 'TimeoutError');
    controller.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
  });

  it('reports a body cut off by the server as fetch does: TypeError("terminated")', async () => {
    const response = await dispatcherFetch(`${origin}/cut-off`);
    const error = await response.text().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
  });

  it('reports a server that cannot be reached as fetch does: TypeError("fetch failed") with the cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));

    const error = await dispatcherFetch(`http://127.0.0.1:${port}/`).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
    expect(((error as Error).cause as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('follows a redirect like fetch, and hands it back untouched with redirect: "manual"', async () => {
    const followed = await dispatcherFetch(`${origin}/redirect`, { method: 'POST', body: 'again' });
    expect(followed.status).toBe(201);
    expect(await followed.json()).toEqual({ method: 'POST', body: 'again' });

    const manual = await dispatcherFetch(`${origin}/redirect`, { redirect: 'manual' });
    expect(manual.status).toBe(307);
    expect(manual.headers.get('location')).toBe('/echo');
  });

  it('leaves a URL with credentials to the fallback fetch, which refuses it as fetch does', async () => {
    const withCredentials = origin.replace('http://', 'http://user:secret@');
    const before = received.length;

    await expect(dispatcherFetch(`${withCredentials}/echo`)).rejects.toThrow(TypeError);
    expect(received.length).toBe(before);
  });

  it('leaves a body it does not send itself (a form) to the fallback fetch', async () => {
    const form = new FormData();
    form.set('field', 'value');
    const response = await dispatcherFetch(`${origin}/echo`, { method: 'POST', body: form });

    expect(response.status).toBe(201);
    expect(lastReceived().headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(lastReceived().body).toContain('value');
  });
});
