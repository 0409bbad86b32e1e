import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { agents } from './agents.js';
import { createdAt, tenantColumn, updatedAt } from './columns.js';
import { conversations } from './conversations.js';
import { users } from './users.js';

/** A parameter of a stdio command template: what a tenant may fill, as exactly one argument. */
export interface StdioTemplateParameter {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'url';
  /** A whole-value regular expression the value must match (anchored on both ends when checked). */
  readonly pattern: string;
  readonly description: string;
  readonly required: boolean;
}

/**
 * Command templates the platform admin defines for stdio MCP servers, server-wide: the executable, its
 * arguments (fixed, with `{name}` placeholders of parameters), the environment variables a tenant may
 * set, and whether the child may reach the network. A tenant admin picks one by id and fills its
 * parameters: nothing else reaches spawn (issue 33; ADR 0015).
 */
export const mcpStdioCommands = pgTable(
  'mcp_stdio_commands',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    executablePath: text('executable_path').notNull(),
    description: text('description').notNull().default(''),
    /**
     * Whether the platform admin allowed an interpreter here. Kept, not only checked on create, because
     * the file behind the path is checked again on every spawn: a program swapped for node is refused.
     */
    allowInterpreter: boolean('allow_interpreter').notNull().default(false),
    /** The argument template: literal elements and elements with `{parameter}` placeholders, one argv element each. */
    args: text('args')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    parameters: jsonb('parameters').$type<StdioTemplateParameter[]>().notNull().default([]),
    /** Names of the environment variables a tenant's server may set; any other is refused. */
    envNames: text('env_names')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** Without it, a child in bubblewrap has no network at all (not even loopback). */
    allowNetwork: boolean('allow_network').notNull().default(false),
    /** Directories or files mounted read-only into the child's sandbox (the program's own files, say). */
    readOnlyPaths: text('read_only_paths')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('mcp_stdio_commands_name_unique').on(table.name),
    index('mcp_stdio_commands_created_by_idx').on(table.createdBy),
  ],
);

export const mcpTransports = ['streamable-http', 'sse', 'stdio'] as const;
export type McpTransport = (typeof mcpTransports)[number];
export const mcpServerStatuses = ['unknown', 'connected', 'error'] as const;
export type McpServerStatus = (typeof mcpServerStatuses)[number];

export const mcpServers = pgTable(
  'mcp_servers',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    name: text('name').notNull(),
    transport: text('transport', { enum: mcpTransports }).notNull(),
    /** HTTP transports. */
    url: text('url'),
    /** HTTP headers as encrypted JSON (they often carry tokens); never returned. */
    encryptedHeaders: text('encrypted_headers'),
    /**
     * stdio: one of the platform admin's allowed commands. Withdrawing the command empties this rather than
     * being refused: the platform admin cannot see, change or delete another tenant's servers, so a refusal
     * left an executable they no longer trust runnable for as long as any tenant used it.
     */
    stdioCommandId: uuid('stdio_command_id').references(() => mcpStdioCommands.id, { onDelete: 'set null' }),
    /**
     * Free arguments of servers made before command templates (migration 0018). Never run: a server that
     * had any was detached from its command and must be pointed at a template.
     */
    args: text('args')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    /** stdio: the values a tenant gave its template's parameters, by parameter name. */
    parameters: jsonb('parameters').$type<Record<string, string>>().notNull().default({}),
    /** stdio environment as encrypted JSON; dangerous names (NODE_OPTIONS, LD_PRELOAD, …) are refused on write. */
    encryptedEnv: text('encrypted_env'),
    enabled: boolean('enabled').notNull().default(true),
    status: text('status', { enum: mcpServerStatuses }).notNull().default('unknown'),
    statusMessage: text('status_message'),
    lastSyncedAt: timestamp('last_synced_at', { withTimezone: true, mode: 'date' }),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('mcp_servers_tenant_name_unique').on(table.tenantId, table.name),
    index('mcp_servers_stdio_command_idx').on(table.stdioCommandId),
    index('mcp_servers_created_by_idx').on(table.createdBy),
  ],
);

export const toolApprovalPolicies = ['auto', 'needs_approval'] as const;

export const mcpTools = pgTable(
  'mcp_tools',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    serverId: uuid('server_id')
      .notNull()
      .references(() => mcpServers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    inputSchema: jsonb('input_schema').$type<Record<string, unknown>>().notNull(),
    /**
     * Off when a sync first lists the tool: an enabled tool is one any member may give their agents, so
     * an admin chooses each (since 2026-11-25; tools synced before kept what they had).
     */
    enabled: boolean('enabled').notNull().default(false),
    approval: text('approval', { enum: toolApprovalPolicies }).notNull().default('auto'),
    syncedAt: timestamp('synced_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('mcp_tools_server_name_unique').on(table.serverId, table.name),
    index('mcp_tools_tenant_idx').on(table.tenantId, table.serverId),
  ],
);

/** The tools an agent may call: an MCP tool by id, or a built-in tool by name (`search_knowledge`, `current_time`). */
export const agentTools = pgTable(
  'agent_tools',
  {
    tenantId: tenantColumn(),
    agentId: uuid('agent_id')
      .notNull()
      .references(() => agents.id, { onDelete: 'cascade' }),
    /** `mcp:<tool id>` or `builtin:<name>`. */
    toolKey: text('tool_key').notNull(),
    mcpToolId: uuid('mcp_tool_id').references(() => mcpTools.id, { onDelete: 'cascade' }),
  },
  (table) => [
    primaryKey({ columns: [table.agentId, table.toolKey] }),
    index('agent_tools_mcp_tool_idx').on(table.mcpToolId),
  ],
);

export const toolOutcomes = ['success', 'error', 'timeout', 'denied', 'invalid_arguments'] as const;
export type ToolOutcome = (typeof toolOutcomes)[number];

/** Every tool execution, for the audit log: who, where, what, how long, how it ended. */
export const toolExecutions = pgTable(
  'tool_executions',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantColumn(),
    toolId: uuid('tool_id').references(() => mcpTools.id, { onDelete: 'set null' }),
    serverId: uuid('server_id').references(() => mcpServers.id, { onDelete: 'set null' }),
    toolName: text('tool_name').notNull(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    agentId: uuid('agent_id').references(() => agents.id, { onDelete: 'set null' }),
    conversationId: uuid('conversation_id').references(() => conversations.id, { onDelete: 'set null' }),
    /** sha256 of the canonical JSON arguments: enough to correlate, without storing what may be personal. */
    argumentsSha256: text('arguments_sha256').notNull(),
    durationMs: integer('duration_ms').notNull(),
    outcome: text('outcome', { enum: toolOutcomes }).notNull(),
    resultBytes: integer('result_bytes').notNull().default(0),
    truncated: boolean('truncated').notNull().default(false),
    errorMessage: text('error_message'),
    createdAt: createdAt(),
  },
  (table) => [
    index('tool_executions_tenant_idx').on(table.tenantId, table.id.desc()),
    index('tool_executions_tenant_created_idx').on(table.tenantId, table.createdAt),
    index('tool_executions_tool_idx').on(table.toolId),
    index('tool_executions_server_idx').on(table.serverId),
    index('tool_executions_user_idx').on(table.userId),
    index('tool_executions_agent_idx').on(table.agentId),
    index('tool_executions_conversation_idx').on(table.conversationId),
  ],
);

/** A tool call inside a reply, stored on the assistant message (`messages.tool_calls`). */
export interface StoredToolCall {
  readonly toolCallId: string;
  readonly toolName: string;
  /**
   * The agent's key of the tool called (`mcp:<id>` or a built-in's name): what an approved call runs,
   * since a name can point to another tool by the time the user decides. Absent on calls stored before.
   */
  readonly toolKey?: string;
  readonly input: unknown;
  readonly state: 'awaiting_approval' | 'denied' | 'running' | 'complete' | 'error';
  readonly output?: unknown;
  readonly errorMessage?: string;
}
