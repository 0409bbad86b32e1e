import { mkdir } from 'node:fs/promises';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpTransport } from '../../platform/db/schema/mcp.js';
import type { OutboundHttp } from '../../platform/outbound/index.js';
import {
  buildChildEnvironment,
  requireAllowableExecutable,
  requireAllowedEnvironment,
  requireSafeArguments,
} from './command-policy.js';
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
        readonly args: readonly string[];
        readonly env: Readonly<Record<string, string>>;
        /** The server's own working and home directory (created on connect). */
        readonly workingDir: string;
        /** Where tenants' uploads live: an interpreter's script may not come from there. */
        readonly dataDir: string;
        readonly scriptDirs: readonly string[];
      }
    | undefined;
}

const stdoutBufferMaxBytes = 16 * 1024 * 1024;

/**
 * Builds the SDK transport. HTTP transports send only the server's stored headers (never the caller's Parley
 * token) through the outbound guard; stdio runs the exact executable with an argument array, no shell.
 */
export async function createTransport(
  target: McpConnectionTarget,
  outbound: OutboundHttp,
  stderrTail: StderrTail,
): Promise<Transport> {
  switch (target.transport) {
    case 'streamable-http':
    case 'sse': {
      if (!target.url) throw new Error(`MCP server '${target.name}' has no URL`);
      const options = {
        fetch: (url: string | URL, init?: RequestInit) => outbound.fetch(url, init),
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
      // Checked again on every spawn: the file behind an allowed path may have been replaced since, and the
      // rules may have grown since the server was stored.
      await requireAllowableExecutable(stdio.executablePath, stdio.allowInterpreter);
      await requireSafeArguments(stdio.executablePath, stdio.args, stdio);
      requireAllowedEnvironment(Object.keys(stdio.env));
      await mkdir(stdio.workingDir, { recursive: true, mode: 0o700 });
      const transport = new StdioClientTransport({
        command: stdio.executablePath,
        args: [...stdio.args],
        env: buildChildEnvironment(stdio.env, stdio.workingDir),
        cwd: stdio.workingDir,
        // 'pipe' (not inherit): a server's stderr must not reach our own logs; the SDK hands us the stream now.
        stderr: 'pipe',
        maxBufferSize: stdoutBufferMaxBytes,
      });
      transport.stderr?.on('data', (chunk: Buffer) => stderrTail.append(chunk.toString('utf8')));
      return transport;
    }
  }
}
