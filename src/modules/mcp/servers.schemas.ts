import { z } from 'zod';
import { mcpServerStatuses, mcpTransports } from '../../platform/db/schema/mcp.js';
import { httpUrl, patchBody, visibleText } from '../../platform/http/common-schemas.js';
import type { ExecutableInspection } from './command-inspection.js';
import { environmentNamePattern } from './command-policy.js';
import { parameterNamePattern } from './stdio-template.js';
import type { McpServerRow, StdioCommandRow } from './servers.repository.js';

// ---- stdio command templates (platform admin) ----

const absolutePath = z.string().min(1).max(1024);
const templateParameter = z.strictObject({
  name: z
    .string()
    .regex(parameterNamePattern, 'must be lower-case letters, digits and _, starting with a letter, at most 40'),
  /** string: any text the pattern allows; integer: digits; url: an http(s) URL. */
  type: z.enum(['string', 'integer', 'url']),
  /** Matched against the whole value (it is anchored); a value never starts with '-' whatever it says. */
  pattern: z.string().min(1).max(500),
  description: z.string().trim().max(500).default(''),
  required: z.boolean().default(true),
});

export const createStdioCommandBody = z.strictObject({
  name: visibleText(100),
  executablePath: absolutePath,
  description: z.string().trim().max(2000).default(''),
  /** Shells, loaders, interpreters, scripts and command runners are refused unless this says otherwise. */
  allowInterpreter: z.boolean().default(false),
  /** Each element is one argument; `{name}` in one is replaced by the tenant's value of that parameter. */
  args: z
    .array(
      z
        .string()
        .max(4096)
        .regex(/^[^\0]*$/, 'must not contain NUL characters'),
    )
    .max(100)
    .default([]),
  parameters: z.array(templateParameter).max(20).default([]),
  /** The environment variables a tenant's server may set (their values stay the tenant's secret). */
  envNames: z.array(z.string().max(128)).max(50).default([]),
  /** Without it, a child in bubblewrap has no network at all, loopback included. */
  allowNetwork: z.boolean().default(false),
  /** Mounted read-only into the child's sandbox: the program's own files outside /usr. */
  readOnlyPaths: z.array(absolutePath).max(20).default([]),
});
export type CreateStdioCommandInput = z.infer<typeof createStdioCommandBody>;

/** Every field but the name may change; the result is checked as a whole, as on create. */
export const updateStdioCommandBody = patchBody({
  executablePath: absolutePath.optional(),
  description: z.string().trim().max(2000).optional(),
  allowInterpreter: z.boolean().optional(),
  args: createStdioCommandBody.shape.args.unwrap().optional(),
  parameters: createStdioCommandBody.shape.parameters.unwrap().optional(),
  envNames: createStdioCommandBody.shape.envNames.unwrap().optional(),
  allowNetwork: z.boolean().optional(),
  readOnlyPaths: createStdioCommandBody.shape.readOnlyPaths.unwrap().optional(),
});
export type UpdateStdioCommandInput = z.infer<typeof updateStdioCommandBody>;

export const inspectExecutableBody = z.strictObject({ executablePath: absolutePath });

const executableKinds = ['binary', 'script', 'shell', 'interpreter', 'loader', 'runner'] as const;
export const executableInspectionSchema = z.object({
  executablePath: z.string(),
  resolvedPath: z.string(),
  kind: z.enum(executableKinds),
  interpreter: z.object({ path: z.string(), kind: z.enum(executableKinds) }).nullable(),
  sameAs: z.string().nullable(),
  runsCode: z.boolean(),
  summary: z.string(),
});
export type ExecutableInspectionView = z.infer<typeof executableInspectionSchema>;

export const presentInspection = (inspection: ExecutableInspection): ExecutableInspectionView => ({
  executablePath: inspection.executablePath,
  resolvedPath: inspection.resolvedPath,
  kind: inspection.kind,
  interpreter: inspection.interpreter ?? null,
  sameAs: inspection.sameAs ?? null,
  runsCode: inspection.runsCode,
  summary: inspection.summary,
});

export const stdioCommandSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  executablePath: z.string(),
  description: z.string(),
  allowInterpreter: z.boolean(),
  args: z.array(z.string()),
  parameters: z.array(
    z.object({
      name: z.string(),
      type: z.enum(['string', 'integer', 'url']),
      pattern: z.string(),
      description: z.string(),
      required: z.boolean(),
    }),
  ),
  envNames: z.array(z.string()),
  allowNetwork: z.boolean(),
  readOnlyPaths: z.array(z.string()),
  /** What the file is now (read again for every answer); null when it is gone or not executable. */
  inspection: executableInspectionSchema.nullable(),
  createdAt: z.iso.datetime(),
});
export type StdioCommandView = z.infer<typeof stdioCommandSchema>;

export const presentStdioCommand = (
  row: StdioCommandRow,
  inspection: ExecutableInspection | undefined,
): StdioCommandView => ({
  id: row.id,
  name: row.name,
  executablePath: row.executablePath,
  description: row.description,
  allowInterpreter: row.allowInterpreter,
  args: [...row.args],
  parameters: row.parameters.map((parameter) => ({ ...parameter })),
  envNames: [...row.envNames],
  allowNetwork: row.allowNetwork,
  readOnlyPaths: [...row.readOnlyPaths],
  inspection: inspection ? presentInspection(inspection) : null,
  createdAt: row.createdAt.toISOString(),
});

/** What confinement this server gives stdio servers' children, and what it lacks (docs/mcp-isolation.md). */
export const stdioIsolationSchema = z.object({
  sandbox: z.enum(['bubblewrap', 'none']),
  runAs: z.string().nullable(),
  missing: z.array(z.string()),
  refusal: z.string().nullable(),
});

export const stdioCommandListSchema = z.object({ items: z.array(stdioCommandSchema), isolation: stdioIsolationSchema });

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
/** A tenant fills a template's parameters; each value is checked against it (stdio-template.ts). */
const parameterValues = z
  .record(z.string().max(40), z.string().max(1024))
  .refine((value) => Object.keys(value).length <= 20, 'at most 20 parameters');
/**
 * Free arguments are gone (issue 33): kept in the schema only to answer a client that still sends them
 * with a sentence rather than "unrecognized key".
 */
const noFreeArguments = z
  .unknown()
  .refine(
    () => false,
    "are no longer accepted: a stdio server runs a command template, and you fill its parameters (see the template's parameters)",
  )
  .optional();
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
  parameters: parameterValues.optional(),
  args: noFreeArguments,
  /** Stored encrypted; only names the template lists, and never ones that change how programs load. */
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
  parameters: parameterValues.optional(),
  args: noFreeArguments,
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
   * The exact command that will run: the template's executable, then its arguments with this server's
   * parameters filled in, no shell. Null for an HTTP server, and for a stdio server without a template.
   */
  command: z.array(z.string()).nullable(),
  /** A stdio server's values of its template's parameters; empty for an HTTP server. */
  parameters: z.record(z.string(), z.string()),
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
  command: readonly string[] | undefined,
  names: ServerSecretsNames,
): ServerView => ({
  id: row.id,
  name: row.name,
  transport: row.transport,
  url: row.url,
  headerNames: [...names.headerNames],
  stdioCommandId: row.stdioCommandId,
  command: row.transport === 'stdio' && command ? [...command] : null,
  parameters: { ...row.parameters },
  envNames: [...names.envNames],
  enabled: row.enabled,
  status: row.status,
  statusMessage: row.statusMessage,
  lastSyncedAt: row.lastSyncedAt?.toISOString() ?? null,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export const serverListSchema = z.object({ items: z.array(serverSchema) });
