import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { App } from '../../src/platform/http/types.js';
import type { SignedIn } from '../harness/actors.js';

/** The stdio test server's entry script: node runs it as its only argument. */
export const stdioServerScript = fileURLToPath(new URL('./fixtures/stdio-server.mjs', import.meta.url));

/** Short bounds so the timeout and dead-server cases finish quickly. */
export const testMcpBounds = { connectTimeoutMs: 5_000, callTimeoutMs: 1_500, idleMs: 60_000, maxResultBytes: 20_000 };
/**
 * A sandboxed stdio server starts with an empty /tmp, so tsx compiles the fixture anew at each start: on a
 * loaded two-core machine that took 8 s.
 */
export const testStdioMcpBounds = { ...testMcpBounds, connectTimeoutMs: 30_000 };

/** The fixtures' packages (the SDK, zod, tsx), mounted read-only into a sandboxed child. */
export const nodeModulesDir = fileURLToPath(new URL('../../node_modules', import.meta.url));
const packageJsonFile = fileURLToPath(new URL('../../package.json', import.meta.url));

/**
 * The platform admin makes a template running the test server with this very node binary (an interpreter,
 * so marked), whose tenants may set TOOL_TOKEN and TOOLS_TOKEN.
 */
export async function allowNode(
  app: App,
  platformAdmin: SignedIn,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/mcp/stdio-commands',
    headers: platformAdmin.headers,
    payload: {
      name: `node-${Date.now()}-${Math.random()}`,
      executablePath: process.execPath,
      allowInterpreter: true,
      args: [stdioServerScript],
      envNames: ['TOOL_TOKEN', 'TOOLS_TOKEN'],
      // The repository's package.json says its .ts files are ES modules, as tsx needs to know.
      readOnlyPaths: [nodeModulesDir, realpathSync(nodeModulesDir), packageJsonFile],
      ...extra,
    },
  });
  if (response.statusCode !== 201) throw new Error(`allow node failed: ${response.statusCode} ${response.body}`);
  return response.json<{ id: string }>().id;
}

export async function createServer(app: App, admin: SignedIn, payload: Record<string, unknown>) {
  return app.inject({ method: 'POST', url: '/v1/mcp/servers', headers: admin.headers, payload });
}

export interface SyncedTool {
  readonly id: string;
  readonly name: string;
}

/**
 * Syncs a server and enables the tools it lists for the first time (they arrive switched off), as an
 * admin does before agents may use them; returns its tools by name.
 */
export async function syncTools(app: App, admin: SignedIn, serverId: string): Promise<Record<string, SyncedTool>> {
  const response = await app.inject({
    method: 'POST',
    url: `/v1/mcp/servers/${serverId}/sync`,
    headers: admin.headers,
  });
  if (response.statusCode !== 200) throw new Error(`sync failed: ${response.statusCode} ${response.body}`);
  const { items } = response.json<{ items: (SyncedTool & { enabled: boolean })[] }>();
  for (const tool of items.filter((listed) => !listed.enabled)) {
    const enabled = await app.inject({
      method: 'PATCH',
      url: `/v1/mcp/tools/${tool.id}`,
      headers: admin.headers,
      payload: { enabled: true },
    });
    if (enabled.statusCode !== 200) throw new Error(`enable failed: ${enabled.statusCode} ${enabled.body}`);
  }
  return Object.fromEntries(items.map((tool) => [tool.name, tool]));
}

/** Adds a Streamable HTTP server at `url` and syncs it, answering the sync's response whatever it is. */
export async function createAndSync(app: App, admin: SignedIn, name: string, url: string) {
  const created = await createServer(app, admin, { name, transport: 'streamable-http', url });
  if (created.statusCode !== 201) throw new Error(`create failed: ${created.statusCode} ${created.body}`);
  return app.inject({
    method: 'POST',
    url: `/v1/mcp/servers/${created.json<{ id: string }>().id}/sync`,
    headers: admin.headers,
  });
}

export async function execute(app: App, user: SignedIn, toolId: string, args: Record<string, unknown> = {}) {
  return app.inject({
    method: 'POST',
    url: `/v1/mcp/tools/${toolId}/execute`,
    headers: user.headers,
    payload: { arguments: args },
  });
}

/** Whether a process (a stdio server's, by the pid it reported) is still alive. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The real pid of a stdio test server, found by the instance id in its title (its own pid may be a namespace's). */
export function hostPidOf(instance: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(instance)) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}
