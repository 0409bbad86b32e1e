import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/platform/http/types.js';
import { spawnServe, waitForReady } from '../cli/server-process.js';
import { createTenantWithAdmin, registerPlatformAdmin } from '../harness/tenant-setup.js';
import { allowNode, createServer, execute, hostPidOf, isRunning, syncTools } from './mcp-setup.js';

/**
 * A real `parley serve` process: the test helpers' `inject` calls go to it over HTTP, so the same set-up
 * (platform admin, tenant, template, server) drives it as it drives an in-process app.
 */
function overHttp(baseUrl: string): App {
  const inject = async (request: {
    method: string;
    url: string;
    headers?: Record<string, string>;
    payload?: unknown;
  }) => {
    const response = await fetch(`${baseUrl}${request.url}`, {
      method: request.method,
      headers: {
        ...request.headers,
        ...(request.payload !== undefined && { 'content-type': 'application/json' }),
      },
      body: request.payload === undefined ? undefined : JSON.stringify(request.payload),
    });
    const body = await response.text();
    return { statusCode: response.status, body, json: () => JSON.parse(body) as unknown };
  };
  return { inject } as unknown as App;
}

/** Every process below `pid`, read from /proc. */
function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, itsParent] of parents) {
      if (itsParent === parent) {
        found.push(child);
        visit(child);
      }
    }
  };
  visit(pid);
  return found;
}

describe('a sandboxed stdio MCP server of a real server process', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'parley-sandbox-serve-'));
  let child: ChildProcess;
  let app: App;

  beforeAll(async () => {
    const started = await spawnServe({
      dataDir,
      env: {
        MCP_STDIO_USER: 'nobody',
        MCP_SCRIPT_DIRS: fileURLToPath(new URL('./fixtures/', import.meta.url)),
        AUTH_RATE_LIMIT_PER_MINUTE: '10000',
      },
    });
    child = started.child;
    // A first start makes its database: on a loaded two-core machine that took 40 s to over 120 s, past one wait's 30.
    for (let attempt = 1; ; attempt++) {
      const ready = await waitForReady(started.baseUrl, child).then(
        () => true,
        (error: Error) => (attempt < 6 ? false : Promise.reject(error)),
      );
      if (ready) break;
    }
    app = overHttp(started.baseUrl);
  }, 240_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('keeps DATA_DIR and its secret.key owner-only', () => {
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
  });

  it('ends with the server when the server is killed with SIGKILL', async () => {
    const platformAdmin = await registerPlatformAdmin(app);
    const admin = await createTenantWithAdmin(app, platformAdmin, 'Killed tenant');
    const created = await createServer(app, admin, {
      name: 'outlives',
      transport: 'stdio',
      stdioCommandId: await allowNode(app, platformAdmin),
    });
    expect(created.statusCode, created.body).toBe(201);
    const tools = await syncTools(app, admin, created.json<{ id: string }>().id);
    const described = await execute(app, admin, tools.environment!.id);
    const { instance } = JSON.parse(described.json<{ content: { text: string }[] }>().content[0]!.text) as {
      instance: string;
    };
    const mcpPid = hostPidOf(instance);
    expect(mcpPid).toBeDefined();
    const processes = descendantsOf(child.pid!);
    expect(processes).toContain(mcpPid);

    // A call in flight keeps the MCP server alive past the end of its stdin, which closes with the server.
    const hanging = execute(app, admin, tools.hang!.id).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    child.kill('SIGKILL');
    await hanging;
    // No clean-up of ours ran: the kernel ends bwrap's child (--die-with-parent), and with it the server.
    await expect.poll(() => processes.filter(isRunning), { timeout: 10_000 }).toEqual([]);
  }, 120_000);
});
