import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  allowNode,
  createServer,
  execute,
  stdioServerScript,
  syncTools,
  testStdioMcpBounds,
  type SyncedTool,
} from './mcp-setup.js';

const secretEnvValue = 'stdio-secret-value-7f3a';

describe('MCP servers over stdio', () => {
  let testApp: TestApp;
  let admin: SignedInUser;
  let serverId: string;
  let tools: Record<string, SyncedTool>;
  const logLines: string[] = [];

  const tool = (name: string): string => {
    const found = tools[name];
    if (!found) throw new Error(`tool ${name} was not synced`);
    return found.id;
  };

  beforeAll(async () => {
    // Something of ours that must not reach the child.
    process.env.PARLEY_PARENT_ONLY = 'parent-secret';
    const logDestination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    });
    testApp = await buildTestApp({ LOG_LEVEL: 'debug' }, { logDestination, mcp: testStdioMcpBounds });
    const platformAdmin = await registerPlatformAdmin(testApp.app);
    admin = await createTenantWithAdmin(testApp.app, platformAdmin, 'Stdio tenant');
    const commandId = await allowNode(testApp.app, platformAdmin);
    const created = await createServer(testApp.app, admin, {
      name: 'local tools',
      transport: 'stdio',
      stdioCommandId: commandId,
      env: { TOOL_TOKEN: secretEnvValue },
    });
    expect(created.statusCode, created.body).toBe(201);
    serverId = created.json<{ id: string }>().id;
    tools = await syncTools(testApp.app, admin, serverId);
  });

  afterAll(async () => {
    delete process.env.PARLEY_PARENT_ONLY;
    await testApp.close();
  });

  it('shows the exact command, the names of the environment variables and the status, never their values', async () => {
    const response = await testApp.app.inject({
      method: 'GET',
      url: `/v1/mcp/servers/${serverId}`,
      headers: admin.headers,
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      command: [process.execPath, stdioServerScript],
      envNames: ['TOOL_TOKEN'],
      status: 'connected',
      statusMessage: 'Connected; 11 tools found',
    });
    expect(response.body).not.toContain(secretEnvValue);
  });

  it('syncs the tools with their input schemas', async () => {
    expect(Object.keys(tools).sort()).toEqual([
      'add',
      'connect',
      'die',
      'echo',
      'environment',
      'fail',
      'hang',
      'huge',
      'proxied_request',
      'read_file',
      'sleep',
    ]);
    const response = await testApp.app.inject({
      method: 'GET',
      url: `/v1/mcp/tools?serverId=${serverId}`,
      headers: admin.headers,
    });
    const add = response
      .json<{ items: { name: string; inputSchema: unknown }[] }>()
      .items.find((t) => t.name === 'add');
    expect(add?.inputSchema).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number' } },
      required: ['a', 'b'],
    });
  });

  it('executes a tool and returns its content', async () => {
    const response = await execute(testApp.app, admin, tool('add'), { a: 2, b: 40 });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      content: [{ type: 'text', text: '42' }],
      isError: false,
      truncated: false,
      outcome: 'success',
    });
  });

  it('runs the server as MCP_STDIO_USER with a cleaned environment, in a working directory outside DATA_DIR', async () => {
    const response = await execute(testApp.app, admin, tool('environment'));
    const reported = JSON.parse(response.json<{ content: { text: string }[] }>().content[0]!.text) as {
      env: Record<string, string>;
      cwd: string;
      uid: number;
    };
    expect(reported.uid).toBe(65534);
    expect(reported.env.TOOL_TOKEN).toBe(secretEnvValue);
    expect(reported.env.PATH).toBe('/usr/local/bin:/usr/bin:/bin');
    expect(reported.env.PARLEY_PARENT_ONLY).toBeUndefined();
    expect(reported.env.NODE_OPTIONS).toBeUndefined();
    // In bubblewrap, its private /tmp.
    expect(reported.cwd).toBe('/tmp');
    expect(reported.cwd.startsWith(testApp.config.dataDir)).toBe(false);
    expect(reported.env.HOME).toBe(reported.cwd);
  });

  it('refuses arguments that do not match the schema with a 400 naming the fields, without calling the tool', async () => {
    const response = await execute(testApp.app, admin, tool('add'), { a: 'two', c: 1 });
    expect(response.statusCode).toBe(400);
    const fields = response.json<{ errors: { field: string; message: string }[] }>().errors;
    expect(fields).toEqual(
      expect.arrayContaining([
        { field: 'arguments.a', message: 'must be number' },
        { field: 'arguments.b', message: 'is required' },
      ]),
    );
  });

  it('returns a tool that throws as an error result', async () => {
    const response = await execute(testApp.app, admin, tool('fail'));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ isError: true, outcome: 'error' });
    expect(response.body).toContain('the database of this tool is on fire');
  });

  it('ends a tool that hangs at the call timeout, and the server stays usable', async () => {
    const started = Date.now();
    const response = await execute(testApp.app, admin, tool('hang'));
    const elapsedMs = Date.now() - started;
    expect(response.statusCode).toBe(200);
    expect(response.json(), response.body).toMatchObject({ isError: true, outcome: 'timeout' });
    expect(elapsedMs).toBeGreaterThanOrEqual(testStdioMcpBounds.callTimeoutMs - 50);
    expect(elapsedMs).toBeLessThan(testStdioMcpBounds.callTimeoutMs + 3_000);
    expect((await execute(testApp.app, admin, tool('echo'), { message: 'still here' })).json()).toMatchObject({
      content: [{ text: 'still here' }],
    });
  });

  it('truncates a huge result to the bound, with a note', async () => {
    const response = await execute(testApp.app, admin, tool('huge'), { kilobytes: 200 });
    expect(response.statusCode).toBe(200);
    const body = response.json<{ truncated: boolean; content: { text: string }[] }>();
    expect(body.truncated).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(body.content))).toBeLessThanOrEqual(
      testStdioMcpBounds.maxResultBytes + 500,
    );
    expect(body.content.at(-1)?.text).toMatch(/^\[Result truncated: it was \d+ bytes; only the first 20000 bytes/);
  });

  it('answers a clear error when the server dies mid-call, and reconnects on the next call', async () => {
    const died = await execute(testApp.app, admin, tool('die'));
    expect(died.statusCode).toBe(503);
    expect(died.json<{ detail: string }>().detail).toMatch(/^MCP server 'local tools' dropped the connection/);
    // What it wrote is the server's own administrator's to read, and stays out of our logs.
    expect(died.json<{ detail: string }>().detail).toContain('fatal: the upstream refused token');
    expect(logLines.join('')).not.toContain('the upstream refused token');
    const server = await testApp.app.inject({
      method: 'GET',
      url: `/v1/mcp/servers/${serverId}`,
      headers: admin.headers,
    });
    expect(server.json()).toMatchObject({ status: 'error' });

    const again = await execute(testApp.app, admin, tool('add'), { a: 1, b: 1 });
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ content: [{ text: '2' }] });
  });

  it('refuses a disabled tool with a 409', async () => {
    const disabled = await testApp.app.inject({
      method: 'PATCH',
      url: `/v1/mcp/tools/${tool('echo')}`,
      headers: admin.headers,
      payload: { enabled: false, approval: 'needs_approval' },
    });
    expect(disabled.json()).toMatchObject({ enabled: false, approval: 'needs_approval' });
    const response = await execute(testApp.app, admin, tool('echo'), { message: 'hi' });
    expect(response.statusCode).toBe(409);
    await testApp.app.inject({
      method: 'PATCH',
      url: `/v1/mcp/tools/${tool('echo')}`,
      headers: admin.headers,
      payload: { enabled: true },
    });
  });

  it('records every execution in the log with a digest of the arguments, newest first, paginated', async () => {
    const first = await testApp.app.inject({
      method: 'GET',
      url: '/v1/mcp/executions?limit=3',
      headers: admin.headers,
    });
    expect(first.statusCode).toBe(200);
    const page = first.json<{
      items: { outcome: string; toolName: string; argumentsSha256: string }[];
      nextCursor: string;
    }>();
    expect(page.items).toHaveLength(3);
    expect(page.nextCursor).toEqual(expect.any(String));
    const all = await testApp.app.inject({
      method: 'GET',
      url: '/v1/mcp/executions?limit=100',
      headers: admin.headers,
    });
    const items = all.json<{
      items: { outcome: string; toolName: string; argumentsSha256: string; userId: string }[];
    }>().items;
    const outcomes = items.map((item) => `${item.toolName}:${item.outcome}`);
    expect(outcomes).toEqual(
      expect.arrayContaining(['add:success', 'add:invalid_arguments', 'fail:error', 'hang:timeout', 'die:error']),
    );
    expect(items[0]).toMatchObject({ toolName: 'add', outcome: 'success', userId: admin.userId });
    expect(items.every((item) => /^[0-9a-f]{64}$/.test(item.argumentsSha256))).toBe(true);
    const huge = items.find((item) => item.toolName === 'huge') as unknown as {
      truncated: boolean;
      resultBytes: number;
    };
    expect(huge).toMatchObject({ truncated: true });
    expect(huge.resultBytes).toBeGreaterThan(200 * 1024);
  });

  it('never writes the environment values to the logs', () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('')).not.toContain(secretEnvValue);
  });
});
