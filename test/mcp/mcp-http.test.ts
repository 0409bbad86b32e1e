import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  startHttpMcpServer,
  startListReplyServer,
  startRedirectServer,
  startSseMcpServer,
  startToolListServer,
  type TestHttpMcpServer,
} from './fixtures/http-server.js';
import { createAndSync, createServer, execute, syncTools, testMcpBounds } from './mcp-setup.js';

const storedToken = 'Bearer mcp-server-token-91c2';

describe('MCP servers over Streamable HTTP', () => {
  let testApp: TestApp;
  let admin: SignedInUser;
  let mcpServer: TestHttpMcpServer;
  const logLines: string[] = [];

  beforeAll(async () => {
    mcpServer = await startHttpMcpServer();
    const logDestination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    // The fake server lives on loopback, which the guard refuses unless allowed.
    testApp = await buildTestApp(
      { OUTBOUND_ALLOW: '127.0.0.1', LOG_LEVEL: 'debug' },
      { mcp: testMcpBounds, logDestination },
    );
    const platformAdmin = await registerPlatformAdmin(testApp.app);
    admin = await createTenantWithAdmin(testApp.app, platformAdmin, 'HTTP tenant');
  });

  afterAll(async () => {
    await testApp.close();
    await mcpServer.close();
  });

  it('syncs and executes, sending the stored headers and never the caller’s Parley token', async () => {
    const created = await createServer(testApp.app, admin, {
      name: 'remote tools',
      transport: 'streamable-http',
      url: mcpServer.url,
      headers: { Authorization: storedToken, 'X-Team': 'blue' },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({
      headerNames: ['Authorization', 'X-Team'],
      command: null,
      status: 'unknown',
    });
    expect(created.body).not.toContain(storedToken);
    const serverId = created.json<{ id: string }>().id;

    const tools = await syncTools(testApp.app, admin, serverId);
    expect(Object.keys(tools)).toContain('add');
    const response = await execute(testApp.app, admin, tools.add!.id, { a: 20, b: 22 });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ content: [{ type: 'text', text: '42' }], isError: false });

    expect(mcpServer.receivedHeaders.length).toBeGreaterThan(0);
    for (const headers of mcpServer.receivedHeaders) {
      expect(headers.authorization).toBe(storedToken);
      expect(headers['x-team']).toBe('blue');
      expect(JSON.stringify(headers)).not.toContain(admin.accessToken);
    }
    const list = await testApp.app.inject({ method: 'GET', url: '/v1/mcp/servers', headers: admin.headers });
    expect(list.body).not.toContain(storedToken);
  });

  it('syncs and executes over the legacy SSE transport too', async () => {
    const sseServer = await startSseMcpServer();
    try {
      const created = await createServer(testApp.app, admin, {
        name: 'legacy',
        transport: 'sse',
        url: sseServer.url,
        headers: { Authorization: storedToken },
      });
      expect(created.statusCode, created.body).toBe(201);
      const tools = await syncTools(testApp.app, admin, created.json<{ id: string }>().id);
      const response = await execute(testApp.app, admin, tools.echo!.id, { message: 'over sse' });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ content: [{ text: 'over sse' }] });
      expect(sseServer.receivedHeaders.every((headers) => headers.authorization === storedToken)).toBe(true);
    } finally {
      await sseServer.close();
    }
  });

  it('answers a clear error when the server drops the connection mid-call, and reconnects next time', async () => {
    const created = await createServer(testApp.app, admin, {
      name: 'flaky',
      transport: 'streamable-http',
      url: mcpServer.url,
    });
    const tools = await syncTools(testApp.app, admin, created.json<{ id: string }>().id);
    const died = await execute(testApp.app, admin, tools.die!.id);
    expect(died.statusCode).toBe(503);
    expect(died.json<{ detail: string }>().detail).toMatch(/^MCP server 'flaky' dropped the connection/);
    const again = await execute(testApp.app, admin, tools.echo!.id, { message: 'back' });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ content: [{ text: 'back' }] });
  });

  it('stores a careless tool list as far as it can be stored: first of a name, cleaned text, 1,000 tools', async () => {
    const schema = { type: 'object' as const, properties: { q: { type: 'string', description: 'nul\u0000here' } } };
    const listServer = await startToolListServer([
      { name: 'twice', description: 'the first', inputSchema: schema },
      { name: 'twice', description: 'the second', inputSchema: schema },
      { name: 'nul', description: 'before\u0000after \ud800', inputSchema: schema },
      { name: 'bad\u0000name', inputSchema: schema },
      ...Array.from({ length: 20_000 }, (_, index) => ({ name: `t${index}`, inputSchema: schema })),
    ]);
    try {
      const sync = await createAndSync(testApp.app, admin, 'careless', listServer.url);
      expect(sync.statusCode, sync.body.slice(0, 500)).toBe(200);
      const { items } = sync.json<{ items: { name: string; description: string; inputSchema: unknown }[] }>();
      expect(items).toHaveLength(1000);
      const byName = new Map(items.map((tool) => [tool.name, tool]));
      expect(byName.get('twice')?.description).toBe('the first');
      expect(byName.get('nul')?.description).toBe('beforeafter \ufffd');
      expect(byName.get('nul')?.inputSchema).toMatchObject({ properties: { q: { description: 'nulhere' } } });
      expect([...byName.keys()].some((name) => name.includes('\u0000'))).toBe(false);
      expect(byName.has('t997')).toBe(true);
      expect(byName.has('t998')).toBe(false);
    } finally {
      await listServer.close();
    }
  });

  it("lists a server's tools switched off on their first sync, and keeps an admin's choice on the next", async () => {
    const schema = { type: 'object' as const, properties: {} };
    const listServer = await startToolListServer([
      { name: 'lookup', inputSchema: schema },
      { name: 'delete_everything', inputSchema: schema },
    ]);
    try {
      const first = await createAndSync(testApp.app, admin, 'reviewed', listServer.url);
      const listed = first.json<{ items: { id: string; name: string; enabled: boolean; approval: string }[] }>().items;
      expect(listed.map(({ name, enabled }) => ({ name, enabled }))).toEqual([
        { name: 'delete_everything', enabled: false },
        { name: 'lookup', enabled: false },
      ]);
      const lookup = listed.find((tool) => tool.name === 'lookup')!;
      await testApp.app.inject({
        method: 'PATCH',
        url: `/v1/mcp/tools/${lookup.id}`,
        headers: admin.headers,
        payload: { enabled: true },
      });
      const serverId = first.json<{ items: { serverId: string }[] }>().items[0]!.serverId;
      const again = await testApp.app.inject({
        method: 'POST',
        url: `/v1/mcp/servers/${serverId}/sync`,
        headers: admin.headers,
      });
      expect(
        again
          .json<{ items: { name: string; enabled: boolean }[] }>()
          .items.map(({ name, enabled }) => ({ name, enabled })),
      ).toEqual([
        { name: 'delete_everything', enabled: false },
        { name: 'lookup', enabled: true },
      ]);
    } finally {
      await listServer.close();
    }
  });

  it('skips a listed tool that is no tool (no string name, no object schema) and keeps the others', async () => {
    const objectSchema = { type: 'object', properties: {} };
    const listServer = await startToolListServer([
      { name: 'listing', inputSchema: { type: 'array', items: { type: 'string' } } },
      { name: 'schemaless' },
      { name: 'stringly', inputSchema: 'object' },
      { name: 42, inputSchema: objectSchema },
      'not a tool',
      null,
      { name: 'kept', description: 17, inputSchema: objectSchema },
    ]);
    try {
      const sync = await createAndSync(testApp.app, admin, 'odd tools', listServer.url);
      expect(sync.statusCode, sync.body).toBe(200);
      expect(sync.json<{ items: { name: string; description: string }[] }>().items).toMatchObject([
        { name: 'kept', description: '' },
      ]);
      expect(listServer.listRequests()).toBe(1);
    } finally {
      await listServer.close();
    }
  });

  it('says the tool list is malformed when the whole reply is, asking only once', async () => {
    const listServer = await startListReplyServer(() => ({ tools: 'none today' }));
    try {
      const created = await createServer(testApp.app, admin, {
        name: 'malformed',
        transport: 'streamable-http',
        url: listServer.url,
      });
      const serverId = created.json<{ id: string }>().id;
      const sync = await testApp.app.inject({
        method: 'POST',
        url: `/v1/mcp/servers/${serverId}/sync`,
        headers: admin.headers,
      });
      expect(sync.statusCode, sync.body).toBe(422);
      const detail = sync.json<{ detail: string }>().detail;
      expect(detail).toMatch(/^MCP server 'malformed' sent a malformed tool list: tools: /);
      expect(detail).not.toMatch(/dropped the connection|reconnects/);
      expect(listServer.listRequests()).toBe(1);
      const view = await testApp.app.inject({
        method: 'GET',
        url: `/v1/mcp/servers/${serverId}`,
        headers: admin.headers,
      });
      expect(view.json()).toMatchObject({ status: 'error', statusMessage: detail });
    } finally {
      await listServer.close();
    }
  });

  it('says a server that connects but never lists its tools is unreachable, as one that never answers', async () => {
    const silent = await startListReplyServer(() => new Promise(() => undefined));
    try {
      const sync = await createAndSync(testApp.app, admin, 'silent list', silent.url);
      expect(sync.statusCode, sync.body).toBe(503);
      expect(sync.json<{ detail: string }>().detail).toBe(
        `MCP server 'silent list' is unreachable: no list of tools within ${testMcpBounds.connectTimeoutMs} ms; ` +
          'check that it is running and its configuration',
      );
    } finally {
      await silent.close();
    }
  });

  it.each([
    [404, /answered HTTP 404 at its URL, not as an MCP server; check the URL/],
    [401, /answered HTTP 401 at its URL, not as an MCP server; it wants credentials/],
  ])(
    'says a URL that answers HTTP %i is not an MCP endpoint (422), not that it is unreachable',
    async (status, detail) => {
      const notMcp = createHttpServer((_request, response) => response.writeHead(status).end('{}'));
      await new Promise<void>((resolve) => notMcp.listen(0, '127.0.0.1', resolve));
      const { port } = notMcp.address() as AddressInfo;
      try {
        const sync = await createAndSync(testApp.app, admin, `not mcp ${status}`, `http://127.0.0.1:${port}/api`);
        expect(sync.statusCode, sync.body).toBe(422);
        expect(sync.json<{ detail: string }>().detail).toMatch(detail);
      } finally {
        await new Promise((resolve) => notMcp.close(resolve));
      }
    },
  );

  it('stops following a tool list whose pages never end', async () => {
    const schema = { type: 'object', properties: {} };
    const listServer = await startListReplyServer((cursor) => ({
      tools: [{ name: `page-${cursor ?? 'first'}`, inputSchema: schema }],
      nextCursor: 'again',
    }));
    try {
      const sync = await createAndSync(testApp.app, admin, 'endless', listServer.url);
      expect(sync.statusCode, sync.body).toBe(200);
      expect(sync.json<{ items: { name: string }[] }>().items.map((tool) => tool.name)).toEqual([
        'page-again',
        'page-first',
      ]);
      expect(listServer.listRequests()).toBe(100);
    } finally {
      await listServer.close();
    }
  });

  it('marks a server that is down as in error, quickly, with a sentence', async () => {
    const down = await startHttpMcpServer();
    const url = down.url;
    await down.close();
    const created = await createServer(testApp.app, admin, { name: 'down', transport: 'streamable-http', url });
    const serverId = created.json<{ id: string }>().id;
    const started = Date.now();
    const sync = await testApp.app.inject({
      method: 'POST',
      url: `/v1/mcp/servers/${serverId}/sync`,
      headers: admin.headers,
    });
    expect(Date.now() - started).toBeLessThan(testMcpBounds.connectTimeoutMs);
    expect(sync.statusCode).toBe(503);
    expect(sync.json<{ detail: string }>().detail).toMatch(
      /^MCP server 'down' is unreachable: .+; check that it is running/,
    );
    const view = await testApp.app.inject({
      method: 'GET',
      url: `/v1/mcp/servers/${serverId}`,
      headers: admin.headers,
    });
    expect(view.json()).toMatchObject({ status: 'error', statusMessage: expect.stringContaining('unreachable') });
  });

  it('refuses a redirect from an allowed server to an address that is not allowed', async () => {
    // 127.0.0.2 is loopback too, but only 127.0.0.1 is on the allow-list.
    const target = await startHttpMcpServer('127.0.0.2');
    const redirector = await startRedirectServer(target.url);
    try {
      const sync = await createAndSync(testApp.app, admin, 'redirector', redirector.url);
      // The SDK's same-origin redirect policy stops it first; the outbound guard would re-check it otherwise.
      expect(sync.statusCode, sync.body).toBe(503);
      expect(sync.json<{ detail: string }>().detail).toMatch(/Redirect to http:\/\/127\.0\.0\.2:\d+\/mcp not followed/);
      expect(redirector.receivedHeaders.length).toBeGreaterThan(0);
      expect(target.receivedHeaders).toHaveLength(0);
    } finally {
      await redirector.close();
      await target.close();
    }
  });

  it('asks for the stored headers again when the URL changes: they only go where they were given for', async () => {
    const patch = (id: string, payload: Record<string, unknown>) =>
      testApp.app.inject({ method: 'PATCH', url: `/v1/mcp/servers/${id}`, headers: admin.headers, payload });
    const created = await createServer(testApp.app, admin, {
      name: 'moved tools',
      transport: 'streamable-http',
      url: mcpServer.url,
      headers: { Authorization: storedToken },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json<{ id: string }>().id;
    const elsewhere = 'http://127.0.0.1:9/mcp';
    const moved = await patch(id, { url: elsewhere });
    expect(moved.statusCode, moved.body).toBe(400);
    expect(moved.json<{ errors: unknown[] }>().errors).toEqual([
      {
        field: 'headers',
        message:
          'must be sent again (or null to drop them) when url changes: stored values only go where they were given for',
      },
    ]);
    // The same URL, or a rename, keeps them.
    expect((await patch(id, { url: mcpServer.url, name: 'moved-tools-renamed' })).statusCode).toBe(200);
    const resent = await patch(id, { url: elsewhere, headers: { Authorization: 'Bearer given-for-the-new-one' } });
    expect(resent.statusCode, resent.body).toBe(200);
    const dropped = await patch(id, { url: mcpServer.url, headers: null });
    expect(dropped.json()).toMatchObject({ url: mcpServer.url, headerNames: [] });
  });

  it('never writes the stored headers to the logs', () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('')).not.toContain('mcp-server-token-91c2');
  });
});

describe('MCP servers over HTTP without an allow-list', () => {
  let testApp: TestApp;
  let admin: SignedInUser;

  beforeAll(async () => {
    testApp = await buildTestApp({}, { mcp: testMcpBounds });
    const platformAdmin = await registerPlatformAdmin(testApp.app);
    admin = await createTenantWithAdmin(testApp.app, platformAdmin, 'Guarded tenant');
  });

  afterAll(async () => {
    await testApp.close();
  });

  it.each([
    ['loopback', 'http://127.0.0.1:9/mcp'],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data'],
    ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]:9/mcp'],
    ['private', 'http://10.0.0.5/mcp'],
    ['localhost', 'http://localhost:9/mcp'],
  ])('refuses a server at a %s address with a 400', async (_kind, url) => {
    const response = await createServer(testApp.app, admin, { name: 'internal', transport: 'streamable-http', url });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json<{ detail: string }>().detail.length).toBeGreaterThan(10);
  });

  it('refuses credentials in the URL and non-HTTP schemes', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/mcp', 'http://user:secret@example.com/mcp']) {
      const response = await createServer(testApp.app, admin, { name: 'odd', transport: 'sse', url });
      expect(response.statusCode, url).toBe(400);
    }
  });

  it('refuses headers the MCP client sets itself, naming the header', async () => {
    const clientHeaders = ['Mcp-Session-Id', 'mcp-protocol-version', 'Last-Event-ID'];
    for (const name of ['Transfer-Encoding', 'content-length', 'Host', 'Connection', ...clientHeaders]) {
      const response = await createServer(testApp.app, admin, {
        name: 'framing',
        transport: 'streamable-http',
        url: 'https://mcp.example.com/mcp',
        headers: { [name]: 'chunked' },
      });
      expect(response.statusCode, name).toBe(400);
      expect(response.json<{ errors: { field: string; message: string }[] }>().errors).toEqual([
        { field: `headers.${name}`, message: 'is set by the MCP client itself and cannot be given' },
      ]);
    }
  });

  it.each([
    ['accented and emoji characters', 'é€😀'],
    ['a line break', 'a\r\nX-Injected: 1'],
    ['a control character', 'a\u0007b'],
  ])('refuses a header value with %s, naming the header', async (_kind, value) => {
    const response = await createServer(testApp.app, admin, {
      name: 'bytes',
      transport: 'streamable-http',
      url: 'https://mcp.example.com/mcp',
      headers: { 'X-A': value },
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json<{ errors: { field: string; message: string }[] }>().errors).toEqual([
      {
        field: 'headers.X-A',
        message: 'must be visible ASCII characters, spaces or tabs: HTTP cannot send other characters in a header',
      },
    ]);
  });

  it('accepts a header value of visible ASCII, spaces and tabs, and refuses a bad one on update too', async () => {
    const created = await createServer(testApp.app, admin, {
      name: 'ascii',
      transport: 'streamable-http',
      // An address, not a name: storing a server looks its host name up, and a test must not need DNS.
      url: 'https://93.184.215.14/mcp',
      headers: { Authorization: 'Bearer a.b-c~d+e/f=\tg' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const updated = await testApp.app.inject({
      method: 'PATCH',
      url: `/v1/mcp/servers/${created.json<{ id: string }>().id}`,
      headers: admin.headers,
      payload: { headers: { 'X-Name': 'Zoë' } },
    });
    expect(updated.statusCode, updated.body).toBe(400);
    expect(updated.json<{ errors: { field: string }[] }>().errors).toEqual([
      expect.objectContaining({ field: 'headers.X-Name' }),
    ]);
  });

  it('refuses a header name that is not one, naming it with the rule', async () => {
    const response = await createServer(testApp.app, admin, {
      name: 'names',
      transport: 'streamable-http',
      url: 'https://mcp.example.com/mcp',
      headers: { 'X A': 'b' },
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json<{ errors: { field: string; message: string }[] }>().errors).toEqual([
      { field: 'headers.X A', message: expect.stringMatching(/^is not a valid HTTP header name: /) },
    ]);
  });
});
