import { chmodSync, copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { allowNode, createServer, execute, syncTools, testStdioMcpBounds } from './mcp-setup.js';

/**
 * Issue 33's reproductions, each now failing: a tenant admin of any tenant made a stdio server run a program
 * the platform admin allowed (sqlite3, a renamed dash, curl) with arguments of their own, and read the
 * server's secret (from which every signing key follows) or sent it to loopback.
 */
const secret = 'the-server-secret-0123456789abcdef0123456789abcdef';
const isRoot = process.getuid?.() === 0;

/** A TCP listener on loopback that keeps whatever reaches it. */
async function startRecorder(): Promise<{
  server: Server;
  port: number;
  received: () => string;
  connections: () => number;
}> {
  let received = '';
  let connections = 0;
  const server = createTcpServer((socket: Socket) => {
    connections += 1;
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, received: () => received, connections: () => connections };
}

describe.each([
  ['in bubblewrap', 'auto'],
  ['without bubblewrap (MCP_STDIO_SANDBOX=off)', 'off'],
] as const)('stdio MCP servers %s', (_label, sandbox) => {
  const inBubblewrap = sandbox === 'auto';
  let testApp: TestApp;
  let platformAdmin: SignedInUser;
  let admin: SignedInUser;
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let secretFile: string;
  const scratch = mkdtempSync(path.join(tmpdir(), 'parley-sandbox-'));

  const template = (payload: Record<string, unknown>) =>
    testApp.app.inject({
      method: 'POST',
      url: '/v1/mcp/stdio-commands',
      headers: platformAdmin.headers,
      payload: { name: `template-${Math.random()}`, ...payload },
    });
  const stdioServer = (stdioCommandId: string, payload: Record<string, unknown> = {}) =>
    createServer(testApp.app, admin, { name: `s-${Math.random()}`, transport: 'stdio', stdioCommandId, ...payload });
  const sync = (serverId: string) =>
    testApp.app.inject({ method: 'POST', url: `/v1/mcp/servers/${serverId}/sync`, headers: admin.headers });
  const detailOf = (response: { json: <T>() => T }) => response.json<{ detail: string }>().detail;

  beforeAll(async () => {
    testApp = await buildTestApp({ MCP_STDIO_SANDBOX: sandbox }, { mcp: testStdioMcpBounds });
    // The secret the embedded server keeps in its data directory, owner-only.
    secretFile = path.join(testApp.config.dataDir, 'secret.key');
    writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
    platformAdmin = await registerPlatformAdmin(testApp.app);
    admin = await createTenantWithAdmin(testApp.app, platformAdmin, 'Attacker tenant');
    recorder = await startRecorder();
  });

  afterAll(async () => {
    recorder.server.close();
    await testApp.close();
  });

  it('says what isolation its children get, and what is missing', async () => {
    const response = await testApp.app.inject({
      method: 'GET',
      url: '/v1/mcp/stdio-commands',
      headers: admin.headers,
    });
    expect(response.statusCode).toBe(200);
    const { isolation } = response.json<{
      isolation: { sandbox: string; runAs: string | null; missing: string[]; refusal: string | null };
    }>();
    expect(isolation).toMatchObject({ sandbox: inBubblewrap ? 'bubblewrap' : 'none', refusal: null });
    expect(isolation.runAs).toBe(isRoot ? 'nobody' : null);
    if (inBubblewrap) expect(isolation.missing).toEqual([]);
    else expect(isolation.missing.join(' ')).toMatch(/reach the network \(loopback included\)/);
  });

  it('takes no free arguments from a tenant: only the parameters of a template', async () => {
    const curl = await template({ executablePath: '/usr/bin/curl' });
    expect(curl.statusCode, curl.body).toBe(201);
    const response = await stdioServer(curl.json<{ id: string }>().id, {
      args: ['-s', '-o', '/tmp/out', `file://${secretFile}`],
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      errors: [
        {
          field: 'args',
          message: expect.stringMatching(/^are no longer accepted: a stdio server runs a command template/),
        },
      ],
    });
  });

  it('sqlite3 -cmd ".shell …": sqlite3 is refused as a program that runs commands, and its parameters cannot carry one', async () => {
    const unmarked = await template({ executablePath: '/usr/bin/sqlite3', args: ['-readonly', '{database}'] });
    expect(unmarked.statusCode).toBe(400);
    expect(detailOf(unmarked)).toMatch(/is a program that runs commands or code named in its arguments or input/);
    // Even marked by the platform admin, a tenant fills one typed value, never an option or a dot-command.
    const marked = await template({
      executablePath: '/usr/bin/sqlite3',
      allowInterpreter: true,
      args: ['-readonly', '{database}'],
      parameters: [{ name: 'database', type: 'string', pattern: '[a-z]+\\.db' }],
    });
    expect(marked.statusCode, marked.body).toBe(201);
    const id = marked.json<{ id: string }>().id;
    const option = await stdioServer(id, { parameters: { database: '-cmd' } });
    expect(option.statusCode).toBe(400);
    expect(detailOf(option)).toBe("parameters.database must not start with '-': a value can never become an option");
    const shell = await stdioServer(id, { parameters: { database: `.shell cat ${secretFile}` } });
    expect(shell.statusCode).toBe(400);
    expect(detailOf(shell)).toBe('parameters.database must match the pattern [a-z]+\\.db');
    const extra = await stdioServer(id, { parameters: { database: 'notes.db', cmd: '.shell id' } });
    expect(extra.statusCode).toBe(400);
    expect(detailOf(extra)).toMatch(/^parameters\.cmd is not a parameter of this command template/);
  });

  it('a copy of dash under another name is a shell, and -c cannot be given to it', async () => {
    const copy = path.join(scratch, 'report-generator');
    copyFileSync('/usr/bin/dash', copy);
    chmodSync(copy, 0o755);
    const inspected = await testApp.app.inject({
      method: 'POST',
      url: '/v1/mcp/stdio-commands/inspect',
      headers: platformAdmin.headers,
      payload: { executablePath: copy },
    });
    expect(inspected.json()).toMatchObject({ kind: 'shell', sameAs: '/usr/bin/dash', runsCode: true });
    const unmarked = await template({ executablePath: copy });
    expect(unmarked.statusCode).toBe(400);
    expect(detailOf(unmarked)).toContain('is a copy of /usr/bin/dash, a shell: it runs any command it is given');
    // Marked, a shell still runs only a vetted script file: `-c` is refused in the template itself.
    const withCommand = await template({
      executablePath: copy,
      allowInterpreter: true,
      args: ['-c', '{command}'],
      parameters: [{ name: 'command', type: 'string', pattern: '.+' }],
    });
    expect(withCommand.statusCode).toBe(400);
    expect(detailOf(withCommand)).toMatch(/'-c' runs code given on the command line/);
  });

  it('curl file://…/secret.key: a URL parameter takes http(s) only', async () => {
    const curl = await template({
      executablePath: '/usr/bin/curl',
      args: ['-s', '{url}'],
      parameters: [{ name: 'url', type: 'url', pattern: '.+' }],
    });
    expect(curl.statusCode, curl.body).toBe(201);
    const response = await stdioServer(curl.json<{ id: string }>().id, { parameters: { url: `file://${secretFile}` } });
    expect(response.statusCode).toBe(400);
    expect(detailOf(response)).toBe('parameters.url must be an http:// or https:// URL');
  });

  it('curl -T secret.key to loopback, under a careless template: the child cannot read the secret', async () => {
    const careless = await template({
      executablePath: '/usr/bin/curl',
      args: ['-s', '-S', '-T', '{file}', '{url}'],
      parameters: [
        { name: 'file', type: 'string', pattern: '.+' },
        { name: 'url', type: 'url', pattern: '.+' },
      ],
    });
    expect(careless.statusCode, careless.body).toBe(201);
    const created = await stdioServer(careless.json<{ id: string }>().id, {
      parameters: { file: secretFile, url: `http://127.0.0.1:${recorder.port}/` },
    });
    expect(created.statusCode, created.body).toBe(201);
    const synced = await sync(created.json<{ id: string }>().id);
    // curl is no MCP server: the sync fails, saying what it wrote, which names no secret.
    expect(synced.statusCode).toBeGreaterThanOrEqual(400);
    expect(synced.body).not.toContain(secret);
    expect(recorder.received()).not.toContain(secret);
    if (inBubblewrap) expect(recorder.connections()).toBe(0);
  });

  it('a real MCP server child cannot read secret.key; in bubblewrap it reaches no loopback port either', async () => {
    const created = await stdioServer(await allowNode(testApp.app, platformAdmin));
    expect(created.statusCode, created.body).toBe(201);
    const tools = await syncTools(testApp.app, admin, created.json<{ id: string }>().id);
    const read = await execute(testApp.app, admin, tools.read_file!.id, { path: secretFile });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.body).not.toContain(secret);
    expect(read.json()).toMatchObject({ content: [{ text: inBubblewrap ? 'refused: ENOENT' : 'refused: EACCES' }] });

    const connectionsBefore = recorder.connections();
    const reached = await execute(testApp.app, admin, tools.connect!.id, { host: '127.0.0.1', port: recorder.port });
    const said = reached.json<{ content: { text: string }[] }>().content[0]!.text;
    if (inBubblewrap) {
      expect(said).toMatch(/^refused: /);
      expect(recorder.connections()).toBe(connectionsBefore);
    } else {
      // Said in the isolation's `missing` list: without bubblewrap the network is not confined.
      expect(said).toBe('connected');
    }
  });
});

describe.runIf(isRoot)('stdio MCP servers on a server running as root without MCP_STDIO_USER', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await buildTestApp({ MCP_STDIO_USER: '' }, { mcp: testStdioMcpBounds });
  });

  afterAll(async () => {
    await testApp.close();
  });

  it('are refused with what to set, and the console is told why', async () => {
    const platformAdmin = await registerPlatformAdmin(testApp.app);
    const admin = await createTenantWithAdmin(testApp.app, platformAdmin, 'Root tenant');
    const created = await createServer(testApp.app, admin, {
      name: 'as root',
      transport: 'stdio',
      stdioCommandId: await allowNode(testApp.app, platformAdmin),
    });
    const synced = await testApp.app.inject({
      method: 'POST',
      url: `/v1/mcp/servers/${created.json<{ id: string }>().id}/sync`,
      headers: admin.headers,
    });
    const sentence =
      'The server runs as root and MCP_STDIO_USER is not set, so stdio MCP servers are refused (they would run as root): set MCP_STDIO_USER to an unprivileged user such as nobody';
    expect(synced.statusCode).toBe(422);
    expect(synced.json<{ detail: string }>().detail).toBe(sentence);
    const listed = await testApp.app.inject({ method: 'GET', url: '/v1/mcp/stdio-commands', headers: admin.headers });
    expect(listed.json()).toMatchObject({ isolation: { refusal: sentence } });
  });
});
