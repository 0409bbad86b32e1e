import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/fake-openai-server.js';
import { createAgent, createConversation, sseData } from '../harness/chat-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';

const requestTimeoutMs = 1_000;

/**
 * What Node's HTTP parser refuses before a route is found answers problem+json too. REQUEST_TIMEOUT_MS
 * bounds how long a client may take to send its request, so a client trickling a body cannot hold a
 * connection for ever; a reply streamed for longer than that is not cut.
 */
describe('client errors below the routes, and long replies', () => {
  let t: TestApp;
  let openai: FakeOpenAIServer;
  let admin: SignedInUser;
  let port: number;

  beforeAll(async () => {
    openai = await startFakeOpenAIServer();
    t = await buildTestApp({
      REQUEST_TIMEOUT_MS: String(requestTimeoutMs),
      OPENAI_BASE_URL: openai.baseUrl,
      OPENAI_API_KEY: 'sk-fake',
    });
    admin = await createTenantWithAdmin(t.app, await registerPlatformAdmin(t.app));
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await t.close();
    await openai.close();
  });

  /** Writes raw bytes to the server and collects what comes back until the server closes the connection. */
  const exchange = (bytes: string) => {
    const startedAt = Date.now();
    return new Promise<{ head: string; body: string; closedAfterMs: number }>((resolve) => {
      let received = '';
      const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        const [head = '', body = ''] = received.split('\r\n\r\n');
        resolve({ head, body, closedAfterMs: Date.now() - startedAt });
      });
    });
  };

  it('answers 408 problem+json and closes the connection of a client that never finishes its body', async () => {
    const { head, body, closedAfterMs } = await exchange(
      'POST /v1/auth/login HTTP/1.1\r\nHost: parley\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"email":',
    );
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(head).toContain('Content-Type: application/problem+json');
    expect(JSON.parse(body)).toMatchObject({ status: 408, code: 'request_timeout', requestId: expect.any(String) });
    expect(closedAfterMs).toBeGreaterThanOrEqual(requestTimeoutMs);
    expect(closedAfterMs).toBeLessThan(requestTimeoutMs * 3);
  });

  it('answers headers past the size limit, and bytes that are not HTTP, with a problem', async () => {
    const huge = await exchange(`GET /health HTTP/1.1\r\nHost: parley\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`);
    expect(huge.head.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(JSON.parse(huge.body)).toMatchObject({ code: 'headers_too_large' });
    const longUrl = await exchange(`GET /v1/agents?q=${'q'.repeat(100_000)} HTTP/1.1\r\nHost: parley\r\n\r\n`);
    expect(longUrl.head.split('\r\n')[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(JSON.parse(longUrl.body)).toMatchObject({
      detail:
        "The request's URL and headers are larger than this server accepts (16 KB together); shorten the URL or send the data in the body",
    });
    const garbage = await exchange('HELLO THERE\r\n\r\n');
    expect(garbage.head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(JSON.parse(garbage.body)).toMatchObject({ code: 'malformed_request' });
  });

  it('answers CONNECT, which asks a proxy for a tunnel, with a 405 problem instead of a dropped connection', async () => {
    const { head, body } = await exchange('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 405 Method Not Allowed');
    expect(JSON.parse(body)).toMatchObject({
      status: 405,
      code: 'method_not_allowed',
      detail: 'This server is not a proxy: CONNECT example.com:443 is not served',
    });
  });

  it('streams a reply for longer than the request timeout, to its end', async () => {
    openai.respondWith({ replyTokens: Array.from({ length: 30 }, (_, index) => `w${index} `), tokenDelayMs: 60 });
    const agent = await createAgent(t.app, admin, { model: 'openai:gpt-4o-mini' });
    const conversation = await createConversation(t.app, admin, agent.id);
    const startedAt = Date.now();
    const response = await fetch(`http://127.0.0.1:${port}/v1/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: { ...admin.headers, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ content: 'A long story, please' }),
    });
    const parts = sseData(await response.text());
    expect(Date.now() - startedAt).toBeGreaterThan(requestTimeoutMs * 1.5);
    expect(parts.at(-1)).toBe('[DONE]');
    const text = parts
      .filter((part) => part.startsWith('{'))
      .map((part) => JSON.parse(part) as { type: string; delta?: string })
      .filter((part) => part.type === 'text-delta')
      .map((part) => part.delta)
      .join('');
    expect(text).toBe(Array.from({ length: 30 }, (_, index) => `w${index} `).join(''));
  });
});
