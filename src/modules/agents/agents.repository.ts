import { and, asc, eq, getTableColumns, inArray, or, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import { afterCursor, cursorTimestamp, newestFirst, type PageRequest } from '../../platform/db/pagination.js';
import {
  agentKnowledgeSources,
  agentTools,
  agentVersions,
  agents,
  isLiveSource,
  knowledgeSources,
  mcpServers,
  mcpTools,
} from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';
import { settingsOf } from './agent-settings.js';

/** An agent with the ids of the knowledge sources it answers from and the keys of the tools it may call. */
export type AgentRow = typeof agents.$inferSelect & {
  readonly knowledgeSourceIds: string[];
  readonly toolKeys: string[];
};

/** The agent's source ids as a column of its own row (text[]: both drivers parse it alike). */
const knowledgeSourceIds = sql<
  string[]
>`array(select ${agentKnowledgeSources.sourceId}::text from ${agentKnowledgeSources} where ${agentKnowledgeSources.agentId} = ${agents.id} and ${agentKnowledgeSources.tenantId} = ${agents.tenantId} order by 1)`;
/** The agent's tool keys (`builtin:<name>`, `mcp:<tool id>`), the same way. */
const toolKeys = sql<
  string[]
>`array(select ${agentTools.toolKey} from ${agentTools} where ${agentTools.agentId} = ${agents.id} and ${agentTools.tenantId} = ${agents.tenantId} order by 1)`;
const agentWithSources = { ...getTableColumns(agents), knowledgeSourceIds, toolKeys };

/** An MCP tool an agent may be given, with its server's name. */
export interface CatalogMcpTool {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly approval: 'auto' | 'needs_approval';
  readonly enabled: boolean;
  readonly serverName: string;
  readonly serverEnabled: boolean;
}

/** Enough for any tenant's tool picker; the agent form lists them all at once. */
const maxCatalogTools = 2000;
export type AgentChanges = Partial<
  Pick<
    AgentRow,
    | 'name'
    | 'instructions'
    | 'model'
    | 'temperature'
    | 'maxOutputTokens'
    | 'visibility'
    | 'ownerId'
    | 'companion'
    | 'publishedVersion'
    | 'draftVersion'
  >
>;

/** Tenant-wide agents plus the user's own private ones. */
const usableBy = (userId: string) => or(eq(agents.visibility, 'tenant'), eq(agents.ownerId, userId));

export function createAgentsRepository() {
  const repository = {
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

    /** The agents of that name the user may use, up to `limit`: names are not unique. */
    async listUsableNamed(db: Executor, tenantId: string, userId: string, name: string, limit: number) {
      return db
        .select(agentWithSources)
        .from(agents)
        .where(inTenant(agents, tenantId, usableBy(userId), eq(agents.name, name)))
        .orderBy(...newestFirst(agents.createdAt, agents.id))
        .limit(limit);
    },

    async findAgent(db: Executor, tenantId: string, agentId: string): Promise<AgentRow | undefined> {
      const [row] = await db
        .select(agentWithSources)
        .from(agents)
        .where(inTenant(agents, tenantId, eq(agents.id, agentId)))
        .limit(1);
      return row;
    },

    /**
     * The agent, its row locked until the transaction ends: what changes its settings or versions reads it
     * so, and two such changes of one agent take turns.
     */
    async findAgentForUpdate(tx: Executor, tenantId: string, agentId: string): Promise<AgentRow | undefined> {
      const [row] = await tx
        .select(agentWithSources)
        .from(agents)
        .where(inTenant(agents, tenantId, eq(agents.id, agentId)))
        .for('update');
      return row;
    },

    /** Points the agent at its draft (null: none). Its `updated_at` stays: nothing a turn reads changed. */
    async setDraft(tx: Executor, tenantId: string, agentId: string, draftVersion: number | null): Promise<void> {
      await tx
        .update(agents)
        .set({ draftVersion })
        .where(inTenant(agents, tenantId, eq(agents.id, agentId)));
    },

    /**
     * A new agent with its lists, and its settings as version 1, published. Call inside a transaction
     * (with the lists' ids checked): the four writes stand or fall together.
     */
    async insertAgent(
      tx: Executor,
      agent: typeof agents.$inferInsert,
      links: { knowledgeSourceIds: readonly string[]; toolKeys: readonly string[] } = {
        knowledgeSourceIds: [],
        toolKeys: [],
      },
    ): Promise<AgentRow> {
      const [inserted] = await tx.insert(agents).values(agent).returning();
      const row = { ...inserted!, knowledgeSourceIds: [...links.knowledgeSourceIds], toolKeys: [...links.toolKeys] };
      await repository.replaceKnowledgeSources(tx, row.tenantId, row.id, row.knowledgeSourceIds);
      await repository.replaceTools(tx, row.tenantId, row.id, row.toolKeys);
      await tx.insert(agentVersions).values({
        tenantId: row.tenantId,
        agentId: row.id,
        number: 1,
        settings: settingsOf(row),
        createdBy: row.createdBy,
        publishedAt: row.createdAt,
        publishedBy: row.createdBy,
      });
      return row;
    },

    /** Which of these ids are knowledge sources of the tenant (another tenant's are simply absent). */
    async findKnowledgeSourceIds(db: Executor, tenantId: string, sourceIds: readonly string[]): Promise<string[]> {
      if (sourceIds.length === 0) return [];
      const rows = await db
        .select({ id: knowledgeSources.id })
        .from(knowledgeSources)
        .where(inTenant(knowledgeSources, tenantId, inArray(knowledgeSources.id, [...sourceIds]), isLiveSource));
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

    /** Which of these ids are MCP tools of the tenant (another tenant's are simply absent). */
    async findMcpToolIds(db: Executor, tenantId: string, toolIds: readonly string[]): Promise<string[]> {
      if (toolIds.length === 0) return [];
      const rows = await db
        .select({ id: mcpTools.id })
        .from(mcpTools)
        .where(inTenant(mcpTools, tenantId, inArray(mcpTools.id, [...toolIds])));
      return rows.map((row) => row.id);
    },

    /** Replaces the agent's tools with these keys; call inside the transaction that checked them. */
    async replaceTools(tx: Executor, tenantId: string, agentId: string, keys: readonly string[]): Promise<void> {
      await tx.delete(agentTools).where(inTenant(agentTools, tenantId, eq(agentTools.agentId, agentId)));
      if (keys.length === 0) return;
      await tx.insert(agentTools).values(
        keys.map((toolKey) => ({
          tenantId,
          agentId,
          toolKey,
          // The foreign key removes the grant when the MCP tool is removed (its server was re-synced or deleted).
          mcpToolId: toolKey.startsWith('mcp:') ? toolKey.slice('mcp:'.length) : null,
        })),
      );
    },

    /** Every MCP tool of the tenant, with its server, for the agent editor's picker. */
    async listCatalogMcpTools(db: Executor, tenantId: string): Promise<CatalogMcpTool[]> {
      return db
        .select({
          id: mcpTools.id,
          name: mcpTools.name,
          description: mcpTools.description,
          approval: mcpTools.approval,
          enabled: mcpTools.enabled,
          serverName: mcpServers.name,
          serverEnabled: mcpServers.enabled,
        })
        .from(mcpTools)
        .innerJoin(mcpServers, and(eq(mcpServers.id, mcpTools.serverId), eq(mcpServers.tenantId, mcpTools.tenantId)))
        .where(inTenant(mcpTools, tenantId))
        .orderBy(asc(mcpServers.name), asc(mcpTools.name))
        .limit(maxCatalogTools);
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
  return repository;
}

export type AgentsRepository = ReturnType<typeof createAgentsRepository>;
