import { and, asc, desc, eq, lt, notInArray, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Executor } from '../../platform/db/client.js';
import { isDeadlock, isForeignKeyViolation } from '../../platform/db/errors.js';
import { cursorTimestamp, type PageRequest } from '../../platform/db/pagination.js';
import { agents, conversations, mcpServers, mcpTools, toolExecutions, users } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type McpToolRow = typeof mcpTools.$inferSelect;
export type ToolExecutionRow = typeof toolExecutions.$inferSelect;

export interface DiscoveredTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Record<string, unknown>;
}

/** All SQL of synced tools and the execution log. */
export function createToolsRepository() {
  return {
    /**
     * Makes the stored tools of a server exactly the discovered ones: new ones are added, known ones keep
     * their id, enabled flag and approval policy, vanished ones are removed.
     */
    async replaceServerTools(
      db: Executor,
      tenantId: string,
      serverId: string,
      tools: readonly DiscoveredTool[],
      newId: () => string,
    ): Promise<McpToolRow[]> {
      const now = new Date();
      const names = tools.map((tool) => tool.name);
      await db
        .delete(mcpTools)
        .where(
          inTenant(
            mcpTools,
            tenantId,
            eq(mcpTools.serverId, serverId),
            names.length > 0 ? notInArray(mcpTools.name, names) : undefined,
          ),
        );
      if (tools.length > 0) {
        await db
          .insert(mcpTools)
          .values(tools.map((tool) => ({ id: newId(), tenantId, serverId, ...tool, syncedAt: now, createdAt: now })))
          .onConflictDoUpdate({
            target: [mcpTools.serverId, mcpTools.name],
            set: {
              description: sql`excluded.description`,
              inputSchema: sql`excluded.input_schema`,
              syncedAt: sql`excluded.synced_at`,
            },
          });
      }
      return this.listTools(db, tenantId, serverId);
    },

    async listTools(db: Executor, tenantId: string, serverId: string | undefined): Promise<McpToolRow[]> {
      return db
        .select()
        .from(mcpTools)
        .where(inTenant(mcpTools, tenantId, serverId ? eq(mcpTools.serverId, serverId) : undefined))
        .orderBy(asc(mcpTools.serverId), asc(mcpTools.name))
        .limit(2000);
    },

    /** The tool with its server, both of the tenant. */
    async findToolWithServer(db: Executor, tenantId: string, toolId: string) {
      const [row] = await db
        .select({ tool: mcpTools, server: mcpServers })
        .from(mcpTools)
        .innerJoin(mcpServers, and(eq(mcpServers.id, mcpTools.serverId), eq(mcpServers.tenantId, mcpTools.tenantId)))
        .where(inTenant(mcpTools, tenantId, eq(mcpTools.id, toolId)));
      return row;
    },

    async updateTool(
      db: Executor,
      tenantId: string,
      toolId: string,
      changes: Partial<Pick<McpToolRow, 'enabled' | 'approval'>>,
    ): Promise<McpToolRow | undefined> {
      const [row] = await db
        .update(mcpTools)
        .set(changes)
        .where(inTenant(mcpTools, tenantId, eq(mcpTools.id, toolId)))
        .returning();
      return row;
    },

    /**
     * Records an execution even when a row it names is gone by then (a server deleted while its tool ran, a
     * conversation deleted meanwhile): each of those ids goes in through a sub-select that yields null for a
     * row that no longer exists, as `on delete set null` would have made it; tool_name keeps what ran. Before,
     * the insert failed on the foreign key and the call went unrecorded.
     */
    async insertExecution(db: Executor, execution: typeof toolExecutions.$inferInsert): Promise<void> {
      const { tenantId, serverId } = execution;
      const row = {
        ...execution,
        toolId: existingId(mcpTools, tenantId, execution.toolId),
        serverId: existingId(mcpServers, tenantId, serverId),
        userId: existingId(users, tenantId, execution.userId),
        agentId: existingId(agents, tenantId, execution.agentId),
        conversationId: existingId(conversations, tenantId, execution.conversationId),
      };
      const insert = () =>
        db.transaction(async (tx) => {
          // The server first, as deleting it takes its locks (the server, then its tools): the insert's key
          // checks take the tool's first, and a server deleted while its tool ran deadlocked with the record.
          if (serverId) {
            await tx
              .select({ id: mcpServers.id })
              .from(mcpServers)
              .where(inTenant(mcpServers, tenantId, eq(mcpServers.id, serverId)))
              .for('key share');
          }
          await tx.insert(toolExecutions).values(row);
        });
      try {
        await insert();
      } catch (error) {
        // A row deleted by a transaction that committed after our sub-select (a sync removing the tool), or
        // a deadlock with another deletion: once more, the sub-selects see it gone.
        if (!isForeignKeyViolation(error) && !isDeadlock(error)) throw error;
        await insert();
      }
    },

    /** Newest first by id (UUID v7, so creation order), which is exactly the (tenant_id, id desc) index. */
    async listExecutions(db: Executor, tenantId: string, filter: { toolId?: string | undefined }, page: PageRequest) {
      const conditions: (SQL | undefined)[] = [
        filter.toolId ? eq(toolExecutions.toolId, filter.toolId) : undefined,
        page.after ? lt(toolExecutions.id, page.after.id) : undefined,
      ];
      return db
        .select({ row: toolExecutions, cursorAt: cursorTimestamp(toolExecutions.createdAt) })
        .from(toolExecutions)
        .where(inTenant(toolExecutions, tenantId, ...conditions))
        .orderBy(desc(toolExecutions.id))
        .limit(page.limit + 1);
    },
  };
}

export type ToolsRepository = ReturnType<typeof createToolsRepository>;

interface TenantRowTable extends PgTable {
  readonly id: PgColumn;
  readonly tenantId: PgColumn;
}

/** The id if its row still exists in the tenant, else null; evaluated by the statement that uses it. */
function existingId(table: TenantRowTable, tenantId: string, id: string | null | undefined): SQL | null {
  if (!id) return null;
  return sql`(select ${table.id} from ${table} where ${inTenant(table, tenantId, eq(table.id, id))})`;
}
