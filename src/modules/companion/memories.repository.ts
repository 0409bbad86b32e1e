import { and, asc, eq, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../platform/db/client.js';
import {
  agentMemories,
  agents,
  contacts,
  conversations,
  inboxes,
  messages,
  supportConversations,
} from '../../platform/db/schema/index.js';
import { inTenant } from '../../platform/db/tenant-scope.js';

export type MemoryRow = typeof agentMemories.$inferSelect;

/** Enough for any agent's picture of one user; the oldest are given first. */
export const maxMemoriesPerUser = 200;

/** Deletes one memory of the tenant if it also meets `whose`; true when it did. */
async function deleteMemory(db: Executor, tenantId: string, memoryId: string, ...whose: SQL[]): Promise<boolean> {
  const deleted = await db
    .delete(agentMemories)
    .where(inTenant(agentMemories, tenantId, eq(agentMemories.id, memoryId), ...whose))
    .returning({ id: agentMemories.id });
  return deleted.length > 0;
}

/** All SQL of long-term memory; every statement names the tenant, the agent and the user. */
export function createMemoriesRepository() {
  return {
    /**
     * A user message with what the extraction needs: its conversation's owner and agent settings, and,
     * for a support conversation, its contact and whether its inbox keeps memory.
     */
    async userMessageContext(db: Executor, tenantId: string, messageId: string) {
      const [row] = await db
        .select({
          content: messages.content,
          conversationId: conversations.id,
          ownerId: conversations.ownerId,
          contactId: supportConversations.contactId,
          isSupport: sql<boolean>`${supportConversations.id} is not null`,
          isInboxMemoryEnabled: sql<boolean>`coalesce(${inboxes.isMemoryEnabled}, false)`,
          agentId: agents.id,
          agentModel: agents.model,
          companion: agents.companion,
        })
        .from(messages)
        .innerJoin(
          conversations,
          and(eq(conversations.id, messages.conversationId), eq(conversations.tenantId, messages.tenantId)),
        )
        .innerJoin(agents, and(eq(agents.id, conversations.agentId), eq(agents.tenantId, conversations.tenantId)))
        .leftJoin(
          supportConversations,
          and(
            eq(supportConversations.conversationId, conversations.id),
            eq(supportConversations.tenantId, conversations.tenantId),
          ),
        )
        .leftJoin(inboxes, eq(inboxes.id, supportConversations.inboxId))
        .where(inTenant(messages, tenantId, eq(messages.id, messageId), eq(messages.role, 'user')));
      return row;
    },

    /** One fact kept once per agent and user (by its key); false when it was known already. */
    async insertIfNew(db: Executor, memory: typeof agentMemories.$inferInsert): Promise<boolean> {
      const inserted = await db
        .insert(agentMemories)
        .values(memory)
        .onConflictDoNothing({
          target: [agentMemories.agentId, agentMemories.userId, agentMemories.contactId, agentMemories.factKey],
        })
        .returning({ id: agentMemories.id });
      return inserted.length > 0;
    },

    async list(db: Executor, tenantId: string, agentId: string, userId: string): Promise<MemoryRow[]> {
      return db
        .select()
        .from(agentMemories)
        .where(
          inTenant(
            agentMemories,
            tenantId,
            eq(agentMemories.agentId, agentId),
            eq(agentMemories.userId, userId),
            isNull(agentMemories.contactId),
          ),
        )
        .orderBy(asc(agentMemories.id))
        .limit(maxMemoriesPerUser);
    },

    /** What every agent of the tenant keeps about one contact, oldest first; undefined when no such contact. */
    async listForContact(db: Executor, tenantId: string, contactId: string): Promise<MemoryRow[] | undefined> {
      const [contact] = await db
        .select({ id: contacts.id })
        .from(contacts)
        .where(inTenant(contacts, tenantId, eq(contacts.id, contactId)));
      if (!contact) return undefined;
      return db
        .select()
        .from(agentMemories)
        .where(inTenant(agentMemories, tenantId, eq(agentMemories.contactId, contactId)))
        .orderBy(asc(agentMemories.id))
        .limit(maxMemoriesPerUser);
    },

    async deleteForContact(db: Executor, key: { tenantId: string; contactId: string; memoryId: string }) {
      return deleteMemory(db, key.tenantId, key.memoryId, eq(agentMemories.contactId, key.contactId));
    },

    /**
     * What a new conversation starts with: the facts known before it began, about the person it is with.
     * For a support conversation that is its contact, and only where its inbox keeps memory; for any other,
     * the user's own facts (no contact). Decided in the statement, so a turn pays no extra round trip.
     */
    async knownBefore(
      db: Executor,
      tenantId: string,
      conversationId: string,
      agentId: string,
      userId: string,
    ): Promise<string[]> {
      const rows = await db
        .select({ content: agentMemories.content })
        .from(agentMemories)
        .where(
          inTenant(
            agentMemories,
            tenantId,
            eq(agentMemories.agentId, agentId),
            eq(agentMemories.userId, userId),
            sql`${agentMemories.contactId} is not distinct from (select ${supportConversations.contactId} from ${supportConversations} where ${supportConversations.conversationId} = ${conversationId}::uuid and ${supportConversations.tenantId} = ${tenantId}::uuid)`,
            sql`coalesce((select ${inboxes.isMemoryEnabled} from ${supportConversations} join ${inboxes} on ${inboxes.id} = ${supportConversations.inboxId} where ${supportConversations.conversationId} = ${conversationId}::uuid and ${supportConversations.tenantId} = ${tenantId}::uuid), true)`,
            lt(
              agentMemories.createdAt,
              sql`(select ${conversations.createdAt} from ${conversations} where ${conversations.id} = ${conversationId}::uuid and ${conversations.tenantId} = ${tenantId}::uuid)`,
            ),
          ),
        )
        .orderBy(asc(agentMemories.id))
        .limit(maxMemoriesPerUser);
      return rows.map((row) => row.content);
    },

    async update(
      db: Executor,
      key: { tenantId: string; agentId: string; userId: string; memoryId: string },
      changes: { content: string; factKey: string },
    ): Promise<MemoryRow | undefined> {
      const [row] = await db
        .update(agentMemories)
        .set({ ...changes, updatedAt: new Date() })
        .where(
          inTenant(
            agentMemories,
            key.tenantId,
            eq(agentMemories.id, key.memoryId),
            eq(agentMemories.agentId, key.agentId),
            eq(agentMemories.userId, key.userId),
            isNull(agentMemories.contactId),
          ),
        )
        .returning();
      return row;
    },

    async delete(db: Executor, key: { tenantId: string; agentId: string; userId: string; memoryId: string }) {
      return deleteMemory(
        db,
        key.tenantId,
        key.memoryId,
        eq(agentMemories.agentId, key.agentId),
        eq(agentMemories.userId, key.userId),
        isNull(agentMemories.contactId),
      );
    },
  };
}

export type MemoriesRepository = ReturnType<typeof createMemoriesRepository>;
