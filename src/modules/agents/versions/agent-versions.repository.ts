import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/client.js';
import { agentVersions, type AgentSettings } from '../../../platform/db/schema/index.js';
import { inTenant } from '../../../platform/db/tenant-scope.js';

export type AgentVersionRow = typeof agentVersions.$inferSelect;

export interface NewAgentVersion {
  readonly tenantId: string;
  readonly agentId: string;
  readonly settings: AgentSettings;
  readonly note: string | null;
  readonly createdBy: string;
  /** Set when the version is published as it is saved (a PATCH of the agent). */
  readonly publishedAt?: Date;
}

export function createAgentVersionsRepository() {
  return {
    /**
     * Saves the next version (the agent's highest number plus one). Call with the agent's row locked
     * (agents.repository.ts findAgentForUpdate): two saves of one agent then take numbers in turn.
     */
    async insertNext(tx: Executor, version: NewAgentVersion): Promise<AgentVersionRow> {
      const next = sql<number>`(select coalesce(max(${agentVersions.number}), 0) + 1 from ${agentVersions} where ${agentVersions.agentId} = ${version.agentId})`;
      const [row] = await tx
        .insert(agentVersions)
        .values({
          tenantId: version.tenantId,
          agentId: version.agentId,
          number: next,
          settings: version.settings,
          note: version.note,
          createdBy: version.createdBy,
          publishedAt: version.publishedAt ?? null,
          publishedBy: version.publishedAt ? version.createdBy : null,
        })
        .returning();
      return row!;
    },

    async find(db: Executor, tenantId: string, agentId: string, number: number): Promise<AgentVersionRow | undefined> {
      const [row] = await db
        .select()
        .from(agentVersions)
        .where(inTenant(agentVersions, tenantId, eq(agentVersions.agentId, agentId), eq(agentVersions.number, number)))
        .limit(1);
      return row;
    },

    /** Newest first, below `before` when given; one more than `limit`, and the one before the last (for its changes). */
    async list(db: Executor, tenantId: string, agentId: string, limit: number, before?: number) {
      return db
        .select()
        .from(agentVersions)
        .where(
          inTenant(
            agentVersions,
            tenantId,
            and(
              eq(agentVersions.agentId, agentId),
              before === undefined ? undefined : lt(agentVersions.number, before),
            ),
          ),
        )
        .orderBy(desc(agentVersions.number))
        .limit(limit + 2);
    },

    async markPublished(tx: Executor, tenantId: string, agentId: string, number: number, by: string, at: Date) {
      await tx
        .update(agentVersions)
        .set({ publishedAt: at, publishedBy: by })
        .where(inTenant(agentVersions, tenantId, eq(agentVersions.agentId, agentId), eq(agentVersions.number, number)));
    },
  };
}

export type AgentVersionsRepository = ReturnType<typeof createAgentVersionsRepository>;
