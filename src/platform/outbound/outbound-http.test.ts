import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createOutboundHttp, OutboundTimeoutError } from './create-outbound-http.js';
import type { OutboundHttp } from './outbound-http.js';
import { OutboundRefusedError } from './outbound-refused-error.js';

interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
}

interface FakeServer {
  readonly origin: string;
  readonly port: number;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 whose routes are plain functions. */
async function startServer(route: (request: IncomingMessage, response: ServerResponse) => void): Promise<FakeServer> {
  const seen: SeenRequest[] = [];
  const server: Server = createServer((request, response) => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    request.resume();
    route(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function redirect(response: ServerResponse, location: string, status = 302): void {
  response.writeHead(status, { location }).end();
}

let site: FakeServer;
let other: FakeServer;
const clients: OutboundHttp[] = [];

function outbound(options: Parameters<typeof createOutboundHttp>[0]): OutboundHttp {
  const client = createOutboundHttp(options);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  other = await startServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain' }).end(`other ${request.method}`);
  });
  site = await startServer((request, response) => {
    const path = request.url ?? '/';
    if (path === '/doc') response.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
    else if (path === '/to-doc') redirect(response, '/doc');
    else if (path === '/loop') redirect(response, '/loop');
    else if (path === '/to-metadata') redirect(response, 'http://169.254.169.254/latest/meta-data/');
    else if (path === '/to-private-name') redirect(response, 'http://intranet.example.com/');
    else if (path === '/to-other') redirect(response, `${other.origin}/`, 307);
    else if (path === '/see-other') redirect(response, '/doc', 303);
    else if (path === '/slow') setTimeout(() => response.end('late'), 5_000).unref();
    else response.writeHead(404).end();
  });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  site.seen.length = 0;
  other.seen.length = 0;
});

afterAll(async () => {
  await Promise.all([site.close(), other.close()]);
});

describe('outbound fetch on real sockets', () => {
  it('refuses a loopback server that is not on the allow-list, without sending it anything', async () => {
    const client = outbound({ allowList: [] });
    const refusal = client.fetch(`${site.origin}/doc`);

    await expect(refusal).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(refusal).rejects.toThrow('127.0.0.1 is a loopback address');
    expect(site.seen).toHaveLength(0);
  });

  it('fetches from a server the allow-list opens', async () => {
    const client = outbound({ allowList: ['127.0.0.1'] });
    const response = await client.fetch(`${site.origin}/doc`);

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('hello');
  });

  it('refuses a public-looking name that resolves to 127.0.0.1, at connect time', async () => {
    const client = outbound({ allowList: [], resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    const refusal = client.fetch(`http://docs.example.com:${site.port}/doc`);

    await expect(refusal).rejects.toBeInstanceOf(OutboundRefusedError);
    await expect(refusal).rejects.toThrow('docs.example.com resolves to 127.0.0.1, a loopback address');
    expect(site.seen).toHaveLength(0);
  });

  it('checks the address it connects to, so a DNS answer that changes after the check is still refused', async () => {
    const answers = ['93.184.216.34', '127.0.0.1'];
    const client = outbound({
      allowList: [],
      resolve: async () => [{ address: answers.shift() ?? '127.0.0.1', family: 4 }],
    });

    await expect(client.assertAllowed(`http://rebind.example.com:${site.port}/doc`)).resolves.toBeUndefined();
    await expect(client.fetch(`http://rebind.example.com:${site.port}/doc`)).rejects.toThrow('resolves to 127.0.0.1');
    expect(site.seen).toHaveLength(0);
  });

  it('holds a name to the port an address was opened on, when it connects', async () => {
    const other = await startServer((_request, response) => response.end('metrics'));
    try {
      const client = outbound({
        allowList: [`127.0.0.1:${site.port}`],
        resolve: async () => [{ address: '127.0.0.1', family: 4 }],
      });
      expect(await (await client.fetch(`http://docs.example.com:${site.port}/doc`)).text()).toBe('hello');
      await expect(client.fetch(`http://docs.example.com:${other.port}/metrics`)).rejects.toThrow(
        'docs.example.com resolves to 127.0.0.1, a loopback address',
      );
      await expect(client.fetch(`${other.origin}/metrics`)).rejects.toThrow('127.0.0.1 is a loopback address');
      expect(other.seen).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('connects to the address it checked for an allowed name, and sends that name as the host', async () => {
    const client = outbound({ allowList: ['docs.test'], resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
    const response = await client.fetch(`http://docs.test:${site.port}/doc`);

    expect(await response.text()).toBe('hello');
    expect(site.seen[0]?.headers.host).toBe(`docs.test:${site.port}`);
  });

  it('follows a redirect between allowed addresses', async () => {
    const client = outbound({ allowList: ['127.0.0.1'] });
    const response = await client.fetch(`${site.origin}/to-doc`);

    expect(await response.text()).toBe('hello');
    expect(site.seen.map((request) => request.url)).toEqual(['/to-doc', '/doc']);
  });

  it('refuses a redirect from an allowed server to a metadata address', async () => {
    const client = outbound({ allowList: ['127.0.0.1'] });
    await expect(client.fetch(`${site.origin}/to-metadata`)).rejects.toThrow(
      '169.254.169.254 is a cloud metadata address',
    );
  });

  it('refuses a redirect to a name that resolves to a private address', async () => {
    const client = outbound({
      allowList: ['127.0.0.1'],
      resolve: async () => [{ address: '192.168.0.10', family: 4 }],
    });
    await expect(client.fetch(`${site.origin}/to-private-name`)).rejects.toThrow(
      'intranet.example.com resolves to 192.168.0.10, a private address',
    );
  });

  it('stops a redirect loop after three redirects', async () => {
    const client = outbound({ allowList: ['127.0.0.1'] });
    const refusal = client.fetch(`${site.origin}/loop`);

    await expect(refusal).rejects.toThrow('127.0.0.1 redirected more than 3 times');
    await expect(refusal).rejects.toMatchObject({ code: 'unprocessable' });
    expect(site.seen).toHaveLength(4);
  });

  it('follows no redirect with maxRedirects 0, and hands a manual redirect back as it is', async () => {
    const client = outbound({ allowList: ['127.0.0.1'] });
    await expect(client.fetch(`${site.origin}/to-doc`, { maxRedirects: 0 })).rejects.toThrow(
      'redirected more than 0 times',
    );

    const response = await client.fetch(`${site.origin}/to-doc`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/doc');
  });

  it('drops the Authorization header when a redirect leaves the origin', async () => {
    const client = outbound({ allowList: ['127.0.0.1'] });
    const response = await client.fetch(`${site.origin}/to-other`, {
      method: 'POST',
      body: 'payload',
      headers: { authorization: 'Bearer secret-token', 'x-trace': 'kept' },
    });

    expect(await response.text()).toBe('other POST');
    expect(site.seen[0]?.headers.authorization).toBe('Bearer secret-token');
    expect(other.seen[0]?.headers.authorization).toBeUndefined();
    expect(other.seen[0]?.headers['x-trace']).toBe('kept');
  });

  it("sends Node's own FormData as multipart, not as '[object FormData]'", async () => {
    const received: string[] = [];
    const echo = await startServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(`${request.headers['content-type'] ?? ''}\n${body}`);
        response.end('ok');
      });
    });
    try {
      const form = new FormData();
      form.append('field', 'value-1');
      const client = outbound({ allowList: ['127.0.0.1'] });
      await client.fetch(`${echo.origin}/`, { method: 'POST', body: form });

      expect(received[0]).toMatch(/^multipart\/form-data; boundary=/);
      expect(received[0]).toContain('value-1');
    } finally {
      await echo.close();
    }
  });

  it('turns a POST into a GET on 303 See Other', async () => {
    const client = outbound({ allowList: ['127.0.0.1'] });
    await client.fetch(`${site.origin}/see-other`, { method: 'POST', body: 'x' });

    expect(site.seen.map((request) => `${request.method} ${request.url}`)).toEqual(['POST /see-other', 'GET /doc']);
  });

  it('gives up on a server that does not answer within timeoutMs', async () => {
    const client = outbound({ allowList: ['127.0.0.1'] });
    const startedAt = performance.now();
    const refusal = client.fetch(`${site.origin}/slow`, { timeoutMs: 200 });

    await expect(refusal).rejects.toBeInstanceOf(OutboundTimeoutError);
    await expect(refusal).rejects.toThrow('127.0.0.1 did not answer within 200 ms');
    expect(performance.now() - startedAt).toBeLessThan(2_000);
  });

  it("honours the caller's own abort signal", async () => {
    const client = outbound({ allowList: ['127.0.0.1'] });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller gave up')), 50);

    await expect(client.fetch(`${site.origin}/slow`, { signal: controller.signal })).rejects.toThrow('caller gave up');
  });
});
