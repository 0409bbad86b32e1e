import { and, asc, desc, eq, lt, notInArray, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { cursorTimestamp, type PageRequest } from '../../platform/db/pagination.js';
import { mcpServers, mcpTools, toolExecutions } from '../../platform/db/schema/index.js';
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

    async insertExecution(db: Executor, execution: typeof toolExecutions.$inferInsert): Promise<void> {
      await db.insert(toolExecutions).values(execution);
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
