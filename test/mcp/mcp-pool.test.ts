import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectionPool } from '../../src/modules/mcp/connection-pool.js';
import type { McpConnectionTarget } from '../../src/modules/mcp/mcp-transport.js';
import { createLogger } from '../../src/platform/logger.js';
import { createOutboundHttp, type OutboundHttp } from '../../src/platform/outbound/index.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { startHttpMcpServer, type TestHttpMcpServer } from './fixtures/http-server.js';
import { allowNode, createServer, execute, hostPidOf, isRunning, syncTools, testStdioMcpBounds } from './mcp-setup.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Closing a stdio transport ends stdin, then signals; the process may take a moment to go. */
async function waitUntilGone(pid: number, withinMs = 8_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return !isRunning(pid);
}

describe('the MCP connection pool', () => {
  const idleMs = 1_000;
  let testApp: TestApp;
  let admin: SignedInUser;
  let serverId: string;
  let environmentToolId: string;
  let sleepToolId: string;
  let isClosed = false;

  /** The real pid of the server's process (in bubblewrap, its own pid is its namespace's). */
  const serverPid = async (): Promise<number> => {
    const response = await execute(testApp.app, admin, environmentToolId);
    expect(response.statusCode, response.body).toBe(200);
    const { instance } = JSON.parse(response.json<{ content: { text: string }[] }>().content[0]!.text) as {
      instance: string;
    };
    const pid = hostPidOf(instance);
    if (pid === undefined) throw new Error(`no process of the server instance ${instance}`);
    return pid;
  };

  beforeAll(async () => {
    testApp = await buildTestApp({}, { mcp: { ...testStdioMcpBounds, idleMs } });
    const platformAdmin = await registerPlatformAdmin(testApp.app);
    admin = await createTenantWithAdmin(testApp.app, platformAdmin, 'Pool tenant');
    const created = await createServer(testApp.app, admin, {
      name: 'pooled',
      transport: 'stdio',
      stdioCommandId: await allowNode(testApp.app, platformAdmin, {
        envNames: ['TOOL_TOKEN', 'TOOLS_TOKEN', 'GREETING'],
      }),
    });
    serverId = created.json<{ id: string }>().id;
    const tools = await syncTools(testApp.app, admin, serverId);
    environmentToolId = tools.environment!.id;
    sleepToolId = tools.sleep!.id;
  });

  afterAll(async () => {
    if (!isClosed) await testApp.close();
  });

  it('reuses one connection (one process) for consecutive calls', async () => {
    const first = await serverPid();
    expect(await serverPid()).toBe(first);
  });

  it('closes an idle connection, ending the process, and connects again on the next call', async () => {
    const before = await serverPid();
    await new Promise((resolve) => setTimeout(resolve, idleMs + 200));
    expect(await waitUntilGone(before)).toBe(true);
    const after = await serverPid();
    expect(after).not.toBe(before);
  });

  it('drops the connection when the server’s configuration changes', async () => {
    const before = await serverPid();
    const changed = await testApp.app.inject({
      method: 'PATCH',
      url: `/v1/mcp/servers/${serverId}`,
      headers: admin.headers,
      payload: { env: { GREETING: 'hello' } },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ envNames: ['GREETING'] });
    // Right away, well inside the idle bound: a new process, so the change (not idleness) replaced it.
    expect(await serverPid()).not.toBe(before);
    expect(await waitUntilGone(before)).toBe(true);
  });

  it('keeps a connection open while a call on it outlasts the idle bound', async () => {
    const before = await serverPid();
    // Within the call bound (1,500 ms), past the idle bound (1,000 ms) counted from the call before.
    const slow = await execute(testApp.app, admin, sleepToolId, { ms: idleMs + 300 });
    expect(slow.statusCode, slow.body).toBe(200);
    expect(slow.json()).toMatchObject({ outcome: 'success' });
    expect(await serverPid()).toBe(before);
  });

  it('ends every server process when the app closes', async () => {
    const pid = await serverPid();
    await testApp.close();
    isClosed = true;
    // Sooner than the idle bound would have ended it.
    expect(await waitUntilGone(pid, idleMs / 2)).toBe(true);
  });
});

describe('the MCP connection pool, when a connection is replaced', () => {
  const silent = createLogger({ level: 'silent' });
  let mcpServer: TestHttpMcpServer;
  let outbound: OutboundHttp;

  beforeAll(async () => {
    mcpServer = await startHttpMcpServer();
    outbound = createOutboundHttp({ allowList: ['127.0.0.1'] });
  });

  afterAll(async () => {
    await outbound.close();
    await mcpServer.close();
  });

  it('leaves the new connection open when a call on the one it replaced fails', async () => {
    const pool = createConnectionPool({
      outbound,
      logger: silent,
      options: { connectTimeoutMs: 5_000, idleMs: 60_000 },
      stdioEnvironment: () => Promise.reject(new Error('this pool has no stdio servers')),
    });
    const target = (configVersion: string): McpConnectionTarget => ({
      serverId: 'replaced-server',
      name: 'replaced',
      transport: 'streamable-http',
      configVersion,
      url: mcpServer.url,
    });
    const call = { timeoutMs: 10_000 };
    try {
      const slow = pool.callTool(target('first'), 'sleep', { ms: 3_000 }, call);
      const slowFailure = slow.then(
        () => undefined,
        (error: unknown) => error,
      );
      await delay(300);
      // A newer configuration replaces the connection the slow call is on, which ends that call; its failure
      // must not close the connection that replaced it.
      const echoed = await pool.callTool(target('second'), 'echo', { message: 'on the new connection' }, call);
      expect(echoed.result?.content).toEqual([{ type: 'text', text: 'on the new connection' }]);
      expect(await slowFailure).toMatchObject({
        code: 'conflict',
        message: "MCP server 'replaced' was changed or removed while tool 'sleep' ran",
      });
      const again = await pool.callTool(target('second'), 'echo', { message: 'still open' }, call);
      expect(again.result?.content).toEqual([{ type: 'text', text: 'still open' }]);
    } finally {
      await pool.closeAll();
    }
  });
});
