import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { allowNode, createServer, execute, stdioServerScript, syncTools, testMcpBounds } from './mcp-setup.js';

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

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
  let isClosed = false;

  const serverPid = async (): Promise<number> => {
    const response = await execute(testApp.app, admin, environmentToolId);
    expect(response.statusCode, response.body).toBe(200);
    return (JSON.parse(response.json<{ content: { text: string }[] }>().content[0]!.text) as { pid: number }).pid;
  };

  beforeAll(async () => {
    testApp = await buildTestApp({}, { mcp: { ...testMcpBounds, idleMs } });
    const platformAdmin = await registerPlatformAdmin(testApp.app);
    admin = await createTenantWithAdmin(testApp.app, platformAdmin, 'Pool tenant');
    const created = await createServer(testApp.app, admin, {
      name: 'pooled',
      transport: 'stdio',
      stdioCommandId: await allowNode(testApp.app, platformAdmin),
      args: [stdioServerScript],
    });
    serverId = created.json<{ id: string }>().id;
    environmentToolId = (await syncTools(testApp.app, admin, serverId)).environment!.id;
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

  it('ends every server process when the app closes', async () => {
    const pid = await serverPid();
    await testApp.close();
    isClosed = true;
    // Sooner than the idle bound would have ended it.
    expect(await waitUntilGone(pid, idleMs / 2)).toBe(true);
  });
});
