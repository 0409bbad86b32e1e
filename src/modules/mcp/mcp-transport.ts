import { realpathSync } from 'node:fs';
import { traceHeaders } from '../../platform/tracing/spans.js';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpTransport, StdioTemplateParameter } from '../../platform/db/schema/mcp.js';
import { AppError } from '../../platform/errors.js';
import { MountRefusedError, resolveMountablePath } from '../../platform/mount-policy.js';
import type { OutboundHttp } from '../../platform/outbound/index.js';
import {
  buildChildEnvironment,
  requireAllowableExecutable,
  requireAllowedEnvironment,
  requireListedEnvironment,
  requireSafeArguments,
} from './command-policy.js';
import { ConfinedStdioTransport } from './confined-stdio-transport.js';
import { startEgressProxy } from './egress-proxy.js';
import { isInsideDataDir, planSpawn, type ReadOnlyMount, type StdioEnvironment } from './stdio-sandbox.js';
import { renderArguments } from './stdio-template.js';
import type { StderrTail } from './stderr-tail.js';

/** Everything needed to reach one server, secrets decrypted: lives in memory only, never logged. */
export interface McpConnectionTarget {
  readonly serverId: string;
  readonly name: string;
  readonly transport: McpTransport;
  /** Changes with the server's configuration, so a pooled connection to an older one is replaced. */
  readonly configVersion: string;
  readonly url?: string | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly stdio?:
    | {
        readonly executablePath: string;
        readonly allowInterpreter: boolean;
        /** The template's arguments and parameters, and the tenant's values for them. */
        readonly template: { readonly args: readonly string[]; readonly parameters: readonly StdioTemplateParameter[] };
        readonly parameterValues: Readonly<Record<string, string>>;
        readonly env: Readonly<Record<string, string>>;
        /** The variables the template lets a tenant set. */
        readonly envNames: readonly string[];
        readonly allowNetwork: boolean;
        readonly readOnlyPaths: readonly string[];
      }
    | undefined;
}

const stdoutBufferMaxBytes = 16 * 1024 * 1024;

/**
 * Builds the SDK transport. HTTP transports send only the server's stored headers (never the caller's Parley
 * token) through the outbound guard; stdio runs the template's executable with the rendered argument array,
 * no shell, confined as stdio-sandbox.ts says.
 */
export async function createTransport(
  target: McpConnectionTarget,
  outbound: OutboundHttp,
  stderrTail: StderrTail,
  stdioEnvironment: () => Promise<StdioEnvironment>,
): Promise<Transport> {
  switch (target.transport) {
    case 'streamable-http':
    case 'sse': {
      if (!target.url) throw new Error(`MCP server '${target.name}' has no URL`);
      const options = {
        // Each request carries the calling span's trace context (platform/tracing; nothing while it is off).
        fetch: (url: string | URL, init?: RequestInit) => outbound.fetch(url, withTraceHeaders(init)),
        requestInit: { headers: { ...target.headers } },
      };
      const url = new URL(target.url);
      return target.transport === 'sse'
        ? new SSEClientTransport(url, options)
        : new StreamableHTTPClientTransport(url, options);
    }
    case 'stdio': {
      const stdio = target.stdio;
      if (!stdio) throw new Error(`MCP server '${target.name}' has no command`);
      const environment = await stdioEnvironment();
      if (environment.isolation.refusal) throw new AppError('unprocessable', environment.isolation.refusal);
      // Checked again on every spawn: the file behind an allowed path may have been replaced since, and the
      // rules may have grown since the server was stored.
      const inspection = await requireAllowableExecutable(stdio.executablePath, stdio.allowInterpreter);
      const args = renderArguments(stdio.template, stdio.parameterValues);
      await requireSafeArguments(inspection, args, {
        dataDir: environment.mountPlaces.dataDir,
        scriptDirs: environment.scriptDirs,
      });
      requireAllowedEnvironment(Object.keys(stdio.env));
      requireListedEnvironment(Object.keys(stdio.env), stdio.envNames);
      const hostWorkingDir = environment.bubblewrapPath ? '/' : await makeWorkingDir(environment);
      const readOnlyMounts = resolveReadOnlyMounts(environment, stdio.executablePath, stdio.readOnlyPaths);
      // In bubblewrap a networked child reaches out only through its own egress proxy (ADR 0019).
      const egress =
        environment.bubblewrapPath && stdio.allowNetwork
          ? await startEgressProxy(environment.egressGuard, environment.user)
          : undefined;
      const plan = planSpawn(environment, {
        executablePath: stdio.executablePath,
        args,
        egressDirectory: egress?.directory,
        readOnlyMounts,
        hostWorkingDir,
      });
      const cleanUp = async () => {
        await egress?.close();
        if (!environment.bubblewrapPath) await rm(hostWorkingDir, { recursive: true, force: true });
      };
      return new ConfinedStdioTransport(
        plan,
        { ...buildChildEnvironment(stdio.env, plan.home), ...plan.env },
        (text) => stderrTail.append(text),
        stdoutBufferMaxBytes,
        cleanUp,
      );
    }
  }
}

/**
 * What the sandbox shows read-only, judged again at every start where each path really is now: a
 * read-only path or script directory made a symlink to DATA_DIR since it was allowed is refused here.
 * One that no longer exists is left out, as before (the program then says what it misses).
 */
function resolveReadOnlyMounts(
  environment: StdioEnvironment,
  executablePath: string,
  readOnlyPaths: readonly string[],
): ReadOnlyMount[] {
  const places = environment.mountPlaces;
  const named = [executablePath, ...environment.scriptDirs, ...readOnlyPaths];
  return named.flatMap((target) => {
    const resolved = realpathIfPresent(target);
    // The executable's own file in /usr is there already: /usr is mounted whole.
    if (!resolved || (target === executablePath && resolved.startsWith('/usr/'))) return [];
    try {
      return [{ source: resolveMountablePath(target, places), target }];
    } catch (error) {
      if (!(error instanceof MountRefusedError)) throw error;
      throw new AppError(
        'unprocessable',
        `The stdio server cannot start: ${error.message}. A platform administrator changes the command template's readOnlyPaths or executable, or the operator MCP_SCRIPT_DIRS`,
      );
    }
  });
}

function realpathIfPresent(entry: string): string | undefined {
  try {
    return realpathSync(entry);
  } catch {
    return undefined;
  }
}

/**
 * Without bubblewrap: a fresh directory of the child's own outside DATA_DIR (the old one was
 * `<DATA_DIR>/mcp/<id>`, which put the child next to the secret), owned by the child's user.
 */
async function makeWorkingDir(environment: StdioEnvironment): Promise<string> {
  const base = tmpdir();
  if (isInsideDataDir(path.resolve(base), environment.mountPlaces.dataDir)) {
    throw new AppError('unprocessable', `The temporary directory ${base} is inside DATA_DIR; set TMPDIR elsewhere`);
  }
  const directory = await mkdtemp(path.join(base, 'parley-mcp-'));
  if (environment.user) await chown(directory, environment.user.uid, environment.user.gid);
  return directory;
}

/** `init` with the current trace's W3C headers added, when tracing is on. */
function withTraceHeaders(init: RequestInit | undefined): RequestInit | undefined {
  const trace = traceHeaders();
  if (!trace.traceparent) return init;
  const headers = new Headers(init?.headers);
  for (const [name, value] of Object.entries(trace)) headers.set(name, value);
  return { ...init, headers };
}
