import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../../platform/errors.js';
import type { OutboundHttp } from '../../platform/outbound/index.js';
import { OutboundRefusedError } from '../../platform/outbound/index.js';
import type { Logger } from '../../platform/logger.js';
import type { McpConnectionTarget } from './mcp-transport.js';
import { keepListedTools, maxListedTools } from './listed-tools.js';
import { StderrTail } from './stderr-tail.js';
import type { DiscoveredTool } from './tools.repository.js';

export interface McpPoolOptions {
  /** Bound for spawning or reaching a server and the MCP handshake. */
  readonly connectTimeoutMs: number;
  /** A connection unused this long is closed (a stdio server's process exits with it). */
  readonly idleMs: number;
}

export interface CallOutcome {
  readonly kind: 'result' | 'timeout';
  readonly result?: CallToolResult;
}

interface PooledConnection {
  readonly client: Client;
  readonly configVersion: string;
  readonly stderrTail: StderrTail;
  idleTimer?: NodeJS.Timeout;
  isClosed: boolean;
}

/**
 * The SDK's client and its transports, loaded with the first connection rather than at start-up: a server
 * whose tenants add no MCP server never holds them (start-up memory, BENCHMARKS.md). Its errors are then
 * recognised by name and code (mcpErrorCode), since the class is not at hand before that.
 */
const loadClientSide = () =>
  Promise.all([import('@modelcontextprotocol/sdk/client/index.js'), import('./mcp-transport.js')]);

/** The SDK's error codes, checked against its enum when compiling; the enum itself is loaded lazily. */
const requestTimeout: number = -32001 satisfies ErrorCode.RequestTimeout;
const connectionClosed: number = -32000 satisfies ErrorCode.ConnectionClosed;

const stderrTailChars = 2000;

/**
 * One MCP connection per server id: connected lazily, reused, closed when idle or when the app closes, and
 * dropped when its transport fails so that the next use connects anew. A tool call is never re-sent after a
 * failure (the tool may already have acted); listing tools is, once.
 */
export function createConnectionPool(deps: { outbound: OutboundHttp; logger: Logger; options: McpPoolOptions }) {
  const { outbound, logger, options } = deps;
  const connections = new Map<string, Promise<PooledConnection>>();

  async function connect(target: McpConnectionTarget): Promise<PooledConnection> {
    const [{ Client }, { createTransport }] = await loadClientSide();
    const stderrTail = new StderrTail(stderrTailChars);
    const client = new Client({ name: 'parley', version: '0.1.0' });
    const connection: PooledConnection = { client, configVersion: target.configVersion, stderrTail, isClosed: false };
    client.onclose = () => {
      connection.isClosed = true;
      clearTimeout(connection.idleTimer);
      void forget(target.serverId, connection);
    };
    // Errors also surface on the pending requests; this only keeps them out of unhandled territory.
    client.onerror = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const transport = await createTransport(target, outbound, stderrTail);
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${options.connectTimeoutMs} ms`)),
          options.connectTimeoutMs,
        );
      });
      await Promise.race([client.connect(transport, { timeout: options.connectTimeoutMs }), timeout]);
      return connection;
    } catch (error) {
      await client.close().catch(() => undefined);
      throw unreachable(target, error, stderrTail);
    } finally {
      clearTimeout(timer);
    }
  }

  async function forget(serverId: string, connection: PooledConnection): Promise<void> {
    const current = connections.get(serverId);
    if (current && (await current.catch(() => undefined)) === connection) connections.delete(serverId);
  }

  async function acquire(target: McpConnectionTarget): Promise<PooledConnection> {
    for (let existing = connections.get(target.serverId); existing; existing = connections.get(target.serverId)) {
      const connection = await existing.catch(() => undefined);
      // Another caller replaced it while we waited: look again rather than open a second connection.
      if (connections.get(target.serverId) !== existing) continue;
      if (connection && !connection.isClosed && connection.configVersion === target.configVersion) return connection;
      connections.delete(target.serverId);
      if (connection) {
        clearTimeout(connection.idleTimer);
        void connection.client.close().catch(() => undefined);
      }
      break;
    }
    const pending = connect(target);
    connections.set(target.serverId, pending);
    // A failed connect must not stay cached: the next caller tries again.
    pending.catch(() => connections.get(target.serverId) === pending && connections.delete(target.serverId));
    return pending;
  }

  function touch(serverId: string, connection: PooledConnection): void {
    clearTimeout(connection.idleTimer);
    connection.idleTimer = setTimeout(() => {
      logger.debug({ serverId }, 'closing an idle MCP connection');
      void connection.client.close().catch(() => undefined);
    }, options.idleMs);
    connection.idleTimer.unref();
  }

  async function drop(serverId: string): Promise<void> {
    const pending = connections.get(serverId);
    connections.delete(serverId);
    const connection = await pending?.catch(() => undefined);
    if (connection) {
      clearTimeout(connection.idleTimer);
      await connection.client.close().catch(() => undefined);
    }
  }

  return {
    async listTools(target: McpConnectionTarget): Promise<DiscoveredTool[]> {
      for (let attempt = 1; ; attempt += 1) {
        const connection = await acquire(target);
        try {
          const tools: DiscoveredTool[] = [];
          let cursor: string | undefined;
          do {
            const page = await connection.client.listTools(cursor ? { cursor } : undefined, {
              timeout: options.connectTimeoutMs,
            });
            keepListedTools(tools, page.tools);
            cursor = page.nextCursor;
          } while (cursor && tools.length < maxListedTools);
          touch(target.serverId, connection);
          return tools;
        } catch (error) {
          await drop(target.serverId);
          // A pooled connection may have died while idle: listing is harmless to repeat, once.
          if (attempt >= 2 || !isTransportFailure(error)) throw callFailed(target, error, connection.stderrTail);
        }
      }
    },

    async callTool(
      target: McpConnectionTarget,
      name: string,
      args: Record<string, unknown>,
      call: { timeoutMs: number; signal?: AbortSignal | undefined },
    ): Promise<CallOutcome> {
      const connection = await acquire(target);
      try {
        const result = (await connection.client.callTool({ name, arguments: args }, undefined, {
          timeout: call.timeoutMs,
          signal: call.signal,
        })) as CallToolResult;
        touch(target.serverId, connection);
        return { kind: 'result', result };
      } catch (error) {
        if (call.signal?.aborted) {
          // The caller gave up (a chat turn was stopped): not the server's fault, the connection stays.
          throw new AppError('unprocessable', `The call to tool '${name}' was cancelled`, {}, { cause: error });
        }
        if (mcpErrorCode(error) === requestTimeout) {
          touch(target.serverId, connection);
          return { kind: 'timeout' };
        }
        if (isTransportFailure(error)) await drop(target.serverId);
        throw callFailed(target, error, connection.stderrTail);
      }
    },

    drop,

    async closeAll(): Promise<void> {
      await Promise.all([...connections.keys()].map((serverId) => drop(serverId)));
    },
  };
}

export type ConnectionPool = ReturnType<typeof createConnectionPool>;

/** The JSON-RPC code of an McpError (or of its subclasses, which keep its name); undefined for anything else. */
function mcpErrorCode(error: unknown): number | undefined {
  if (!(error instanceof Error) || error.name !== 'McpError') return undefined;
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

function isTransportFailure(error: unknown): boolean {
  const code = mcpErrorCode(error);
  return code === undefined || code === connectionClosed;
}

/** An SDK or socket message, one line, bounded: enough to act on, nothing more. */
export function describeError(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${raw}${cause}`.replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** The guard's refusal, wherever the SDK wrapped it: it is the sentence the user can act on. */
function findRefusal(error: unknown): OutboundRefusedError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    if (current instanceof OutboundRefusedError) return current;
    current = current.cause;
  }
  return undefined;
}

function unreachable(target: McpConnectionTarget, error: unknown, stderrTail: StderrTail): AppError {
  const refusal = findRefusal(error);
  if (refusal) return refusal;
  // Our own refusals (a command no longer allowed) are already sentences.
  if (error instanceof AppError) return error;
  const stderr = stderrTail.read(Object.values(target.stdio?.env ?? {}));
  const said = stderr ? `; it wrote: ${stderr.slice(-500)}` : '';
  return new AppError(
    'not_ready',
    `MCP server '${target.name}' is unreachable: ${describeError(error)}${said}; check that it is running and its configuration`,
    {},
    { cause: error },
  );
}

function callFailed(target: McpConnectionTarget, error: unknown, stderrTail: StderrTail): AppError {
  if (error instanceof AppError) return error;
  const refusal = findRefusal(error);
  if (refusal) return refusal;
  if (!isTransportFailure(error)) {
    return new AppError(
      'unprocessable',
      `MCP server '${target.name}' refused the request: ${describeError(error)}`,
      {},
      {
        cause: error,
      },
    );
  }
  const stderr = stderrTail.read(Object.values(target.stdio?.env ?? {}));
  const said = stderr ? `; it wrote: ${stderr.slice(-500)}` : '';
  return new AppError(
    'not_ready',
    `MCP server '${target.name}' dropped the connection: ${describeError(error)}${said}; the next call reconnects`,
    {},
    { cause: error },
  );
}
