import { spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTenantWithAdmin, registerPlatformAdmin } from '../harness/tenant-setup.js';
import { buildTestApp, type TestApp } from '../harness/test-app.js';
import { allowNode, createServer, testStdioMcpBounds } from './mcp-setup.js';

/**
 * Issue 44: under the default MCP_STDIO_SANDBOX=auto, a server that did not run as root and had no
 * bubblewrap ran stdio children as its own user, who read DATA_DIR/secret.key. Here the server's code runs
 * as such a user (nobody, not root) in a process of its own, with a PATH with and without bwrap.
 */
const nobody = 65534;
const secret = 'the-server-secret-of-nobody-0123456789abcdef';
const probe = fileURLToPath(new URL('./fixtures/start-stdio-child.ts', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const isRoot = process.getuid?.() === 0;

/** A data directory the unprivileged server owns, with its secret in it, owner-only as Parley makes them. */
function dataDirOfNobody(): string {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-nobody-data-'));
  writeFileSync(path.join(dataDir, 'secret.key'), secret, { mode: 0o600 });
  chownSync(dataDir, nobody, nobody);
  chownSync(path.join(dataDir, 'secret.key'), nobody, nobody);
  return dataDir;
}

function runAsNobody(mode: string, searchPath: string) {
  const dataDir = dataDirOfNobody();
  const result = spawnSync(process.execPath, ['--import', 'tsx', probe, mode, dataDir], {
    cwd: repositoryRoot,
    uid: nobody,
    gid: nobody,
    env: { PATH: searchPath, HOME: '/nonexistent' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (!line.startsWith('{')) throw new Error(`probe failed: ${result.status} ${result.stderr}`);
  return JSON.parse(line) as { uid: number; refused?: string; stderr?: string; isolation?: { missing: string[] } };
}

const withoutBwrap = '/usr/local/bin:/nonexistent';
const withBwrap = '/usr/local/bin:/usr/bin:/bin';

describe.runIf(isRoot)('a stdio child of a server that does not run as root', () => {
  it('is refused under MCP_STDIO_SANDBOX=auto where bubblewrap cannot run, saying why and what to do', () => {
    const outcome = runAsNobody('auto', withoutBwrap);
    expect(outcome.uid).toBe(nobody);
    expect(outcome.refused).toMatch(/^stdio MCP servers are refused: bubblewrap cannot run here \(bwrap was not found/);
    expect(outcome.refused).toContain('set MCP_STDIO_SANDBOX=off');
    expect(JSON.stringify(outcome)).not.toContain(secret);
  }, 60_000);

  it('is refused under MCP_STDIO_SANDBOX=bubblewrap alike', () => {
    expect(runAsNobody('bubblewrap', withoutBwrap).refused).toMatch(/^stdio MCP servers are refused/);
  }, 60_000);

  it('runs unconfined only under the explicit MCP_STDIO_SANDBOX=off, which then reads what the server reads', () => {
    const outcome = runAsNobody('off', withoutBwrap);
    expect(outcome.refused).toBeUndefined();
    // The opt-out's documented cost: the child is the server's user.
    expect(outcome.stderr).toContain(secret);
    expect(outcome.isolation?.missing.join(' ')).toMatch(/children run as the server's own user/);
  }, 60_000);

  it('runs in bubblewrap under auto where bwrap is on the PATH, and cannot read the secret', () => {
    const outcome = runAsNobody('auto', withBwrap);
    expect(outcome.refused).toBeUndefined();
    expect(outcome.stderr).toMatch(/No such file or directory/);
    expect(outcome.stderr).not.toContain(secret);
  }, 60_000);
});

describe('a server where bubblewrap cannot run, under the default MCP_STDIO_SANDBOX=auto', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await buildTestApp({ PATH: withoutBwrap }, { mcp: testStdioMcpBounds });
  });

  afterAll(async () => {
    await testApp.close();
  });

  it('answers the tenant admin’s sync with a 422 saying why and what to do, and tells the console', async () => {
    const platformAdmin = await registerPlatformAdmin(testApp.app);
    const admin = await createTenantWithAdmin(testApp.app, platformAdmin, 'No sandbox tenant');
    const created = await createServer(testApp.app, admin, {
      name: 'unconfined',
      transport: 'stdio',
      stdioCommandId: await allowNode(testApp.app, platformAdmin),
    });
    expect(created.statusCode, created.body).toBe(201);
    const synced = await testApp.app.inject({
      method: 'POST',
      url: `/v1/mcp/servers/${created.json<{ id: string }>().id}/sync`,
      headers: admin.headers,
    });
    expect(synced.statusCode).toBe(422);
    const detail = synced.json<{ detail: string }>().detail;
    expect(detail).toMatch(
      /^stdio MCP servers are refused: bubblewrap cannot run here \(bwrap was not found on the PATH\)/,
    );
    expect(detail).toMatch(/Install bubblewrap \(apt-get install bubblewrap\).*set MCP_STDIO_SANDBOX=off$/);
    const listed = await testApp.app.inject({ method: 'GET', url: '/v1/mcp/stdio-commands', headers: admin.headers });
    expect(listed.json()).toMatchObject({ isolation: { sandbox: 'none', refusal: detail } });
  });
});
