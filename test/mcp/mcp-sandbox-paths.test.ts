import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer as createUnixServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { findMountProblem } from '../../src/platform/mount-policy.js';
import { createTenantWithAdmin, registerPlatformAdmin, type SignedInUser } from '../harness/tenant-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { allowNode, createServer, nodeModulesDir, testStdioMcpBounds } from './mcp-setup.js';

/**
 * Issue 44: readOnlyPaths refused DATA_DIR by name but took a symlink to it (a template running
 * `wc --files0-from=<link>/secret.key` printed the secret in the sync's error), and took /proc, /var/run
 * (PostgreSQL's socket), /root and /etc; MCP_SCRIPT_DIRS was not checked against DATA_DIR at all.
 */
const secret = 'the-server-secret-0123456789abcdef0123456789abcdef';

describe('paths mounted into a stdio server’s sandbox', () => {
  let testApp: TestApp;
  let platformAdmin: SignedInUser;
  let admin: SignedInUser;
  let socketServer: Server;
  const scratch = mkdtempSync(path.join(tmpdir(), 'parley-mounts-'));
  const socketDir = path.join(scratch, 'service');

  const template = (payload: Record<string, unknown>) =>
    testApp.app.inject({
      method: 'POST',
      url: '/v1/mcp/stdio-commands',
      headers: platformAdmin.headers,
      payload: { name: `template-${Math.random()}`, executablePath: '/usr/bin/wc', ...payload },
    });
  const detailOf = (response: { json: <T>() => T }) => response.json<{ detail: string }>().detail;

  beforeAll(async () => {
    testApp = await buildTestApp({}, { mcp: testStdioMcpBounds });
    writeFileSync(path.join(testApp.config.dataDir, 'secret.key'), `${secret}\n`, { mode: 0o600 });
    platformAdmin = await registerPlatformAdmin(testApp.app);
    admin = await createTenantWithAdmin(testApp.app, platformAdmin, 'Mounts tenant');
    mkdirSync(socketDir);
    socketServer = createUnixServer();
    await new Promise<void>((resolve) => socketServer.listen(path.join(socketDir, 'service.sock'), resolve));
  });

  afterAll(async () => {
    socketServer.close();
    await testApp.close();
  });

  it('refuses a symlink to DATA_DIR in readOnlyPaths, naming where it really leads', async () => {
    const link = path.join(scratch, 'innocent');
    symlinkSync(testApp.config.dataDir, link);
    const response = await template({ args: [`--files0-from=${link}/secret.key`], readOnlyPaths: [link] });
    expect(response.statusCode).toBe(400);
    expect(detailOf(response)).toBe(
      `readOnlyPaths '${link}' (really ${testApp.config.dataDir}) is, holds or lies inside the server's data directory (DATA_DIR), which a stdio server's child must never see`,
    );
    expect(response.body).not.toContain(secret);
  });

  it.each(['/proc', '/proc/1', '/var/run', '/run', '/root', '/etc', '/etc/ssl', '/sys', '/dev', '/', '/var'])(
    'refuses %s',
    async (entry) => {
      const response = await template({ readOnlyPaths: [entry] });
      expect(response.statusCode, response.body).toBe(400);
      expect(detailOf(response)).toMatch(/a stdio server's child must never (see|reach)$/);
    },
  );

  it('refuses a directory where another service listens on a Unix socket, what holds it and what lies in it', async () => {
    const inside = path.join(socketDir, 'logs');
    mkdirSync(inside);
    for (const entry of [socketDir, scratch, inside]) {
      const response = await template({ readOnlyPaths: [entry] });
      expect(response.statusCode).toBe(400);
      expect(detailOf(response)).toBe(
        `readOnlyPaths '${entry}' is, holds or lies inside ${socketDir}, where the Unix socket ${socketDir}/service.sock of another service is, which a stdio server's child must never reach`,
      );
    }
  });

  it('refuses a path that does not exist, since where it leads cannot be judged', async () => {
    const response = await template({ readOnlyPaths: [path.join(scratch, 'missing')] });
    expect(response.statusCode).toBe(400);
    expect(detailOf(response)).toMatch(/does not exist on this server$/);
  });

  it('judges the path again at every start: a directory replaced by a symlink to DATA_DIR stops the server', async () => {
    const later = path.join(scratch, 'later');
    mkdirSync(later);
    const created = await createServer(testApp.app, admin, {
      name: 'swapped',
      transport: 'stdio',
      stdioCommandId: await allowNode(testApp.app, platformAdmin, {
        readOnlyPaths: [
          nodeModulesDir,
          realpathSync(nodeModulesDir),
          path.resolve(nodeModulesDir, '..', 'package.json'),
          later,
        ],
      }),
    });
    expect(created.statusCode, created.body).toBe(201);
    rmSync(later, { recursive: true });
    symlinkSync(testApp.config.dataDir, later);
    const synced = await testApp.app.inject({
      method: 'POST',
      url: `/v1/mcp/servers/${created.json<{ id: string }>().id}/sync`,
      headers: admin.headers,
    });
    expect(synced.statusCode).toBe(422);
    expect(detailOf(synced)).toMatch(
      /^The stdio server cannot start: '.*later' \(really .*\) is, holds or lies inside the server's data directory \(DATA_DIR\)/,
    );
  });

  it('stops start-up with one line when MCP_SCRIPT_DIRS is, or leads to, DATA_DIR or a system tree', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-config-data-'));
    const link = path.join(scratch, 'scripts-link');
    symlinkSync(dataDir, link);
    const failureOf = (scriptDirs: string) => {
      try {
        loadConfig({ DATA_DIR: dataDir, MCP_SCRIPT_DIRS: scriptDirs });
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(failureOf(link)).toBe(
      `Invalid environment variable MCP_SCRIPT_DIRS: '${link}' (really ${dataDir}) is, holds or lies inside the server's data directory (DATA_DIR), which a stdio server's child must never see`,
    );
    expect(failureOf(path.dirname(dataDir))).toMatch(
      /^Invalid environment variable MCP_SCRIPT_DIRS: .* is, holds or lies inside the server's data directory/,
    );
    expect(failureOf('/etc')).toMatch(
      /^Invalid environment variable MCP_SCRIPT_DIRS: '\/etc' is, holds or lies inside \/etc/,
    );
    expect(failureOf(scratch)).toMatch(/, where the Unix socket .*service\.sock of another service is,/);
  });

  /**
   * Issue 61: on a server run as its own user, `wc --files0-from=<app dir>/.env` with the app's directory
   * in readOnlyPaths printed PARLEY_SECRET_KEY in the sync's error, and the same with a provider key's
   * `*_FILE`. The working directory (where `.env` is read from), the `.env` itself and every `*_FILE`
   * setting's directory are refused now, however they are named.
   */
  it("refuses the server's working directory and what holds it, by name or through a symlink", async () => {
    const workingDirectory = process.cwd();
    const link = path.join(scratch, 'app-link');
    symlinkSync(workingDirectory, link);
    for (const entry of [workingDirectory, link, path.dirname(workingDirectory)]) {
      const response = await template({ args: [`--files0-from=${entry}/.env`], readOnlyPaths: [entry] });
      expect(response.statusCode, entry).toBe(400);
      expect(detailOf(response)).toMatch(
        /is or holds the server's working directory \(.+\): name a folder inside it instead, since the server's settings file and data there are what a stdio server's child must never see$/,
      );
    }
  });

  it('refuses the directory of a secret a *_FILE setting names, and what holds it', async () => {
    const secrets = mkdtempSync(path.join(tmpdir(), 'parley-mounted-secrets-'));
    const keyFile = path.join(secrets, 'openai.key');
    writeFileSync(keyFile, 'sk-from-a-file\n', { mode: 0o600 });
    const node = await buildTestApp({ OPENAI_API_KEY_FILE: keyFile }, { mcp: testStdioMcpBounds });
    try {
      const owner = await registerPlatformAdmin(node.app);
      for (const entry of [secrets, keyFile]) {
        const response = await node.app.inject({
          method: 'POST',
          url: '/v1/mcp/stdio-commands',
          headers: owner.headers,
          payload: { name: `t-${Math.random()}`, executablePath: '/usr/bin/wc', readOnlyPaths: [entry] },
        });
        expect(response.statusCode, entry).toBe(400);
        expect(detailOf(response)).toBe(
          `readOnlyPaths '${entry}' is, holds or lies inside the directory of a secret the server reads (${keyFile}), which a stdio server's child must never see`,
        );
        expect(response.body).not.toContain('sk-from-a-file');
      }
    } finally {
      await node.close();
      rmSync(secrets, { recursive: true, force: true });
    }
  });

  it('refuses the settings file (.env) the server reads, and a folder holding it', () => {
    const appDir = mkdtempSync(path.join(tmpdir(), 'parley-app-dir-'));
    const dotEnvFile = path.join(appDir, 'config', '.env');
    mkdirSync(path.dirname(dotEnvFile));
    writeFileSync(dotEnvFile, 'PARLEY_SECRET_KEY=never-shown\n');
    const places = { dataDir: testApp.config.dataDir, dotEnvFile };
    expect(findMountProblem(dotEnvFile, places)).toBe(
      `'${dotEnvFile}' is, holds or lies inside the server's settings file (.env), which a stdio server's child must never see`,
    );
    expect(findMountProblem(path.dirname(dotEnvFile), places)).toMatch(/holds or lies inside the server's settings file/);
    expect(findMountProblem(appDir, { ...places, workingDirectory: appDir })).toMatch(
      /is or holds the server's working directory/,
    );
    // A folder inside the working directory that holds neither: where an operator keeps scripts.
    mkdirSync(path.join(appDir, 'scripts'));
    expect(findMountProblem(path.join(appDir, 'scripts'), { ...places, workingDirectory: appDir })).toBeUndefined();
    rmSync(appDir, { recursive: true, force: true });
  });

  it('names the working directory, the .env in it and each *_FILE setting as places no child may see', () => {
    const config = loadConfig({ DATA_DIR: testApp.config.dataDir, COHERE_API_KEY_FILE: '/srv/keys/cohere' });
    expect(config.mountPlaces).toMatchObject({
      workingDirectory: process.cwd(),
      dotEnvFile: path.join(process.cwd(), '.env'),
      secretFiles: ['/srv/keys/cohere'],
    });
  });
});
