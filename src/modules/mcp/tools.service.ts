import type { Actor } from '../../access/actor.js';
import { requireAdmin } from '../../access/require-access.js';
import type { Database } from '../../platform/db/client.js';
import { toPage, type Page } from '../../platform/db/pagination.js';
import type { ToolOutcome } from '../../platform/db/schema/mcp.js';
import { AppError, conflict, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { Logger } from '../../platform/logger.js';
import type { ConnectionPool } from './connection-pool.js';
import type { ServerSecrets } from './server-secrets.js';
import type { McpServerRow, ServersRepository } from './servers.repository.js';
import { argumentsDigest, type ArgumentValidator } from './tool-arguments.js';
import { boundContent, type ToolExecutionResult } from './tool-result.js';
import type { ToolsRepository } from './tools.repository.js';
import {
  presentExecution,
  presentTool,
  type ExecutionView,
  type ListExecutionsQuery,
  type ToolView,
  type UpdateToolInput,
} from './tools.schemas.js';
import { cutToLength } from '../../platform/text-cut.js';

export interface ToolExecutionContext {
  readonly agentId?: string;
  readonly conversationId?: string;
  readonly signal?: AbortSignal;
}

/** What the chat tool loop (a later phase) calls; authorization of the agent's tools is the loop's to do. */
export interface McpToolRunner {
  execute(actor: Actor, toolId: string, args: unknown, context?: ToolExecutionContext): Promise<ToolExecutionResult>;
}

export interface ToolLimits {
  /** Bound for one call; a slower tool ends as a `timeout` result. */
  readonly callTimeoutMs: number;
  /** Larger results are cut to this many bytes, with a note. */
  readonly maxResultBytes: number;
}

export interface ToolsServiceDeps {
  readonly db: Database;
  readonly servers: ServersRepository;
  readonly tools: ToolsRepository;
  readonly secrets: ServerSecrets;
  readonly pool: ConnectionPool;
  readonly validator: ArgumentValidator;
  readonly logger: Logger;
  readonly limits: ToolLimits;
}

export function createToolsService(deps: ToolsServiceDeps) {
  const { db, servers, tools, secrets, pool, validator, logger, limits } = deps;

  interface Recorded {
    readonly outcome: ToolOutcome;
    readonly durationMs: number;
    readonly resultBytes?: number;
    readonly truncated?: boolean;
    readonly errorMessage?: string;
  }

  async function execute(
    actor: Actor,
    toolId: string,
    args: unknown,
    context: ToolExecutionContext = {},
  ): Promise<ToolExecutionResult> {
    const found = await tools.findToolWithServer(db, actor.tenantId, toolId);
    if (!found) throw notFound('Tool', toolId);
    const { tool, server } = found;
    if (!tool.enabled) throw conflict(`Tool '${tool.name}' is disabled; a tenant administrator can enable it`);
    if (!server.enabled)
      throw conflict(`MCP server '${server.name}' is disabled; a tenant administrator can enable it`);
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const record = (entry: Recorded) =>
      tools
        .insertExecution(db, {
          id: newId(),
          tenantId: actor.tenantId,
          toolId: tool.id,
          serverId: server.id,
          toolName: tool.name,
          userId: actor.via === 'system' ? null : actor.userId,
          agentId: context.agentId ?? null,
          conversationId: context.conversationId ?? null,
          argumentsSha256: argumentsDigest(args),
          durationMs: entry.durationMs,
          outcome: entry.outcome,
          resultBytes: entry.resultBytes ?? 0,
          truncated: entry.truncated ?? false,
          errorMessage: entry.errorMessage == null ? null : cutToLength(entry.errorMessage, 1000),
        })
        .catch((error: unknown) => logger.error({ err: error, toolId }, 'could not record a tool execution'));

    let checkedArgs: Record<string, unknown>;
    try {
      checkedArgs = validator.requireValid(tool, args);
    } catch (error) {
      await record({ outcome: 'invalid_arguments', durationMs: elapsed(), errorMessage: messageOf(error) });
      throw error;
    }
    const command = server.stdioCommandId ? await servers.findStdioCommand(db, server.stdioCommandId) : undefined;
    try {
      const outcome = await pool.callTool(secrets.toTarget(server, command), tool.name, checkedArgs, {
        timeoutMs: limits.callTimeoutMs,
        signal: context.signal,
      });
      const durationMs = elapsed();
      if (outcome.kind === 'timeout' || !outcome.result) {
        const text = `Tool '${tool.name}' did not answer within ${limits.callTimeoutMs} ms and was cancelled`;
        await record({ outcome: 'timeout', durationMs, errorMessage: text });
        return { content: [{ type: 'text', text }], isError: true, truncated: false, durationMs, outcome: 'timeout' };
      }
      if (server.status === 'error') await markRecovered(actor, server, tool.name);
      const isError = outcome.result.isError === true;
      const bounded = boundContent(outcome.result.content ?? [], limits.maxResultBytes);
      const resultOutcome: ToolOutcome = isError ? 'error' : 'success';
      await record({
        outcome: resultOutcome,
        durationMs,
        resultBytes: bounded.resultBytes,
        truncated: bounded.truncated,
        // Not the tool's own text: it often echoes the arguments, which the log keeps only as a digest.
        errorMessage: isError ? 'The tool returned an error result' : undefined,
      });
      return { content: bounded.content, isError, truncated: bounded.truncated, durationMs, outcome: resultOutcome };
    } catch (caught) {
      const error = await explainFailure(actor, server, tool.name, caught);
      await record({ outcome: 'error', durationMs: elapsed(), errorMessage: messageOf(error) });
      // Only a server that could not be reached or dropped the call is marked; a cancelled call says nothing of it.
      if (error instanceof AppError && error.code === 'not_ready') {
        await servers
          .updateServer(db, actor.tenantId, server.id, {
            status: 'error',
            statusMessage: cutToLength(error.message, 1000),
          })
          .catch(() => undefined);
      }
      throw error;
    }
  }

  /**
   * The pool ends a call with a conflict when its server was changed or removed meanwhile; a removal is said
   * as such, so that nobody waits for "the next call" to work.
   */
  async function explainFailure(
    actor: Actor,
    server: McpServerRow,
    toolName: string,
    error: unknown,
  ): Promise<unknown> {
    if (!(error instanceof AppError) || error.code !== 'conflict') return error;
    if (await servers.findServer(db, actor.tenantId, server.id)) return error;
    const removed = `MCP server '${server.name}' was removed while tool '${toolName}' ran`;
    return new AppError('conflict', removed, {}, { cause: error });
  }

  /** A call answered: a server marked in error has recovered (the update does nothing if it was not in error). */
  async function markRecovered(actor: Actor, server: McpServerRow, toolName: string): Promise<void> {
    await servers
      .markRecovered(db, actor.tenantId, server.id, `Connected again: tool '${toolName}' answered`)
      .catch((error: unknown) =>
        logger.warn({ err: error, serverId: server.id }, 'could not mark an MCP server connected'),
      );
  }

  return {
    execute,

    /** The HTTP route: only administrators run tools by hand (agents run them through the runner). */
    async executeDirect(actor: Actor, toolId: string, args: unknown): Promise<ToolExecutionResult> {
      requireAdmin(actor);
      return execute(actor, toolId, args);
    },

    async listTools(actor: Actor, serverId: string | undefined): Promise<{ items: ToolView[] }> {
      requireAdmin(actor);
      if (serverId && !(await servers.findServer(db, actor.tenantId, serverId))) throw notFound('MCP server', serverId);
      return { items: (await tools.listTools(db, actor.tenantId, serverId)).map(presentTool) };
    },

    async updateTool(actor: Actor, toolId: string, input: UpdateToolInput): Promise<ToolView> {
      requireAdmin(actor);
      const updated = await tools.updateTool(db, actor.tenantId, toolId, input);
      if (!updated) throw notFound('Tool', toolId);
      return presentTool(updated);
    },

    async listExecutions(actor: Actor, query: ListExecutionsQuery): Promise<Page<ExecutionView>> {
      requireAdmin(actor);
      const rows = await tools.listExecutions(
        db,
        actor.tenantId,
        { toolId: query.toolId },
        {
          limit: query.limit,
          after: query.cursor,
        },
      );
      return toPage(rows, query.limit, presentExecution);
    },
  };
}

export type ToolsService = ReturnType<typeof createToolsService>;

const messageOf = (error: unknown): string =>
  error instanceof AppError ? error.message : 'The tool call failed unexpectedly';
