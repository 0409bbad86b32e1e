import { z } from 'zod';
import { toolApprovalPolicies, toolOutcomes } from '../../platform/db/schema/mcp.js';
import { pageOf, patchBody } from '../../platform/http/common-schemas.js';
import { pageCursor, pageLimit } from '../../platform/http/list-query.js';
import type { McpToolRow, ToolExecutionRow } from './tools.repository.js';

export const toolSchema = z.object({
  id: z.uuid(),
  serverId: z.uuid(),
  name: z.string(),
  description: z.string(),
  inputSchema: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  approval: z.enum(toolApprovalPolicies),
  syncedAt: z.iso.datetime(),
});
export type ToolView = z.infer<typeof toolSchema>;

export const presentTool = (row: McpToolRow): ToolView => ({
  id: row.id,
  serverId: row.serverId,
  name: row.name,
  description: row.description,
  inputSchema: row.inputSchema,
  enabled: row.enabled,
  approval: row.approval,
  syncedAt: row.syncedAt.toISOString(),
});

export const toolListSchema = z.object({ items: z.array(toolSchema) });

export const listToolsQuery = z.strictObject({ serverId: z.uuid().optional() });

export const updateToolBody = patchBody({
  enabled: z.boolean().optional(),
  approval: z.enum(toolApprovalPolicies).optional(),
});
export type UpdateToolInput = z.infer<typeof updateToolBody>;

export const executeToolBody = z.strictObject({
  /** Checked against the tool's input schema; the body limit bounds its size. */
  arguments: z.record(z.string(), z.unknown()).default({}),
});

export const toolExecutionResultSchema = z.object({
  content: z.array(z.looseObject({ type: z.string() })),
  isError: z.boolean(),
  truncated: z.boolean(),
  durationMs: z.number().int(),
  outcome: z.enum(toolOutcomes),
});

export const executionSchema = z.object({
  id: z.uuid(),
  toolId: z.uuid().nullable(),
  serverId: z.uuid().nullable(),
  toolName: z.string(),
  userId: z.uuid().nullable(),
  agentId: z.uuid().nullable(),
  conversationId: z.uuid().nullable(),
  argumentsSha256: z.string(),
  durationMs: z.number().int(),
  outcome: z.enum(toolOutcomes),
  resultBytes: z.number().int(),
  truncated: z.boolean(),
  errorMessage: z.string().nullable(),
  createdAt: z.iso.datetime(),
});
export type ExecutionView = z.infer<typeof executionSchema>;

export const presentExecution = (row: ToolExecutionRow): ExecutionView => ({
  id: row.id,
  toolId: row.toolId,
  serverId: row.serverId,
  toolName: row.toolName,
  userId: row.userId,
  agentId: row.agentId,
  conversationId: row.conversationId,
  argumentsSha256: row.argumentsSha256,
  durationMs: row.durationMs,
  outcome: row.outcome,
  resultBytes: row.resultBytes,
  truncated: row.truncated,
  errorMessage: row.errorMessage,
  createdAt: row.createdAt.toISOString(),
});

export const executionPageSchema = pageOf(executionSchema);

export const listExecutionsQuery = z.strictObject({
  limit: pageLimit,
  cursor: pageCursor.optional(),
  toolId: z.uuid().optional(),
});
export type ListExecutionsQuery = z.infer<typeof listExecutionsQuery>;
