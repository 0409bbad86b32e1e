import { asc, eq } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { mcpServers, mcpStdioCommands } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type StdioCommandRow = typeof mcpStdioCommands.$inferSelect;
export type McpServerRow = typeof mcpServers.$inferSelect;
export type McpServerChanges = Partial<
  Pick<
    McpServerRow,
    | 'name'
    | 'url'
    | 'encryptedHeaders'
    | 'stdioCommandId'
    | 'parameters'
    | 'encryptedEnv'
    | 'enabled'
    | 'status'
    | 'statusMessage'
    | 'lastSyncedAt'
  >
>;

/** All SQL of MCP servers and the platform's allowed stdio commands (the latter are server-wide, not tenant-owned). */
export function createServersRepository() {
  return {
    async insertStdioCommand(db: Executor, command: typeof mcpStdioCommands.$inferInsert): Promise<StdioCommandRow> {
      const [row] = await db.insert(mcpStdioCommands).values(command).returning();
      return row!;
    },

    async listStdioCommands(db: Executor): Promise<StdioCommandRow[]> {
      return db.select().from(mcpStdioCommands).orderBy(asc(mcpStdioCommands.name)).limit(500);
    },

    async findStdioCommand(db: Executor, commandId: string): Promise<StdioCommandRow | undefined> {
      const [row] = await db.select().from(mcpStdioCommands).where(eq(mcpStdioCommands.id, commandId));
      return row;
    },

    async updateStdioCommand(
      db: Executor,
      commandId: string,
      changes: Partial<typeof mcpStdioCommands.$inferInsert>,
    ): Promise<StdioCommandRow | undefined> {
      const [row] = await db
        .update(mcpStdioCommands)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(mcpStdioCommands.id, commandId))
        .returning();
      return row;
    },

    async deleteStdioCommand(db: Executor, commandId: string): Promise<void> {
      await db.delete(mcpStdioCommands).where(eq(mcpStdioCommands.id, commandId));
    },

    /**
     * Marks every server that runs the command, in every tenant, before the command goes (which empties
     * their stdioCommandId). Across tenants on purpose: the command is the platform admin's, server-wide,
     * and nothing of those servers is returned but their ids, for closing their connections.
     */
    async markCommandWithdrawn(db: Executor, commandId: string, statusMessage: string): Promise<string[]> {
      const rows = await db
        .update(mcpServers)
        .set({ status: 'error', statusMessage, updatedAt: new Date() })
        .where(eq(mcpServers.stdioCommandId, commandId))
        .returning({ id: mcpServers.id });
      return rows.map((row) => row.id);
    },

    async insertServer(db: Executor, server: typeof mcpServers.$inferInsert): Promise<McpServerRow> {
      const [row] = await db.insert(mcpServers).values(server).returning();
      return row!;
    },

    async findServer(db: Executor, tenantId: string, serverId: string): Promise<McpServerRow | undefined> {
      const [row] = await db
        .select()
        .from(mcpServers)
        .where(inTenant(mcpServers, tenantId, eq(mcpServers.id, serverId)));
      return row;
    },

    /** A tenant has a handful of servers; the list is bounded instead of paginated. */
    async listServers(db: Executor, tenantId: string): Promise<McpServerRow[]> {
      return db
        .select()
        .from(mcpServers)
        .where(inTenant(mcpServers, tenantId))
        .orderBy(asc(mcpServers.name))
        .limit(500);
    },

    async updateServer(
      db: Executor,
      tenantId: string,
      serverId: string,
      changes: McpServerChanges,
    ): Promise<McpServerRow | undefined> {
      const [row] = await db
        .update(mcpServers)
        .set({ ...changes, updatedAt: new Date() })
        .where(inTenant(mcpServers, tenantId, eq(mcpServers.id, serverId)))
        .returning();
      return row;
    },

    /**
     * Back to connected after a call succeeded, only if the server is still marked in error: a successful call
     * on a server that is fine writes nothing, and a sync's newer status is not overwritten.
     */
    async markRecovered(db: Executor, tenantId: string, serverId: string, statusMessage: string): Promise<void> {
      await db
        .update(mcpServers)
        .set({ status: 'connected', statusMessage, updatedAt: new Date() })
        .where(inTenant(mcpServers, tenantId, eq(mcpServers.id, serverId), eq(mcpServers.status, 'error')));
    },

    async deleteServer(db: Executor, tenantId: string, serverId: string): Promise<void> {
      await db.delete(mcpServers).where(inTenant(mcpServers, tenantId, eq(mcpServers.id, serverId)));
    },
  };
}

export type ServersRepository = ReturnType<typeof createServersRepository>;
