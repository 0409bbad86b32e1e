import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs } from '../harness/log-capture.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { startHttpMcpServer, type TestHttpMcpServer } from './fixtures/http-server.js';
import { createServer, execute, syncTools, testMcpBounds } from './mcp-setup.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Tool calls while their server is synced, deleted, or comes back after an outage. */
describe('MCP tool calls across the life of their server', () => {
  let testApp: TestApp;
  let admin: SignedInUser;
  let mcpServer: TestHttpMcpServer;
  const logs = captureLogs();

  const addServer = async (name: string, url = mcpServer.url) => {
    const created = await createServer(testApp.app, admin, { name, transport: 'streamable-http', url });
    expect(created.statusCode, created.body).toBe(201);
    const serverId = created.json<{ id: string }>().id;
    return { serverId, tools: await syncTools(testApp.app, admin, serverId) };
  };
  const sync = (serverId: string) =>
    testApp.app.inject({ method: 'POST', url: `/v1/mcp/servers/${serverId}/sync`, headers: admin.headers });
  const readServer = async (serverId: string) =>
    (await testApp.app.inject({ method: 'GET', url: `/v1/mcp/servers/${serverId}`, headers: admin.headers })).json<{
      status: string;
      statusMessage: string | null;
      updatedAt: string;
    }>();

  beforeAll(async () => {
    mcpServer = await startHttpMcpServer();
    // Calls here take seconds on purpose: the bound must not end them first.
    testApp = await buildTestApp(
      { OUTBOUND_ALLOW: '127.0.0.1', LOG_LEVEL: 'info' },
      { mcp: { ...testMcpBounds, callTimeoutMs: 10_000 }, logDestination: logs.destination },
    );
    const platformAdmin = await registerPlatformAdmin(testApp.app);
    admin = await createTenantWithAdmin(testApp.app, platformAdmin, 'Lifecycle tenant');
  });

  afterAll(async () => {
    await testApp.close();
    await mcpServer.close();
  });

  it('answers a slow call, and the call after it, when the server is synced meanwhile', async () => {
    const { serverId, tools } = await addServer('synced meanwhile');
    const slow = execute(testApp.app, admin, tools.sleep!.id, { ms: 2_000 });
    await delay(500);
    const synced = await sync(serverId);
    expect(synced.statusCode, synced.body).toBe(200);
    const next = await execute(testApp.app, admin, tools.echo!.id, { message: 'after the sync' });
    expect(next.statusCode, next.body).toBe(200);
    expect(next.json()).toMatchObject({ content: [{ text: 'after the sync' }] });
    const slowAnswer = await slow;
    expect(slowAnswer.statusCode, slowAnswer.body).toBe(200);
    expect(slowAnswer.json()).toMatchObject({ content: [{ text: 'slept 2000 ms' }], outcome: 'success' });
  });

  it('answers every call and every sync when they overlap', async () => {
    const { serverId, tools } = await addServer('busy');
    // Four rounds, each a call that takes a while and two syncs, started 150 ms apart: every round overlaps
    // the calls of the rounds before it.
    const answers: Promise<{ statusCode: number; body: string }>[] = [];
    for (let round = 0; round < 4; round += 1) {
      answers.push(execute(testApp.app, admin, tools.sleep!.id, { ms: 600 }), sync(serverId), sync(serverId));
      await delay(150);
    }
    const failed = (await Promise.all(answers)).filter((answer) => answer.statusCode !== 200);
    expect(failed.map((answer) => `${answer.statusCode} ${answer.body}`)).toEqual([]);
  });

  it('answers a conflict when the server is deleted while its tool runs, and records the call', async () => {
    const { serverId, tools } = await addServer('removed meanwhile');
    const requestsBefore = mcpServer.receivedHeaders.length;
    const running = execute(testApp.app, admin, tools.sleep!.id, { ms: 3_000 });
    // Deleted once the call has reached the server, however slow the machine.
    while (mcpServer.receivedHeaders.length === requestsBefore) await delay(20);
    const removed = await testApp.app.inject({
      method: 'DELETE',
      url: `/v1/mcp/servers/${serverId}`,
      headers: admin.headers,
    });
    expect(removed.statusCode, removed.body).toBe(204);
    const answer = await running;
    expect(answer.statusCode, answer.body).toBe(409);
    // The row is deleted before the connection is closed, so the call's failure finds it gone.
    const detail = answer.json<{ detail: string }>().detail;
    expect(detail).toBe("MCP server 'removed meanwhile' was removed while tool 'sleep' ran");

    const executions = await testApp.app.inject({
      method: 'GET',
      url: '/v1/mcp/executions?limit=100',
      headers: admin.headers,
    });
    const items = executions.json<{ items: { toolName: string; toolId: string | null; serverId: string | null }[] }>()
      .items;
    expect(items.find((item) => item.toolName === 'sleep')).toMatchObject({
      toolId: null,
      serverId: null,
      outcome: 'error',
      errorMessage: detail,
      userId: admin.userId,
    });
    expect(logs.text()).not.toContain('could not record a tool execution');
  });

  it('marks a server connected again when a call succeeds after it was in error', async () => {
    const flaky = await startHttpMcpServer();
    const port = Number(new URL(flaky.url).port);
    const { serverId, tools } = await addServer('comes back', flaky.url);
    const before = await readServer(serverId);
    expect(before.status).toBe('connected');
    // A successful call on a server that is fine writes nothing.
    expect((await execute(testApp.app, admin, tools.echo!.id, { message: 'fine' })).statusCode).toBe(200);
    expect((await readServer(serverId)).updatedAt).toBe(before.updatedAt);

    await flaky.close();
    const failed = await execute(testApp.app, admin, tools.echo!.id, { message: 'down' });
    expect(failed.statusCode, failed.body).toBe(503);
    expect((await readServer(serverId)).status).toBe('error');

    const restarted = await startHttpMcpServer(undefined, undefined, port);
    try {
      const recovered = await execute(testApp.app, admin, tools.echo!.id, { message: 'back' });
      expect(recovered.statusCode, recovered.body).toBe(200);
      expect(await readServer(serverId)).toMatchObject({
        status: 'connected',
        statusMessage: "Connected again: tool 'echo' answered",
      });
    } finally {
      await restarted.close();
    }
  });
});
