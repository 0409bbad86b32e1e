import { z } from 'zod';
import { mcpServerStatuses, mcpTransports } from '../../platform/db/schema/mcp.js';
import { httpUrl, patchBody, visibleText } from '../../platform/http/common-schemas.js';
import { environmentNamePattern } from './command-policy.js';
import type { McpServerRow, StdioCommandRow } from './servers.repository.js';

// ---- Allowed stdio commands (platform admin) ----

export const createStdioCommandBody = z.strictObject({
  name: visibleText(100),
  executablePath: z.string().min(1).max(1024),
  description: z.string().trim().max(2000).default(''),
  /** node, python and the like run any code they are given; they are refused unless this says otherwise. */
  allowInterpreter: z.boolean().default(false),
});
export type CreateStdioCommandInput = z.infer<typeof createStdioCommandBody>;

export const stdioCommandSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  executablePath: z.string(),
  description: z.string(),
  allowInterpreter: z.boolean(),
  createdAt: z.iso.datetime(),
});
export type StdioCommandView = z.infer<typeof stdioCommandSchema>;

export const presentStdioCommand = (row: StdioCommandRow): StdioCommandView => ({
  id: row.id,
  name: row.name,
  executablePath: row.executablePath,
  description: row.description,
  allowInterpreter: row.allowInterpreter,
  createdAt: row.createdAt.toISOString(),
});

export const stdioCommandListSchema = z.object({ items: z.array(stdioCommandSchema) });

// ---- MCP servers (tenant admin) ----

const serverName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(100)
  .regex(/^[\w .-]+$/, 'use letters, digits, spaces, dots, dashes and underscores');
/**
 * Headers the HTTP client sets itself from the request it sends (framing, routing, the connection): one
 * given here made every later sync fail with "invalid transfer-encoding header". The MCP transport sets the
 * session, protocol version and resumption headers itself; one given here broke the handshake.
 */
const transportHeaders = new Set([
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer',
  'proxy-connection', 'expect', 'content-type', 'accept', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id',
]); // prettier-ignore
const headerNamePattern = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/;
/**
 * HTTP sends header values as bytes: a character past ASCII cannot be sent (fetch refused "é€😀" with "Cannot
 * convert argument to a ByteString" on every sync), and a line break or control character would end or
 * corrupt the header.
 */
const headerValue = z
  .string()
  .max(8192)
  .regex(
    /^[\t\x20-\x7e]*$/,
    'must be visible ASCII characters, spaces or tabs: HTTP cannot send other characters in a header',
  );
/** Keys are checked here rather than by z.record's key schema, whose message ("Invalid key in record") says nothing. */
const headers = z
  .record(z.string(), headerValue)
  .refine((value) => Object.keys(value).length <= 30, 'at most 30 headers')
  .superRefine((value, context) => {
    for (const name of Object.keys(value)) {
      const message = !headerNamePattern.test(name)
        ? "is not a valid HTTP header name: use letters, digits and !#$%&'*+.^_`|~-, at most 100"
        : transportHeaders.has(name.toLowerCase())
          ? 'is set by the MCP client itself and cannot be given'
          : undefined;
      if (message) context.addIssue({ code: 'custom', path: [name], message });
    }
  });
const args = z
  .array(
    z
      .string()
      .max(4096)
      .regex(/^[^\0]*$/, 'must not contain NUL characters'),
  )
  .max(100);
const environment = z
  .record(
    z.string(),
    z
      .string()
      .max(8192)
      .regex(/^[^\0]*$/, 'must not contain NUL characters'),
  )
  .refine((value) => Object.keys(value).length <= 50, 'at most 50 variables')
  .superRefine((value, context) => {
    for (const name of Object.keys(value)) {
      if (environmentNamePattern.test(name)) continue;
      context.addIssue({
        code: 'custom',
        path: [name],
        message: 'is not a valid variable name: names are letters, digits and _, not starting with a digit',
      });
    }
  });

export const createServerBody = z.strictObject({
  name: serverName,
  transport: z.enum(mcpTransports),
  url: httpUrl.optional(),
  /** Stored encrypted, sent only to this server, never returned (the view lists their names). */
  headers: headers.optional(),
  stdioCommandId: z.uuid().optional(),
  args: args.optional(),
  /** Stored encrypted; names that change how programs load (NODE_OPTIONS, LD_PRELOAD, …) are refused. */
  env: environment.optional(),
  enabled: z.boolean().default(true),
});
export type CreateServerInput = z.infer<typeof createServerBody>;

/** `null` removes the stored headers or environment. The transport cannot change: create another server. */
export const updateServerBody = patchBody({
  name: serverName.optional(),
  url: httpUrl.optional(),
  headers: headers.nullable().optional(),
  stdioCommandId: z.uuid().optional(),
  args: args.optional(),
  env: environment.nullable().optional(),
  enabled: z.boolean().optional(),
});
export type UpdateServerInput = z.infer<typeof updateServerBody>;

export const serverSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  transport: z.enum(mcpTransports),
  url: z.string().nullable(),
  headerNames: z.array(z.string()),
  stdioCommandId: z.uuid().nullable(),
  /**
   * The exact command that will run: the allowed executable, then the arguments, no shell. Null for an HTTP
   * server, and for a stdio server whose command a platform administrator withdrew.
   */
  command: z.array(z.string()).nullable(),
  /** A stdio server's arguments, kept when its command is withdrawn; empty for an HTTP server. */
  args: z.array(z.string()),
  envNames: z.array(z.string()),
  enabled: z.boolean(),
  status: z.enum(mcpServerStatuses),
  statusMessage: z.string().nullable(),
  lastSyncedAt: z.iso.datetime().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type ServerView = z.infer<typeof serverSchema>;

export interface ServerSecretsNames {
  readonly headerNames: readonly string[];
  readonly envNames: readonly string[];
}

export const presentServer = (
  row: McpServerRow,
  executablePath: string | undefined,
  names: ServerSecretsNames,
): ServerView => ({
  id: row.id,
  name: row.name,
  transport: row.transport,
  url: row.url,
  headerNames: [...names.headerNames],
  stdioCommandId: row.stdioCommandId,
  command: row.transport === 'stdio' && executablePath ? [executablePath, ...row.args] : null,
  args: [...row.args],
  envNames: [...names.envNames],
  enabled: row.enabled,
  status: row.status,
  statusMessage: row.statusMessage,
  lastSyncedAt: row.lastSyncedAt?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export const serverListSchema = z.object({ items: z.array(serverSchema) });
