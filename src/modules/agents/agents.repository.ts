import { eq, getTableColumns, inArray, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../platform/db/pagination.js';
import { agentKnowledgeSources, agents, knowledgeSources } from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

/** An agent with the ids of the knowledge sources it answers from. */
export type AgentRow = typeof agents.$inferSelect & { readonly knowledgeSourceIds: string[] };

/** The agent's source ids as a column of its own row (text[]: both drivers parse it alike). */
const knowledgeSourceIds = sql<
  string[]
>`array(select ${agentKnowledgeSources.sourceId}::text from ${agentKnowledgeSources} where ${agentKnowledgeSources.agentId} = ${agents.id} and ${agentKnowledgeSources.tenantId} = ${agents.tenantId} order by 1)`;
const agentWithSources = { ...getTableColumns(agents), knowledgeSourceIds };
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
        .select({ row: agentWithSources, cursorAt: cursorTimestamp(agents.createdAt) })
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
        .select(agentWithSources)
        .from(agents)
        .where(inTenant(agents, tenantId, eq(agents.id, agentId)))
        .limit(1);
      return row;
    },

    async insertAgent(db: Executor, agent: typeof agents.$inferInsert): Promise<typeof agents.$inferSelect> {
      const [row] = await db.insert(agents).values(agent).returning();
      return row!;
    },

    /** Which of these ids are knowledge sources of the tenant (another tenant's are simply absent). */
    async findKnowledgeSourceIds(db: Executor, tenantId: string, sourceIds: readonly string[]): Promise<string[]> {
      if (sourceIds.length === 0) return [];
      const rows = await db
        .select({ id: knowledgeSources.id })
        .from(knowledgeSources)
        .where(inTenant(knowledgeSources, tenantId, inArray(knowledgeSources.id, [...sourceIds])));
      return rows.map((row) => row.id);
    },

    /** Replaces the agent's sources with these; call inside the transaction that checked them. */
    async replaceKnowledgeSources(
      tx: Executor,
      tenantId: string,
      agentId: string,
      sourceIds: readonly string[],
    ): Promise<void> {
      await tx
        .delete(agentKnowledgeSources)
        .where(inTenant(agentKnowledgeSources, tenantId, eq(agentKnowledgeSources.agentId, agentId)));
      if (sourceIds.length === 0) return;
      await tx.insert(agentKnowledgeSources).values(sourceIds.map((sourceId) => ({ tenantId, agentId, sourceId })));
    },

    async updateAgent(
      db: Executor,
      tenantId: string,
      agentId: string,
      changes: AgentChanges,
    ): Promise<typeof agents.$inferSelect | undefined> {
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
