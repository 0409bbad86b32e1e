import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { allowNode, createServer, execute, syncTools, testStdioMcpBounds, type SyncedTool } from './mcp-setup.js';

/**
 * Issue 44: `allowNetwork` gave a child the host's network, loopback included: Redis (where realtime
 * tickets sit), PostgreSQL, cloud metadata. Now the child has a network namespace of its own and reaches
 * out only through Parley's egress proxy, which applies the outbound policy (ADR 0019). Every real target
 * here listens on 127.0.0.1; 10.0.0.1 and 169.254.169.254 appear only as addresses the proxy refuses
 * before connecting.
 */
async function listen(server: Server | HttpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('a stdio child with allowNetwork, in bubblewrap', () => {
  let testApp: TestApp;
  let admin: SignedInUser;
  let tools: Record<string, SyncedTool>;
  let forbidden: Server;
  let forbiddenPort: number;
  let forbiddenConnections = 0;
  let allowed: HttpServer;
  let allowedPort: number;
  const allowedRequests: string[] = [];

  const said = async (tool: string, args: Record<string, unknown>) => {
    const response = await execute(testApp.app, admin, tools[tool]!.id, args);
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ content: { text: string }[] }>().content[0]!.text;
  };

  beforeAll(async () => {
    // A host service on loopback the child must never reach (as Redis or PostgreSQL would be).
    forbidden = createTcpServer((socket) => {
      forbiddenConnections += 1;
      socket.destroy();
    });
    forbiddenPort = await listen(forbidden);
    // A service the operator opened in OUTBOUND_ALLOW, on its one port.
    allowed = createHttpServer((request, response) => {
      allowedRequests.push(`${request.method} ${request.url}`);
      response.end('hello from an allowed service');
    });
    allowedPort = await listen(allowed);
    testApp = await buildTestApp({ OUTBOUND_ALLOW: `127.0.0.1:${allowedPort}` }, { mcp: testStdioMcpBounds });
    const platformAdmin = await registerPlatformAdmin(testApp.app);
    admin = await createTenantWithAdmin(testApp.app, platformAdmin, 'Networked tenant');
    const created = await createServer(testApp.app, admin, {
      name: 'networked',
      transport: 'stdio',
      stdioCommandId: await allowNode(testApp.app, platformAdmin, { allowNetwork: true }),
    });
    expect(created.statusCode, created.body).toBe(201);
    tools = await syncTools(testApp.app, admin, created.json<{ id: string }>().id);
  }, 120_000);

  afterAll(async () => {
    forbidden.close();
    allowed.close();
    await testApp.close();
  });

  it('reaches no port of the host’s loopback by a raw TCP connection, not even an allowed one', async () => {
    expect(await said('connect', { host: '127.0.0.1', port: forbiddenPort })).toBe('refused: ECONNREFUSED');
    expect(await said('connect', { host: '127.0.0.1', port: allowedPort })).toBe('refused: ECONNREFUSED');
    expect(forbiddenConnections).toBe(0);
    expect(allowedRequests).toEqual([]);
  });

  it('is refused by the proxy for loopback, private and metadata addresses, before any connection', async () => {
    for (const tunnel of [false, true]) {
      expect(await said('proxied_request', { url: `http://127.0.0.1:${forbiddenPort}/`, tunnel })).toMatch(
        /^403: 127\.0\.0\.1 is a loopback address; an administrator can allow it with OUTBOUND_ALLOW/,
      );
      expect(await said('proxied_request', { url: `http://localhost:${forbiddenPort}/`, tunnel })).toMatch(
        /^403: localhost is a loopback name/,
      );
      expect(await said('proxied_request', { url: 'http://10.0.0.1/', tunnel })).toMatch(
        /^403: 10\.0\.0\.1 is a private address/,
      );
      expect(await said('proxied_request', { url: 'http://169.254.169.254/latest/meta-data/', tunnel })).toMatch(
        /^403: 169\.254\.169\.254 is a cloud metadata address/,
      );
    }
    expect(forbiddenConnections).toBe(0);
  });

  it('reaches a destination the outbound policy allows, through the proxy its environment names', async () => {
    const environment = JSON.parse(await said('environment', {})) as { env: Record<string, string> };
    expect(environment.env).toMatchObject({
      HTTP_PROXY: 'http://127.0.0.1:3128',
      HTTPS_PROXY: 'http://127.0.0.1:3128',
    });
    expect(await said('proxied_request', { url: `http://127.0.0.1:${allowedPort}/plain`, tunnel: false })).toBe(
      '200: hello from an allowed service',
    );
    expect(await said('proxied_request', { url: `http://127.0.0.1:${allowedPort}/tunnelled`, tunnel: true })).toBe(
      '200: hello from an allowed service',
    );
    expect(allowedRequests).toEqual(['GET http://127.0.0.1:' + allowedPort + '/plain', 'GET /tunnelled']);
  });
});
