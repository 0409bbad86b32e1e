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

/**
 * Executables the platform admin allows stdio MCP servers to run, server-wide. A tenant admin can only
 * pick one of these by id; the path is exact (no shell, no PATH lookup).
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
    args: text('args')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
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
