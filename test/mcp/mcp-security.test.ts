import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTenantWithAdmin,
  createUser,
  registerPlatformAdmin,
  type SignedInUser,
} from '../harness/tenant-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import {
  allowNode,
  createServer,
  execute,
  hostPidOf,
  isRunning,
  stdioServerScript,
  syncTools,
  testStdioMcpBounds,
} from './mcp-setup.js';

describe('MCP security: allowed commands, arguments, environment and tenants', () => {
  let testApp: TestApp;
  let platformAdmin: SignedInUser;
  let admin: SignedInUser;
  let otherAdmin: SignedInUser;
  let member: SignedInUser;
  let nodeCommandId: string;
  const scratch = mkdtempSync(path.join(tmpdir(), 'parley-mcp-commands-'));

  /** An executable script in the scratch directory, named as given. */
  const executable = (name: string, mode = 0o755): string => {
    const file = path.join(scratch, name);
    writeFileSync(file, '#!/bin/sh\necho hi\n');
    chmodSync(file, mode);
    return file;
  };

  /** A copy of an ordinary program (true) in the scratch directory, named as given. */
  const program = (name: string): string => {
    const file = path.join(scratch, name);
    copyFileSync('/usr/bin/true', file);
    chmodSync(file, 0o755);
    return file;
  };

  /** A template for node with the given arguments (the platform admin's), as allowNode makes it otherwise. */
  const allowNodeWith = (args: string[]) => allow(process.execPath, { allowInterpreter: true, args });

  const allow = (executablePath: string, extra: Record<string, unknown> = {}, user: SignedInUser = platformAdmin) =>
    testApp.app.inject({
      method: 'POST',
      url: '/v1/mcp/stdio-commands',
      headers: user.headers,
      payload: { name: `command-${Math.random()}`, executablePath, ...extra },
    });

  const stdioServer = (payload: Record<string, unknown>, user: SignedInUser = admin) =>
    createServer(testApp.app, user, {
      name: `stdio-${Math.random()}`,
      transport: 'stdio',
      stdioCommandId: nodeCommandId,
      ...payload,
    });

  beforeAll(async () => {
    testApp = await buildTestApp({}, { mcp: testStdioMcpBounds });
    platformAdmin = await registerPlatformAdmin(testApp.app);
    admin = await createTenantWithAdmin(testApp.app, platformAdmin, 'Tenant A');
    otherAdmin = await createTenantWithAdmin(testApp.app, platformAdmin, 'Tenant B');
    member = await createUser(testApp.app, admin, 'member');
    nodeCommandId = await allowNode(testApp.app, platformAdmin);
  });

  afterAll(async () => {
    await testApp.close();
  });

  describe('the command templates', () => {
    it('is the platform administrator’s alone', async () => {
      const response = await allow(executable('tenant-tool'), {}, admin);
      expect(response.statusCode).toBe(403);
    });

    it('accepts a vetted program by its absolute path, and shows what it is', async () => {
      const response = await allow(program('my-mcp-server'));
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toMatchObject({ inspection: { kind: 'binary', runsCode: false } });
    });

    it.each([
      ['a shell', '/bin/sh', /is a shell: it runs any command it is given; it is refused unless allowInterpreter/],
      ['env, which runs any program', '/usr/bin/env', /is a program that runs commands or code named in its arguments/],
      ['a #!/bin/sh script', path.join(tmpdir(), 'x'), /is a script run by \/usr\/bin\/dash \(a shell\)/],
    ])('refuses %s unless marked', async (_kind, file, detail) => {
      const target = file.startsWith(tmpdir()) ? executable('plain-script') : file;
      const response = await allow(target);
      expect(response.statusCode).toBe(400);
      expect(response.json<{ detail: string }>().detail).toMatch(detail);
    });

    it.each(['npx', 'npm', 'pnpm', 'yarn', 'bunx', 'uvx', 'bash5', 'find', 'awk', 'git'])(
      'refuses the package runner, shell or command runner %s',
      async (name) => {
        const response = await allow(executable(name));
        expect(response.statusCode).toBe(400);
      },
    );

    it('refuses a symlink with an innocent name that points at a shell', async () => {
      const link = path.join(scratch, 'innocent-tool');
      symlinkSync('/bin/sh', link);
      const response = await allow(link);
      expect(response.statusCode).toBe(400);
    });

    it('refuses an interpreter unless explicitly allowed', async () => {
      const response = await allow(process.execPath);
      expect(response.statusCode).toBe(400);
      expect(response.json<{ detail: string }>().detail).toMatch(
        /is an interpreter: it runs any code it is given; it is refused unless allowInterpreter is true/,
      );
    });

    it.each(['node-20', 'nodejs22', 'tsx', 'ts-node', 'ruby3.1', 'java21'])(
      'knows %s for an interpreter, as a distribution or a package names it',
      async (name) => {
        const response = await allow(executable(name));
        expect(response.statusCode).toBe(400);
        expect(response.json<{ detail: string }>().detail).toContain(`${name}' is an interpreter`);
      },
    );

    it('refuses to start a program whose allowed path now leads to an interpreter, and its code arguments', async () => {
      // Allowed while it led to a program, as no interpreter; the file behind the path then changes.
      const link = path.join(scratch, 'swapped-tool');
      symlinkSync(program('plain-tool'), link);
      const marker = path.join(scratch, 'swapped-ran');
      const allowed = await allow(link, {
        args: ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran')`],
      });
      expect(allowed.statusCode, allowed.body).toBe(201);
      expect(allowed.json<{ allowInterpreter: boolean }>().allowInterpreter).toBe(false);
      const created = await stdioServer({ stdioCommandId: allowed.json<{ id: string }>().id });
      expect(created.statusCode, created.body).toBe(201);
      unlinkSync(link);
      symlinkSync(process.execPath, link);

      const sync = await testApp.app.inject({
        method: 'POST',
        url: `/v1/mcp/servers/${created.json<{ id: string }>().id}/sync`,
        headers: admin.headers,
      });
      expect(sync.statusCode).toBe(400);
      expect(sync.json<{ detail: string }>().detail).toMatch(/is an interpreter: it runs any code it is given/);
      expect(existsSync(marker)).toBe(false);
    });

    it.each([
      ['a relative path', 'node'],
      ['a path with ..', '/usr/bin/../bin/node'],
      ['a missing file', '/nonexistent/mcp-server'],
      ['a directory', '/usr/bin'],
    ])('refuses %s', async (_kind, file) => {
      expect((await allow(file, { allowInterpreter: true })).statusCode).toBe(400);
    });

    it('refuses a file that is not executable', async () => {
      expect((await allow(executable('plain-file', 0o644))).statusCode).toBe(400);
    });
  });

  describe('the arguments of an interpreter template, and the environment of a stdio server', () => {
    it.each([
      ['-e', ['-e', 'require("child_process").execSync("id")']],
      ['--eval', ['--eval=process.exit()']],
      ['-p', ['-p', '1']],
      ['--require', ['--require', '/tmp/evil.js', stdioServerScript]],
      ['--import', ['--import', 'data:text/javascript,console.log(1)', stdioServerScript]],
      ['--inspect', ['--inspect=0.0.0.0:9229', stdioServerScript]],
      ['--experimental-loader', ['--experimental-loader', '/tmp/x.mjs', stdioServerScript]],
    ])('refuses the interpreter option %s', async (option, args) => {
      const response = await allowNodeWith(args);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json<{ detail: string }>().detail).toContain(`'${option}'`);
    });

    it('refuses a missing script, a relative one, and one inside the data directory', async () => {
      const uploaded = path.join(testApp.config.dataDir, 'files', 'uploaded.js');
      mkdirSync(path.dirname(uploaded), { recursive: true });
      writeFileSync(uploaded, 'console.log(1)');
      for (const args of [[], ['server.js'], ['/nonexistent/server.js'], [uploaded], ['{script}']]) {
        const response = await allowNodeWith(args);
        expect(response.statusCode, JSON.stringify(args)).toBe(400);
      }
    });

    it('refuses a script outside the vetted directories: npm itself runs code from its arguments', async () => {
      // `node npm-cli.js exec -c '…'` ran a shell command as the server's user before MCP_SCRIPT_DIRS.
      const npmCli = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
      const response = await allowNodeWith([path.normalize(npmCli), 'exec', '--yes', '-c', 'id']);
      expect(response.statusCode, response.body).toBe(400);
      expect(response.json<{ detail: string }>().detail).toMatch(
        /^The arguments are refused: the script '.+npm-cli\.js' is not inside a directory of vetted scripts \(MCP_SCRIPT_DIRS: .+fixtures\/?\)/,
      );
    });

    it.each([
      'NODE_OPTIONS',
      'LD_PRELOAD',
      'DYLD_INSERT_LIBRARIES',
      'PYTHONPATH',
      'BASH_ENV',
      'PATH',
      'node_options',
      // A configuration file that loads a shared object into node, or whose lines node's error repeats.
      'OPENSSL_CONF',
      'OPENSSL_MODULES',
      'GIT_SSH_COMMAND',
      'LUA_INIT',
      // Where a child's requests go, and files a program reads (issue 33).
      'http_proxy',
      'ALL_PROXY',
      'CURL_HOME',
      'TZDIR',
    ])('refuses the environment variable %s', async (name) => {
      const response = await stdioServer({ env: { [name]: '--require /tmp/evil.js' } });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ detail: string }>().detail).toContain(`'${name}'`);
    });

    it.each(['A-B', '1ABC', 'WITH SPACE', ''])(
      'refuses the environment variable name %j with the rule, naming it',
      async (name) => {
        const response = await stdioServer({ env: { [name]: 'v' } });
        expect(response.statusCode, response.body).toBe(400);
        expect(response.json<{ errors: { field: string; message: string }[] }>().errors).toEqual([
          {
            field: `env.${name}`,
            message: 'is not a valid variable name: names are letters, digits and _, not starting with a digit',
          },
        ]);
      },
    );

    it('refuses HTTP settings on a stdio server and stdio settings on an HTTP one', async () => {
      expect((await stdioServer({ headers: { 'X-A': 'b' } })).statusCode).toBe(400);
      const http = await createServer(testApp.app, admin, {
        name: 'mixed',
        transport: 'streamable-http',
        url: 'https://example.com/mcp',
        parameters: { x: 'y' },
      });
      expect(http.statusCode).toBe(400);
    });

    // Issue 61: a build tool run by a template (make, cargo, pip building a wheel) runs what these name.
    it.each(['CC', 'CXX', 'LD', 'AR', 'RUSTC_WRAPPER', 'RUSTC', 'CARGO_BUILD_RUSTC_WRAPPER', 'SCCACHE_WRAPPER', 'COR_PROFILER', 'COR_ENABLE_PROFILING', 'MAGIC', 'CMAKE_C_COMPILER_LAUNCHER', 'CCACHE_PREFIX'])(
      'refuses %s in a template’s envNames: it names a program or file a build tool runs or loads',
      async (name) => {
        const response = await allow(process.execPath, { allowInterpreter: true, envNames: [name] });
        expect(response.statusCode, response.body).toBe(400);
        expect(response.json<{ detail: string }>().detail).toBe(
          `envNames may not list '${name}': it changes how programs or their libraries load, where they connect, or overrides what Parley sets`,
        );
      },
    ); // prettier-ignore

    it('refuses a variable the template does not list, naming the ones it does', async () => {
      const response = await stdioServer({ env: { OTHER_TOKEN: 'v' } });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ detail: string }>().detail).toBe(
        "env may not set 'OTHER_TOKEN': its command template lets tenants set only TOOL_TOKEN, TOOLS_TOKEN; a platform administrator adds names to the template's envNames",
      );
    });

    it('asks for a stored environment again when the template or its parameters change', async () => {
      const patch = (id: string, payload: Record<string, unknown>) =>
        testApp.app.inject({ method: 'PATCH', url: `/v1/mcp/servers/${id}`, headers: admin.headers, payload });
      const withParameter = await allowNode(testApp.app, platformAdmin, {
        args: [stdioServerScript, '--greeting={greeting}'],
        parameters: [{ name: 'greeting', type: 'string', pattern: '[a-z]+' }],
      });
      const stdio = await stdioServer({
        stdioCommandId: withParameter,
        parameters: { greeting: 'hello' },
        env: { TOOLS_TOKEN: 'stored' },
      });
      expect(stdio.statusCode, stdio.body).toBe(201);
      expect(stdio.json()).toMatchObject({ command: [process.execPath, stdioServerScript, '--greeting=hello'] });
      const stdioId = stdio.json<{ id: string }>().id;
      const otherValue = await patch(stdioId, { parameters: { greeting: 'bye' } });
      expect(otherValue.statusCode, otherValue.body).toBe(400);
      expect(otherValue.json<{ detail: string }>().detail).toBe(
        'env must be sent again (or null to drop them) when stdioCommandId or parameters changes: stored values only go where they were given for',
      );
      // The same values, or other changes, keep it.
      expect((await patch(stdioId, { parameters: { greeting: 'hello' }, enabled: false })).statusCode).toBe(200);
      const resent = await patch(stdioId, { parameters: { greeting: 'bye' }, env: { TOOLS_TOKEN: 'again' } });
      expect(resent.statusCode, resent.body).toBe(200);
    });

    it('refuses a command the platform administrator did not allow', async () => {
      const response = await stdioServer({ stdioCommandId: '01900000-0000-7000-8000-000000000000' });
      expect(response.statusCode).toBe(400);
    });
  });

  describe('tenants and roles', () => {
    let serverId: string;
    let toolId: string;

    beforeAll(async () => {
      const created = await stdioServer({ name: 'tenant-a-tools' });
      serverId = created.json<{ id: string }>().id;
      const tools = await syncTools(testApp.app, admin, serverId);
      toolId = tools.echo!.id;
      expect((await execute(testApp.app, admin, toolId, { message: 'a' })).statusCode).toBe(200);
    });

    it('does not let a member register, list or run servers and tools', async () => {
      expect((await stdioServer({}, member)).statusCode).toBe(403);
      for (const url of ['/v1/mcp/servers', '/v1/mcp/tools', '/v1/mcp/executions']) {
        expect((await testApp.app.inject({ method: 'GET', url, headers: member.headers })).statusCode, url).toBe(403);
      }
      expect((await execute(testApp.app, member, toolId, { message: 'm' })).statusCode).toBe(403);
    });

    it('answers 404 to another tenant for the server and its tools, and shows them nothing', async () => {
      const headers = otherAdmin.headers;
      const requests = [
        { method: 'GET', url: `/v1/mcp/servers/${serverId}` },
        { method: 'PATCH', url: `/v1/mcp/servers/${serverId}`, payload: { enabled: false } },
        { method: 'POST', url: `/v1/mcp/servers/${serverId}/sync` },
        { method: 'DELETE', url: `/v1/mcp/servers/${serverId}` },
        { method: 'GET', url: `/v1/mcp/tools?serverId=${serverId}` },
        { method: 'PATCH', url: `/v1/mcp/tools/${toolId}`, payload: { enabled: false } },
        { method: 'POST', url: `/v1/mcp/tools/${toolId}/execute`, payload: { arguments: { message: 'x' } } },
      ] as const;
      for (const request of requests) {
        const response = await testApp.app.inject({ ...request, headers });
        expect(response.statusCode, `${request.method} ${request.url}`).toBe(404);
      }
      for (const url of ['/v1/mcp/servers', '/v1/mcp/tools', '/v1/mcp/executions']) {
        const response = await testApp.app.inject({ method: 'GET', url, headers });
        expect(response.json<{ items: unknown[] }>().items, url).toEqual([]);
      }
      // Still there for its own tenant.
      expect((await execute(testApp.app, admin, toolId, { message: 'still' })).statusCode).toBe(200);
    });

    it('withdraws an allowed command that another tenant’s server runs, and stops that server', async () => {
      // A command of its own, so withdrawing it leaves the other tests' servers alone.
      const commandId = await allowNode(testApp.app, platformAdmin);
      const created = await stdioServer({
        name: 'withdrawn-tools',
        stdioCommandId: commandId,
      });
      const withdrawnServerId = created.json<{ id: string }>().id;
      const tools = await syncTools(testApp.app, admin, withdrawnServerId);
      const described = await execute(testApp.app, admin, tools.environment!.id);
      const { instance } = JSON.parse(described.json<{ content: { text: string }[] }>().content[0]!.text) as {
        instance: string;
      };
      const pid = hostPidOf(instance)!;
      expect(pid).toBeDefined();

      const removed = await testApp.app.inject({
        method: 'DELETE',
        url: `/v1/mcp/stdio-commands/${commandId}`,
        headers: platformAdmin.headers,
      });
      expect(removed.statusCode, removed.body).toBe(204);

      await expect.poll(() => isRunning(pid), { timeout: 5_000 }).toBe(false);
      const server = await testApp.app.inject({
        method: 'GET',
        url: `/v1/mcp/servers/${withdrawnServerId}`,
        headers: admin.headers,
      });
      expect(server.json()).toMatchObject({
        stdioCommandId: null,
        command: null,
        status: 'error',
        statusMessage: expect.stringMatching(
          /was withdrawn by a platform administrator; choose another command template/,
        ),
      });
      const call = await execute(testApp.app, admin, tools.echo!.id, { message: 'after' });
      expect(call.statusCode).toBe(422);
      expect(call.json<{ detail: string }>().detail).toMatch(
        /has no command template \(a platform administrator withdrew it/,
      );

      // Given another allowed command, the server runs again.
      const restored = await testApp.app.inject({
        method: 'PATCH',
        url: `/v1/mcp/servers/${withdrawnServerId}`,
        headers: admin.headers,
        payload: { stdioCommandId: nodeCommandId },
      });
      expect(restored.statusCode, restored.body).toBe(200);
      expect((await execute(testApp.app, admin, tools.echo!.id, { message: 'back' })).statusCode).toBe(200);
    });
  });
});
