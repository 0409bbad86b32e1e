import { createHash } from 'node:crypto';
import { AppError } from '../../platform/errors.js';
import { decryptSecret, encryptSecret } from '../../platform/secrets.js';
import type { McpConnectionTarget } from './mcp-transport.js';
import type { McpServerRow, StdioCommandRow } from './servers.repository.js';

/**
 * Headers and environments often carry tokens, so they are stored encrypted as JSON (the providers' API key
 * pattern) and only ever decrypted to connect or to list their names.
 */
export function createServerSecrets(deps: { credentialsKey: Buffer }) {
  const { credentialsKey } = deps;

  function seal(values: Readonly<Record<string, string>> | null | undefined): string | null {
    if (!values || Object.keys(values).length === 0) return null;
    return encryptSecret(credentialsKey, JSON.stringify(values));
  }

  function open(server: Pick<McpServerRow, 'name'>, stored: string | null): Record<string, string> {
    if (stored === null) return {};
    try {
      return JSON.parse(decryptSecret(credentialsKey, stored)) as Record<string, string>;
    } catch (error) {
      throw new AppError(
        'unprocessable',
        `The stored headers or environment of MCP server '${server.name}' cannot be read with this server's secret key (was it changed?); a tenant administrator must enter them again`,
        {},
        { cause: error },
      );
    }
  }

  return {
    seal,
    open,

    names(server: McpServerRow) {
      return {
        headerNames: Object.keys(open(server, server.encryptedHeaders)).sort(),
        envNames: Object.keys(open(server, server.encryptedEnv)).sort(),
      };
    },

    toTarget(server: McpServerRow, command: StdioCommandRow | undefined): McpConnectionTarget {
      const base = {
        serverId: server.id,
        name: server.name,
        transport: server.transport,
        configVersion: configVersionOf(server, command),
      };
      if (server.transport !== 'stdio') {
        return { ...base, url: server.url ?? undefined, headers: open(server, server.encryptedHeaders) };
      }
      if (!command) {
        throw new AppError(
          'unprocessable',
          `MCP server '${server.name}' has no command template (a platform administrator withdrew it, or it gave free arguments, which are no longer run); choose a template with stdioCommandId and fill its parameters`,
        );
      }
      return {
        ...base,
        stdio: {
          executablePath: command.executablePath,
          allowInterpreter: command.allowInterpreter,
          template: { args: command.args, parameters: command.parameters },
          parameterValues: server.parameters,
          env: open(server, server.encryptedEnv),
          envNames: command.envNames,
          allowNetwork: command.allowNetwork,
          readOnlyPaths: command.readOnlyPaths,
        },
      };
    },
  };
}

export type ServerSecrets = ReturnType<typeof createServerSecrets>;

/**
 * Stored headers go only to the URL they were given for, and a stored environment only to the command
 * and arguments it was given for. The API never shows their values, but a server moved while keeping
 * them handed them to its new address: any tenant admin could read another's token by pointing the
 * server at a host they hold (as a provider's key, which must be sent again when its address changes).
 */
export function requireSecretsSentAgainWhenMoved(
  server: Pick<McpServerRow, 'url' | 'stdioCommandId' | 'parameters' | 'encryptedHeaders' | 'encryptedEnv'>,
  input: {
    readonly url?: string | null | undefined;
    readonly stdioCommandId?: string | null | undefined;
    readonly parameters?: Readonly<Record<string, string>> | undefined;
    readonly headers?: unknown;
    readonly env?: unknown;
  },
): void {
  const isMoved = <T>(next: T | undefined, current: T) =>
    next !== undefined && JSON.stringify(next) !== JSON.stringify(current);
  if (server.encryptedHeaders !== null && input.headers === undefined && isMoved(input.url, server.url)) {
    throw sendAgain('headers', 'url');
  }
  const isCommandMoved =
    isMoved(input.stdioCommandId, server.stdioCommandId) || isMoved(input.parameters, server.parameters);
  if (server.encryptedEnv !== null && input.env === undefined && isCommandMoved) {
    throw sendAgain('env', 'stdioCommandId or parameters');
  }
}

function sendAgain(field: 'headers' | 'env', moved: string): AppError {
  const message = `must be sent again (or null to drop them) when ${moved} changes: stored values only go where they were given for`;
  return new AppError('validation_failed', `${field} ${message}`, { fields: [{ field, message }] });
}

/**
 * What the connection was made from: a pooled connection to an older configuration is replaced. Not the
 * row's updatedAt, which every status change moves: a sync marking the server connected replaced the
 * connection a tool call in flight was using, and that call failed.
 */
function configVersionOf(server: McpServerRow, command: StdioCommandRow | undefined): string {
  const parts = [
    server.transport,
    server.url,
    server.encryptedHeaders,
    server.parameters,
    server.encryptedEnv,
    command?.executablePath,
    command?.allowInterpreter,
    command?.args,
    command?.parameters,
    command?.envNames,
    command?.allowNetwork,
    command?.readOnlyPaths,
  ];
  return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
}
