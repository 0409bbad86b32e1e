import { eq, or } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../platform/db/pagination.js';
import { agents } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type AgentRow = typeof agents.$inferSelect;
export type AgentChanges = Partial<
  Pick<AgentRow, 'name' | 'instructions' | 'model' | 'temperature' | 'maxOutputTokens' | 'visibility' | 'ownerId'>
>;

/** Tenant-wide agents plus the user's own private ones. */
const usableBy = (userId: string) => or(eq(agents.visibility, 'tenant'), eq(agents.ownerId, userId));

export function createAgentsRepository() {
  return {
    /** With `usableBy` only the agents that user may use; without it every agent of the tenant. */
    async listAgents(db: Executor, tenantId: string, filter: { usableBy?: string }, page: PageRequest) {
      return db
        .select({ row: agents, cursorAt: cursorTimestamp(agents.createdAt) })
        .from(agents)
        .where(
          inTenant(
            agents,
            tenantId,
            filter.usableBy === undefined ? undefined : usableBy(filter.usableBy),
            afterCursor(agents.createdAt, agents.id, page.after),
          ),
        )
        .orderBy(...newestFirst(agents.createdAt, agents.id))
        .limit(page.limit + 1);
    },

    async findAgent(db: Executor, tenantId: string, agentId: string): Promise<AgentRow | undefined> {
      const [row] = await db
        .select()
        .from(agents)
        .where(inTenant(agents, tenantId, eq(agents.id, agentId)))
        .limit(1);
      return row;
    },

    async insertAgent(db: Executor, agent: typeof agents.$inferInsert): Promise<AgentRow> {
      const [row] = await db.insert(agents).values(agent).returning();
      return row!;
    },

    async updateAgent(
      db: Executor,
      tenantId: string,
      agentId: string,
      changes: AgentChanges,
    ): Promise<AgentRow | undefined> {
      const [row] = await db
        .update(agents)
        .set({ ...changes, updatedAt: new Date() })
        .where(inTenant(agents, tenantId, eq(agents.id, agentId)))
        .returning();
      return row;
    },

    async deleteAgent(db: Executor, tenantId: string, agentId: string): Promise<boolean> {
      const rows = await db
        .delete(agents)
        .where(inTenant(agents, tenantId, eq(agents.id, agentId)))
        .returning({ id: agents.id });
      return rows.length === 1;
    },
  };
}

export type AgentsRepository = ReturnType<typeof createAgentsRepository>;
