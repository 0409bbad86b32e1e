import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { inSpan, traceHeaders } from '../../platform/tracing/spans.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../../platform/errors.js';
import type { OutboundHttp } from '../../platform/outbound/index.js';
import type { Logger } from '../../platform/logger.js';
import type { McpConnectionTarget } from './mcp-transport.js';
import { listServerTools } from './listed-tools.js';
import { callFailed, isTransportFailure, mcpErrorCode, requestTimeout, retired, unreachable } from './pool-errors.js';
import { StderrTail } from './stderr-tail.js';
import type { StdioEnvironment } from './stdio-sandbox.js';
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
  /** Calls and listings under way on it: it is idle only when none is left. */
  activeUses: number;
  isClosed: boolean;
  /** Closed by us because its server was changed or removed: a call it ends did not fail on the server's side. */
  isRetired: boolean;
}

/**
 * The SDK's client and its transports, loaded with the first connection rather than at start-up: a server
 * whose tenants add no MCP server never holds them (start-up memory, BENCHMARKS.md). Its errors are then
 * recognised by name and code (mcpErrorCode in pool-errors.ts), since the class is not at hand before that.
 */
const loadClientSide = () =>
  Promise.all([import('@modelcontextprotocol/sdk/client/index.js'), import('./mcp-transport.js')]);

const stderrTailChars = 2000;

/**
 * One MCP connection per server id: connected lazily, reused, closed when idle or when the app closes, and
 * dropped when its transport fails so that the next use connects anew. A tool call is never re-sent after a
 * failure (the tool may already have acted); listing tools is, once. A call on a connection closed because
 * its server was changed or removed fails with a `conflict` AppError, and nothing else here is a conflict.
 */
export function createConnectionPool(deps: {
  outbound: OutboundHttp;
  logger: Logger;
  options: McpPoolOptions;
  stdioEnvironment: () => Promise<StdioEnvironment>;
}) {
  const { outbound, logger, options, stdioEnvironment } = deps;
  const connections = new Map<string, Promise<PooledConnection>>();

  async function connect(target: McpConnectionTarget): Promise<PooledConnection> {
    const [{ Client }, { createTransport }] = await loadClientSide();
    const stderrTail = new StderrTail(stderrTailChars);
    const client = new Client({ name: 'parley', version: '0.1.0' });
    const connection: PooledConnection = {
      client,
      configVersion: target.configVersion,
      stderrTail,
      activeUses: 0,
      isClosed: false,
      isRetired: false,
    };
    client.onclose = () => {
      connection.isClosed = true;
      clearTimeout(connection.idleTimer);
      void forget(target.serverId, connection);
    };
    // Errors also surface on the pending requests; this only keeps them out of unhandled territory.
    client.onerror = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      const transport = await createTransport(target, outbound, stderrTail, stdioEnvironment);
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

  /** Removes the connection from the map if it is still the server's current one, and nothing else. */
  async function forget(serverId: string, connection: PooledConnection): Promise<void> {
    const current = connections.get(serverId);
    if (!current || (await current.catch(() => undefined)) !== connection) return;
    // Replaced while we waited: the newer one is not ours to remove.
    if (connections.get(serverId) === current) connections.delete(serverId);
  }

  /** Marked closed first, so that no caller is handed it while a stdio process takes its time to exit. */
  async function close(connection: PooledConnection): Promise<void> {
    connection.isClosed = true;
    clearTimeout(connection.idleTimer);
    await connection.client.close().catch(() => undefined);
  }

  async function acquire(target: McpConnectionTarget): Promise<PooledConnection> {
    for (let existing = connections.get(target.serverId); existing; existing = connections.get(target.serverId)) {
      const connection = await existing.catch(() => undefined);
      // Another caller replaced it while we waited: look again rather than open a second connection.
      if (connections.get(target.serverId) !== existing) continue;
      if (connection && !connection.isClosed && connection.configVersion === target.configVersion) return connection;
      connections.delete(target.serverId);
      if (connection && !connection.isClosed) {
        // Made from another configuration: calls still running on it end, and say why.
        connection.isRetired = true;
        void close(connection);
      }
      break;
    }
    const pending = connect(target);
    connections.set(target.serverId, pending);
    // A failed connect must not stay cached: the next caller tries again.
    pending.catch(() => connections.get(target.serverId) === pending && connections.delete(target.serverId));
    return pending;
  }

  /** The idle timer runs only while nothing uses the connection: a call longer than the idle bound keeps it. */
  async function checkOut(target: McpConnectionTarget): Promise<PooledConnection> {
    const connection = await acquire(target);
    connection.activeUses += 1;
    clearTimeout(connection.idleTimer);
    return connection;
  }

  function checkIn(serverId: string, connection: PooledConnection): void {
    connection.activeUses -= 1;
    if (connection.activeUses > 0 || connection.isClosed) return;
    connection.idleTimer = setTimeout(() => {
      logger.debug({ serverId }, 'closing an idle MCP connection');
      void close(connection);
    }, options.idleMs);
    connection.idleTimer.unref();
  }

  /**
   * Closes a server's connection so that the next use connects anew. Given the connection a call failed on,
   * only that one: by then another may have replaced it, and closing the newer one failed its calls on a
   * healthy server. Without one (the configuration changed, the server is removed), the current one.
   */
  async function drop(serverId: string, failed?: PooledConnection): Promise<void> {
    if (failed) {
      await forget(serverId, failed);
      await close(failed);
      return;
    }
    const pending = connections.get(serverId);
    connections.delete(serverId);
    const connection = await pending?.catch(() => undefined);
    if (connection) {
      connection.isRetired = true;
      await close(connection);
    }
  }

  /** One tools/call, the trace context in its `_meta` (any transport) and, over HTTP, its headers. */
  async function callOnce(
    target: McpConnectionTarget,
    name: string,
    args: Record<string, unknown>,
    call: { timeoutMs: number; signal?: AbortSignal | undefined },
  ): Promise<CallOutcome> {
    const connection = await checkOut(target);
    try {
      const trace = traceHeaders();
      const params = { name, arguments: args, ...(trace.traceparent && { _meta: trace }) };
      const result = (await connection.client.callTool(params, undefined, {
        timeout: call.timeoutMs,
        signal: call.signal,
      })) as CallToolResult;
      return { kind: 'result', result };
    } catch (error) {
      if (call.signal?.aborted) {
        // The caller gave up (a chat turn was stopped): not the server's fault, the connection stays.
        throw new AppError('unprocessable', `The call to tool '${name}' was cancelled`, {}, { cause: error });
      }
      if (mcpErrorCode(error) === requestTimeout) return { kind: 'timeout' };
      if (connection.isRetired) throw retired(target, `while tool '${name}' ran`, error);
      if (isTransportFailure(error)) await drop(target.serverId, connection);
      throw callFailed(target, error, connection.stderrTail);
    } finally {
      checkIn(target.serverId, connection);
    }
  }

  return {
    async listTools(target: McpConnectionTarget): Promise<DiscoveredTool[]> {
      for (let attempt = 1; ; attempt += 1) {
        const connection = await checkOut(target);
        try {
          return await listServerTools(connection.client, target.name, options.connectTimeoutMs);
        } catch (error) {
          if (connection.isRetired) throw retired(target, 'while its tools were listed', error);
          // A server that connects but never lists its tools is as unusable as one that never answers.
          if (mcpErrorCode(error) === requestTimeout) {
            await drop(target.serverId, connection);
            throw unreachable(
              target,
              new Error(`no list of tools within ${options.connectTimeoutMs} ms`),
              connection.stderrTail,
            );
          }
          // The server's answer (a malformed list, a refusal) is not a failed connection: kept, and not asked again.
          if (error instanceof AppError || !isTransportFailure(error)) {
            throw callFailed(target, error, connection.stderrTail);
          }
          await drop(target.serverId, connection);
          // A pooled connection may have died while idle: listing is harmless to repeat, once.
          if (attempt >= 2) throw callFailed(target, error, connection.stderrTail);
        } finally {
          checkIn(target.serverId, connection);
        }
      }
    },

    async callTool(
      target: McpConnectionTarget,
      name: string,
      args: Record<string, unknown>,
      call: { timeoutMs: number; signal?: AbortSignal | undefined },
    ): Promise<CallOutcome> {
      return inSpan(
        `tools/call ${name}`,
        {
          kind: 'client',
          attributes: {
            'mcp.method.name': 'tools/call',
            'gen_ai.tool.name': name,
            'parley.mcp.server_id': target.serverId,
          },
        },
        () => callOnce(target, name, args, call),
      );
    },

    drop,

    /** Not `drop`: the app is stopping, and a call it ends was not ended by a change of its server. */
    async closeAll(): Promise<void> {
      const pending = [...connections.values()];
      connections.clear();
      await Promise.all(
        pending.map(async (connection) => {
          const open = await connection.catch(() => undefined);
          if (open) await close(open);
        }),
      );
    },
  };
}

export type ConnectionPool = ReturnType<typeof createConnectionPool>;
