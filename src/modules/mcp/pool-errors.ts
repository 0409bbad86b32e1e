import type { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../../platform/errors.js';
import { OutboundRefusedError } from '../../platform/outbound/index.js';
import type { McpConnectionTarget } from './mcp-transport.js';
import type { StderrTail } from './stderr-tail.js';
import { cutToLength } from '../../platform/text-cut.js';

/**
 * How the connection pool reports what went wrong, as sentences the user can act on: no SDK or socket text
 * beyond one bounded line, and a server's stderr only where its own administrator reads it.
 */

/** The SDK's error codes, checked against its enum when compiling; the enum itself is loaded lazily. */
export const requestTimeout: number = -32001 satisfies ErrorCode.RequestTimeout;
const connectionClosed: number = -32000 satisfies ErrorCode.ConnectionClosed;

/** The JSON-RPC code of an McpError (or of its subclasses, which keep its name); undefined for anything else. */
export function mcpErrorCode(error: unknown): number | undefined {
  if (!(error instanceof Error) || error.name !== 'McpError') return undefined;
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export function isTransportFailure(error: unknown): boolean {
  const code = mcpErrorCode(error);
  return code === undefined || code === connectionClosed;
}

/** An SDK or socket message, one line, bounded: enough to act on, nothing more. */
export function describeError(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return cutToLength(`${raw}${cause}`.replace(/\s+/g, ' ').trim(), 300);
}

/** The guard's refusal, wherever the SDK wrapped it: it is the sentence the user can act on. */
function findRefusal(error: unknown): OutboundRefusedError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    if (current instanceof OutboundRefusedError) return current;
    current = current.cause;
  }
  return undefined;
}

/** Closed under a running request because its server was changed or removed: a conflict, not an outage. */
export function retired(target: McpConnectionTarget, during: string, error: unknown): AppError {
  return new AppError('conflict', `MCP server '${target.name}' was changed or removed ${during}`, {}, { cause: error });
}

/**
 * The HTTP status of the SDK's transport errors (`StreamableHTTPError`, `SseError`): a number `code`
 * on an error that says it is one. JSON-RPC codes are negative, so they never pass for a status.
 */
function httpStatusOf(error: unknown): number | undefined {
  if (!(error instanceof Error) || !/^(Streamable HTTP|SSE) error/.test(error.message)) return undefined;
  const code = (error as Error & { code?: unknown }).code;
  return typeof code === 'number' && code >= 100 && code <= 599 ? code : undefined;
}

/** A server that answered, but not as an MCP endpoint does: the configuration, not the network, is wrong. */
function refusedAtItsUrl(target: McpConnectionTarget, status: number, error: unknown): AppError {
  const advice =
    status === 401 || status === 403
      ? 'it wants credentials: set the header it expects (e.g. Authorization) on the server'
      : 'check the URL: a Streamable HTTP endpoint usually ends in /mcp, a legacy SSE one in /sse';
  return new AppError(
    'unprocessable',
    `MCP server '${target.name}' answered HTTP ${status} at its URL, not as an MCP server; ${advice}`,
    {},
    { cause: error },
  );
}

export function unreachable(target: McpConnectionTarget, error: unknown, stderrTail: StderrTail): AppError {
  const refusal = findRefusal(error);
  if (refusal) return refusal;
  // Our own refusals (a command no longer allowed) are already sentences.
  if (error instanceof AppError) return error;
  const status = httpStatusOf(error);
  if (status !== undefined && status >= 400 && status < 500) return refusedAtItsUrl(target, status, error);
  const stderr = stderrTail.read(Object.values(target.stdio?.env ?? {}));
  const said = stderr ? `; it wrote: ${stderr.slice(-500)}` : '';
  return new AppError(
    'not_ready',
    `MCP server '${target.name}' is unreachable: ${describeError(error)}${said}; check that it is running and its configuration`,
    {},
    { cause: error },
  );
}

export function callFailed(target: McpConnectionTarget, error: unknown, stderrTail: StderrTail): AppError {
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
